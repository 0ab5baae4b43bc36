// What every route shares: JSON responses, the error body {error: {code, message, field}}, the
// mapping from Status codes to HTTP statuses, and checked reads of bodies and query parameters.
// A helper that fails has already written the error response; the route just returns.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "sweep/base/status.hpp"

namespace sweep::gateway {

void send_json(httplib::Response& res, int http_status, const nlohmann::json& body);
void send_error(httplib::Response& res, int http_status, std::string_view code,
                const std::string& message, const std::string& field = {});
// bad_request 400, not_found 404, conflict 409, too_large 413, unavailable 503, others 500.
int http_status_for(Code code);
void send_status(httplib::Response& res, const Status& status, const std::string& field = {});

inline constexpr const char* kContentLengthRequired =
    "Content-Length: required on a POST, 0 when there is no body (curl: -d '')";

using BodyHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

// Registers a POST route whose body is read through a counting reader: the handler sees the
// request with its whole body, or the client gets 413 as soon as the body crosses `max_bytes`.
// The count is of the bytes after Content-Encoding is undone and chunks are joined (cpp-httplib's
// own limit checks Content-Length only, so a gzip body or a chunked one passed it whole).
void post_bounded(httplib::Server& server, const std::string& pattern, size_t max_bytes,
                  BodyHandler handler);

// The body as a JSON object: 415 unless Content-Type is application/json, 413 above
// `max_bytes`, 400 for invalid JSON or a non-object.
std::optional<nlohmann::json> read_json_object(const httplib::Request& req, httplib::Response& res,
                                               size_t max_bytes);

// The media type of the request without parameters, lower case ("text/csv").
std::string media_type(const httplib::Request& req);

// A query parameter as an unsigned integer in [min, max]; `fallback` when absent; 400 naming the
// parameter when malformed or out of range.
std::optional<uint64_t> query_uint(const httplib::Request& req, httplib::Response& res,
                                   const std::string& name, uint64_t fallback, uint64_t min,
                                   uint64_t max);

}  // namespace sweep::gateway
