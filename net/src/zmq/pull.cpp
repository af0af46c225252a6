// PULL: messages from every peer, one from each in turn.
#include "socket_types.hpp"

namespace shardmq::net::zmq::detail {

namespace {

class pull_socket final : public socket_core {
 public:
  pull_socket(tcp_stack& stack, const socket_options& options)
      : socket_core(stack, socket_type::pull, options) {}

 private:
  std::error_code xsend(message&) override { return errc::not_supported_by_type; }
  bool can_send() const noexcept override { return false; }
  std::error_code xrecv(message& out) override { return receive_fair(out); }
  bool xattach(pipe& p) override {
    fq_.attach(p);
    return true;
  }
  void xdetach(pipe&) noexcept override {}
};

}  // namespace

std::unique_ptr<socket_core> make_pull_socket(tcp_stack& stack, const socket_options& options) {
  return std::make_unique<pull_socket>(stack, options);
}

}  // namespace shardmq::net::zmq::detail
