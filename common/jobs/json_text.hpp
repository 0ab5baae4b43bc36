// JSON text from outside (a spec file, an HTTP body, a stored record) parsed with the limits every
// reader needs: a bounded depth, and errors as values naming the field.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "sweep/base/limits.hpp"
#include "sweep/base/status.hpp"

namespace sweep {

// BadRequest "FIELD: not valid JSON: parse error at line 1, column 9: ..." or "FIELD: nested
// deeper than 16 levels". The depth is checked as the text is read, so a hostile text never
// builds (or recurses over) a deep value.
Result<nlohmann::json> parse_json_text(std::string_view text, std::string_view field,
                                       int max_depth = kMaxJsonDepth);

}  // namespace sweep
