#include <shardmq/net/zmq/error.hpp>

#include <string>

namespace shardmq::net::zmq {

namespace {

class zmq_error_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "shardmq.zmq"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::wrong_state:
        return "operation not allowed in the socket's current state (EFSM)";
      case errc::socket_closed:
        return "the socket is closed";
      case errc::not_supported_by_type:
        return "the socket type does not support this operation (ENOTSUP)";
      case errc::bad_message:
        return "the message has no frames, or no routing-id frame";
    }
    return "unknown zmq socket error";
  }
};

}  // namespace

const std::error_category& zmq_category() noexcept {
  static const zmq_error_category category;
  return category;
}

}  // namespace shardmq::net::zmq
