// REQ: strict request/reply alternation. A request goes out with an empty delimiter frame first,
// to one peer in turn; only that peer's reply is taken (the delimiter removed), anything else is
// dropped, as libzmq's req does.
#include "socket_types.hpp"

namespace shardmq::net::zmq::detail {

namespace {

class req_socket final : public socket_core {
 public:
  req_socket(tcp_stack& stack, const socket_options& options)
      : socket_core(stack, socket_type::req, options) {}

 private:
  std::error_code xsend(message& msg) override {
    if (expecting_reply_) return errc::wrong_state;
    msg.push_front(frame());
    pipe* used = nullptr;
    const std::error_code result = send_balanced(msg, &used);
    if (result) {
      msg.pop_front();  // the caller keeps the message as it gave it
      return result;
    }
    reply_pipe_ = used;
    expecting_reply_ = true;
    drop_stale(*used);
    return {};
  }

  std::error_code xrecv(message& out) override {
    if (!expecting_reply_) return errc::wrong_state;
    while (reply_pipe_ != nullptr && !reply_pipe_->in.empty()) {
      message reply = pop_in(*reply_pipe_);
      if (reply.size() < 2 || !reply[0].empty()) {
        ++stats().drops;  // not a reply to a request (no delimiter)
        continue;
      }
      reply.pop_front();
      out = std::move(reply);
      expecting_reply_ = false;
      return {};
    }
    return would_block();
  }

  bool xattach(pipe& p) override {
    lb_.attach(p);
    return true;
  }
  void xdetach(pipe& p) noexcept override {
    // The peer that owes the reply is gone: the reply never comes (libzmq's REQ then waits; a
    // later request would need ZMQ_REQ_RELAXED, which we do not offer yet).
    if (reply_pipe_ == &p) reply_pipe_ = nullptr;
  }
  void xin_ready(pipe& p) override {
    if (&p != reply_pipe_ || !expecting_reply_) drop_stale(p);
  }
  /// Messages from a peer we are not waiting on are dropped as they come.
  void drop_stale(pipe& p) {
    if (&p == reply_pipe_ && expecting_reply_) return;
    while (!p.in.empty()) {
      pop_in(p);
      ++stats().drops;
    }
  }

  pipe* reply_pipe_ = nullptr;
  bool expecting_reply_ = false;
};

}  // namespace

std::unique_ptr<socket_core> make_req_socket(tcp_stack& stack, const socket_options& options) {
  return std::make_unique<req_socket>(stack, options);
}

}  // namespace shardmq::net::zmq::detail
