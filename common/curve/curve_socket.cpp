#include "sweep/curve/curve_socket.hpp"

namespace sweep::curve {

void make_server(zmq::socket_t& socket, const KeyPair& pair, std::string_view zap_domain) {
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, pair.secret_key);
  socket.set(zmq::sockopt::zap_domain, zap_domain);
}

void make_client(zmq::socket_t& socket, const ClientKeys& keys) {
  socket.set(zmq::sockopt::curve_serverkey, keys.server_public_key);
  socket.set(zmq::sockopt::curve_publickey, keys.own.public_key);
  socket.set(zmq::sockopt::curve_secretkey, keys.own.secret_key);
}

}  // namespace sweep::curve
