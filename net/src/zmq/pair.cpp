// PAIR: exactly one peer; a second one is refused while the first is there (libzmq's pair).
#include "socket_types.hpp"

namespace shardmq::net::zmq::detail {

namespace {

class pair_socket final : public socket_core {
 public:
  pair_socket(tcp_stack& stack, const socket_options& options)
      : socket_core(stack, socket_type::pair, options) {}

 private:
  std::error_code xsend(message& msg) override { return send_balanced(msg); }
  std::error_code xrecv(message& out) override { return receive_fair(out); }
  bool xattach(pipe& p) override {
    if (peer_ != nullptr && peer_ != &p) return false;
    peer_ = &p;
    lb_.attach(p);
    fq_.attach(p);
    return true;
  }
  void xdetach(pipe& p) noexcept override {
    if (peer_ == &p) peer_ = nullptr;
  }

  pipe* peer_ = nullptr;
};

}  // namespace

std::unique_ptr<socket_core> make_pair_socket(tcp_stack& stack, const socket_options& options) {
  return std::make_unique<pair_socket>(stack, options);
}

}  // namespace shardmq::net::zmq::detail
