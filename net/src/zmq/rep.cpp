// REP: takes requests fair-queued; the envelope (every frame up to and including the empty
// delimiter: routing ids added by ROUTER brokers) is kept and put back on the reply, which goes
// to the peer the request came from.
#include "socket_types.hpp"

namespace shardmq::net::zmq::detail {

namespace {

class rep_socket final : public socket_core {
 public:
  rep_socket(tcp_stack& stack, const socket_options& options)
      : socket_core(stack, socket_type::rep, options) {}

 private:
  std::error_code xrecv(message& out) override {
    if (sending_reply_) return errc::wrong_state;
    for (;;) {
      message request;
      pipe* from = nullptr;
      const std::error_code result = receive_fair(request, &from);
      if (result) return result;
      envelope_.clear();
      bool delimited = false;
      while (!request.empty()) {
        frame part = request.pop_front();
        const bool delimiter = part.empty();
        envelope_.push_back(std::move(part));
        if (delimiter) {
          delimited = true;
          break;
        }
      }
      if (!delimited) {
        ++stats().drops;  // no envelope: not a request libzmq's REP would answer either
        continue;
      }
      out = std::move(request);
      reply_to_ = from;
      sending_reply_ = true;
      return {};
    }
  }

  std::error_code xsend(message& msg) override {
    if (!sending_reply_) return errc::wrong_state;
    auto envelope = envelope_.frames();
    for (std::size_t i = envelope.size(); i > 0; --i) msg.push_front(std::move(envelope[i - 1]));
    envelope_.clear();
    sending_reply_ = false;
    if (reply_to_ == nullptr || reply_to_->terminating || reply_to_->out.full()) {
      ++stats().drops;  // the requester left (or stopped reading): the reply has nowhere to go
      msg.clear();
      return {};
    }
    push_out(*reply_to_, std::move(msg));
    msg.clear();
    return {};
  }

  bool xattach(pipe& p) override {
    fq_.attach(p);
    return true;
  }
  void xdetach(pipe& p) noexcept override {
    if (reply_to_ == &p) reply_to_ = nullptr;
  }
  void xout_space(pipe&) override {}

  message envelope_;
  pipe* reply_to_ = nullptr;
  bool sending_reply_ = false;
};

}  // namespace

std::unique_ptr<socket_core> make_rep_socket(tcp_stack& stack, const socket_options& options) {
  return std::make_unique<rep_socket>(stack, options);
}

}  // namespace shardmq::net::zmq::detail
