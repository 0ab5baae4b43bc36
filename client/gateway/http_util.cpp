#include "http_util.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "sweep/jobs/json_text.hpp"

namespace sweep::gateway {

using nlohmann::json;

void send_json(httplib::Response& res, int http_status, const json& body) {
  res.status = http_status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int http_status, std::string_view code,
                const std::string& message, const std::string& field) {
  send_json(res, http_status,
            {{"error",
              {{"code", code},
               {"message", message},
               {"field", field.empty() ? json(nullptr) : json(field)}}}});
}

int http_status_for(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kBadRequest:
    case Code::kUnsupportedVersion:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
    case Code::kCancelled:
      return 409;
    case Code::kTooLarge:
      return 413;
    case Code::kUnavailable:
      return 503;
    case Code::kIo:
    case Code::kInternal:
      break;
  }
  return 500;
}

void send_status(httplib::Response& res, const Status& status, const std::string& field) {
  send_error(res, http_status_for(status.code()), code_name(status.code()), status.message(),
             field);
}

std::string media_type(const httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type;
}

void post_bounded(httplib::Server& server, const std::string& pattern, size_t max_bytes,
                  BodyHandler handler) {
  server.Post(pattern, [max_bytes, handler = std::move(handler)](
                           const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& content) {
    if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      // Reading to the end of the connection would wait for a client that waits for us.
      res.set_header("Connection", "close");
      return send_error(res, 400, "bad_request", kContentLengthRequired, "Content-Length");
    }
    std::string body;
    bool over = false;
    const bool read = content([&](const char* data, size_t size) {
      over = size > max_bytes - body.size();
      if (!over) body.append(data, size);
      return !over;  // false stops the reading (and the inflating) at once
    });
    // cpp-httplib's own refusal of a Content-Length over the server's limit sets 413.
    if (over || (!read && res.status == 413)) {
      res.set_header("Connection", "close");  // the rest of the body is never read
      return send_error(res, 413, "too_large",
                        "body: over the limit of " + std::to_string(max_bytes) + " bytes" +
                            (req.has_header("Content-Encoding") ? " once decoded" : ""),
                        "body");
    }
    if (!read) {
      res.set_header("Connection", "close");
      return send_error(res, 400, "bad_request",
                        "body: could not be read (cut short, malformed chunks or encoding, or too "
                        "slow)",
                        "body");
    }
    httplib::Request whole = req;
    whole.body = std::move(body);
    handler(whole, res);
  });
}

std::optional<json> read_json_object(const httplib::Request& req, httplib::Response& res,
                                     size_t max_bytes) {
  if (media_type(req) != "application/json") {
    send_error(res, 415, "unsupported_media_type",
               "body: Content-Type must be application/json, not '" +
                   req.get_header_value("Content-Type") + "'",
               "body");
    return std::nullopt;
  }
  if (req.body.size() > max_bytes) {
    send_error(res, 413, "too_large",
               "body: " + std::to_string(req.body.size()) + " bytes is over the limit of " +
                   std::to_string(max_bytes),
               "body");
    return std::nullopt;
  }
  Result<json> parsed = parse_json_text(req.body, "body");
  if (!parsed.ok()) {
    send_error(res, 400, "bad_request",
               parsed.status().message() + (req.body.empty() ? " (the body is empty)" : ""),
               "body");
    return std::nullopt;
  }
  json body = std::move(parsed).value();
  if (!body.is_object()) {
    send_error(res, 400, "bad_request",
               std::string("body: expected a JSON object, got ") + body.type_name(), "body");
    return std::nullopt;
  }
  return body;
}

std::optional<uint64_t> query_uint(const httplib::Request& req, httplib::Response& res,
                                   const std::string& name, uint64_t fallback, uint64_t min,
                                   uint64_t max) {
  if (!req.has_param(name.c_str())) return fallback;
  const std::string text = req.get_param_value(name.c_str());
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    send_error(res, 400, "bad_request", name + ": '" + text + "' is not a non-negative integer",
               name);
    return std::nullopt;
  }
  if (v < min || v > max) {
    send_error(res, 400, "bad_request",
               name + ": " + text + " is out of range [" + std::to_string(min) + ", " +
                   std::to_string(max) + "]",
               name);
    return std::nullopt;
  }
  return v;
}

}  // namespace sweep::gateway
