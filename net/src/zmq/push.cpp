// PUSH: every message to one peer in turn, waiting when all are at their high-water mark.
#include "socket_types.hpp"

namespace shardmq::net::zmq::detail {

namespace {

class push_socket final : public socket_core {
 public:
  push_socket(tcp_stack& stack, const socket_options& options)
      : socket_core(stack, socket_type::push, options) {}

 private:
  std::error_code xsend(message& msg) override { return send_balanced(msg); }
  std::error_code xrecv(message&) override { return errc::not_supported_by_type; }
  bool can_receive() const noexcept override { return false; }
  bool xattach(pipe& p) override {
    lb_.attach(p);
    return true;
  }
  void xdetach(pipe&) noexcept override {}
  void xin_ready(pipe&) override {}  // a PULL peer sends nothing we would read
};

}  // namespace

std::unique_ptr<socket_core> make_push_socket(tcp_stack& stack, const socket_options& options) {
  return std::make_unique<push_socket>(stack, options);
}

}  // namespace shardmq::net::zmq::detail
