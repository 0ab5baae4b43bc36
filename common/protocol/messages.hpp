// The codec of each direction, behind protocol.hpp's encode() and decode_*() (codec.cpp).
// Private to common/protocol.
#pragma once

#include <string>
#include <string_view>

#include "sweep/protocol/protocol.hpp"

namespace sweep::protocol::codec {

std::string encode_frontend(const FrontendRequest& m);  // messages_frontend.cpp
std::string encode_frontend(const FrontendReply& m);
Result<FrontendRequest> decode_requests(std::string_view bytes, size_t max_bytes);
Result<FrontendReply> decode_replies(std::string_view bytes);

std::string encode_backend(const WorkerMessage& m);  // messages_backend.cpp
std::string encode_backend(const BrokerMessage& m);
Result<WorkerMessage> decode_worker(std::string_view bytes);
Result<BrokerMessage> decode_broker(std::string_view bytes);

std::string encode_events(const Event& m);  // messages_events.cpp
std::string encode_events(const Tick& m);
Result<Event> decode_events(std::string_view bytes);
Result<Tick> decode_ticks(std::string_view bytes);

}  // namespace sweep::protocol::codec
