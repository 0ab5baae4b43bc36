#include "sweep/jobs/json_text.hpp"

#include <string>

namespace sweep {
namespace {

struct TooDeep {};

}  // namespace

Result<nlohmann::json> parse_json_text(std::string_view text, std::string_view field,
                                       int max_depth) {
  using nlohmann::json;
  // nlohmann's depth counts the enclosing value: the top-level object's members are at depth 1.
  const json::parser_callback_t bounded = [max_depth](int depth, json::parse_event_t event, json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= max_depth)
      throw TooDeep{};
    return true;
  };
  try {
    return json::parse(text, bounded);
  } catch (const TooDeep&) {
    return Status::BadRequest(std::string(field) + ": nested deeper than " +
                              std::to_string(max_depth) + " levels");
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e999
    // "[json.exception.parse_error.101] parse error at line 1, column 9: ..." without the tag.
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what.erase(0, pos + 2);
    return Status::BadRequest(std::string(field) + ": not valid JSON: " + what);
  }
}

}  // namespace sweep
