// JSON views of the frontend replies, shared by the CLI's --json output and the HTTP gateway.
// Keys are the wire field names of docs/PROTOCOL.md §4.2; nil fields are null; enums are their
// wire names; metrics follow result_json.hpp (undefined -> null).
#pragma once

#include <nlohmann/json.hpp>

#include "sweep/protocol/protocol.hpp"

namespace sweep::client {

nlohmann::json json_of(const protocol::TrialRecord& t);
nlohmann::json json_of(const protocol::AcceptedReply& a);  // {id, total, status}
nlohmann::json json_of(const protocol::StatusReply& s);
nlohmann::json json_of(const protocol::JobRecord& j);
nlohmann::json json_of(const protocol::TrialsPage& p);
nlohmann::json json_of(const protocol::JobsPage& p);
nlohmann::json json_of(const protocol::HealthReply& h);

}  // namespace sweep::client
