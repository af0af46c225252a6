// DEALER: load-balanced out, fair-queued in, no envelope of its own.
#include "socket_types.hpp"

namespace shardmq::net::zmq::detail {

namespace {

class dealer_socket final : public socket_core {
 public:
  dealer_socket(tcp_stack& stack, const socket_options& options)
      : socket_core(stack, socket_type::dealer, options) {}

 private:
  std::error_code xsend(message& msg) override { return send_balanced(msg); }
  std::error_code xrecv(message& out) override { return receive_fair(out); }
  bool xattach(pipe& p) override {
    lb_.attach(p);
    fq_.attach(p);
    return true;
  }
  void xdetach(pipe&) noexcept override {}
};

}  // namespace

std::unique_ptr<socket_core> make_dealer_socket(tcp_stack& stack, const socket_options& options) {
  return std::make_unique<dealer_socket>(stack, options);
}

}  // namespace shardmq::net::zmq::detail
