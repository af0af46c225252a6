#include "socket_core.hpp"
#include "socket_types.hpp"

#include <shardmq/net/zmq/socket.hpp>

#include <shardmq/core/engine.hpp>
#include <shardmq/core/reactor.hpp>
#include <shardmq/net/tcp_stack.hpp>

#include <stdexcept>

namespace shardmq::net::zmq {

namespace detail {

std::unique_ptr<socket_core> make_socket_core(tcp_stack& stack, socket_type type,
                                              const socket_options& options) {
  switch (type) {
    case socket_type::push:
      return make_push_socket(stack, options);
    case socket_type::pull:
      return make_pull_socket(stack, options);
    case socket_type::pair:
      return make_pair_socket(stack, options);
    case socket_type::dealer:
      return make_dealer_socket(stack, options);
    case socket_type::router:
      return make_router_socket(stack, options);
    case socket_type::req:
      return make_req_socket(stack, options);
    case socket_type::rep:
      return make_rep_socket(stack, options);
    default:
      break;
  }
  throw std::invalid_argument("shardmq: socket type " + std::string(zmtp::socket_type_name(type)) +
                              " is not available yet");
}

}  // namespace detail

socket::socket(tcp_stack& stack, socket_type type, socket_options options)
    : core_(detail::make_socket_core(stack, type, options).release()) {}

socket::~socket() { close(); }

socket::socket(socket&& other) noexcept : core_(std::exchange(other.core_, nullptr)) {}

socket& socket::operator=(socket&& other) noexcept {
  if (this != &other) {
    close();
    core_ = std::exchange(other.core_, nullptr);
  }
  return *this;
}

namespace {
detail::socket_core& open_core(detail::socket_core* core) {
  if (core == nullptr) throw std::logic_error("shardmq: the zmq socket is closed");
  return *core;
}
}  // namespace

socket_type socket::type() const noexcept { return core_->type(); }
const socket_options& socket::options() const noexcept { return core_->options(); }
unsigned socket::home_core() const noexcept { return core_->home_core(); }
void socket::bind(std::string_view endpoint) { open_core(core_).bind(endpoint); }
void socket::connect(std::string_view endpoint) { open_core(core_).connect(endpoint); }
std::string socket::last_endpoint() const { return open_core(core_).last_endpoint(); }

std::error_code socket::try_send(message& msg) {
  if (core_ == nullptr) return errc::socket_closed;
  return core_->try_send(msg);
}

std::error_code socket::try_receive(message& out) {
  if (core_ == nullptr) return errc::socket_closed;
  return core_->try_receive(out);
}

void socket::start_send(detail::send_op* op) { open_core(core_).start_send(op); }
void socket::start_receive(detail::receive_op* op) { open_core(core_).start_receive(op); }

void socket::close() noexcept {
  detail::socket_core* core = std::exchange(core_, nullptr);
  if (core == nullptr) return;
  engine& owner = core->stack().owner();
  if (reactor::current() != nullptr && this_core() == core->home_core() &&
      &this_reactor().owner() == &owner) {
    core->close();
    return;
  }
  if (!owner.running()) {
    core->close();  // nothing runs on its core any more
    return;
  }
  // Destroyed on another thread (a test body, main): the close runs on the home core. If the
  // engine stops first, the aborted submission closes it where that completes (no core runs it).
  try {
    owner.submit_from_outside(
        core->home_core(), [core] { core->close(); },
        [core](std::exception_ptr error) {
          if (error) core->close();
        });
  } catch (...) {
    core->close();
  }
}

const socket_stats& socket::stats() const { return open_core(core_).stats(); }

}  // namespace shardmq::net::zmq
