#include <shardmq/core/log.hpp>
#include <shardmq/core/reactor.hpp>
#include <shardmq/net/tcp_address.hpp>
#include <shardmq/net/tcp_listener.hpp>

#include "descriptor_in_transit.hpp"

#include <unistd.h>
#include <asio/basic_socket_acceptor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_future.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace shardmq::net {

namespace {

using acceptor_type = asio::basic_socket_acceptor<asio::ip::tcp, asio::io_context::executor_type>;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

}  // namespace

/// What the listener and its acceptors share; an acceptor keeps it alive until its last handler.
struct tcp_listener::shared_state {
  tcp_stack& stack;
  handler_factory factory;
  listener_options options;
  asio::ip::tcp::endpoint requested;
  asio::ip::tcp::endpoint bound;
  struct acceptor;
  std::vector<acceptor*> acceptors;  // by core; each entry touched only on its core
  bool started = false;

  shared_state(tcp_stack& s, asio::ip::tcp::endpoint endpoint, handler_factory f, listener_options o)
      : stack(s), factory(std::move(f)), options(o), requested(endpoint), acceptors(s.owner().core_count()) {}
};

/// One core's acceptor: deletes itself when closed and its last handler has run.
struct tcp_listener::shared_state::acceptor final : reactor_stop_hook {
  acceptor(std::shared_ptr<shared_state> state, unsigned core)
      : state(std::move(state)),
        core(core),
        socket(this_reactor().io_context()),
        retry(this_reactor().io_context()) {}

  void open(const asio::ip::tcp::endpoint& endpoint) {
    socket.open(endpoint.protocol());
    socket.set_option(acceptor_type::reuse_address(true));
    if (state->options.policy == balance_policy::reuseport) socket.set_option(reuse_port(true));
    socket.bind(endpoint);
    socket.listen(state->options.backlog);
    this_reactor().add_stop_hook(*this);
    accept_next();
  }

  void accept_next() {
    pending = true;
    socket.async_accept(
        alloc::bind_slot(slot, [this](std::error_code error, tcp_connection::socket_type peer) {
          pending = false;
          if (closed) return finish_if_done();
          if (error) return retry_later(error);
          hand_off(std::move(peer));
          accept_next();
        }));
  }

  void hand_off(tcp_connection::socket_type peer) {
    tcp_stack& stack = state->stack;
    if (state->options.policy == balance_policy::reuseport) {
      stack.adopt(std::move(peer), state->factory, /*accepted=*/true, /*counted=*/false);
      return;
    }
    const unsigned target = stack.place(state->options.policy);
    if (target == core) {
      stack.adopt(std::move(peer), state->factory, true, true);
      return;
    }
    const bool v6 = socket.local_endpoint().address().is_v6();
    detail::descriptor_in_transit fd(peer.release(), stack, target);
    submit_to(
        target,
        [fd = std::move(fd), state = state, v6]() mutable {
          tcp_connection::socket_type adopted(this_reactor().io_context());
          adopted.assign(v6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), fd.take());
          state->stack.adopt(std::move(adopted), state->factory, true, true);
        },
        [](std::exception_ptr error) {
          if (!error) return;
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            log(log_level::warning, std::string("tcp: an accepted connection was dropped: ") + e.what());
          } catch (...) {
          }
        });
  }

  void retry_later(std::error_code error) {
    // Out of descriptors or memory: accepting again at once would spin; wait a little.
    ++state->stack.core_state(core).counters.accept_errors;
    log(log_level::warning,
        "tcp: accept failed on " + format_tcp_address(state->bound) + ": " + error.message());
    pending = true;
    retry.expires_after(std::chrono::milliseconds(50));
    retry.async_wait([this](std::error_code) {
      pending = false;
      if (closed) return finish_if_done();
      accept_next();
    });
  }

  void close() noexcept {
    if (closed) return;
    closed = true;
    this_reactor().remove_stop_hook(*this);
    std::error_code ignored;
    socket.close(ignored);
    retry.cancel();
    finish_if_done();
  }
  void on_reactor_stop() noexcept override { close(); }

  void finish_if_done() noexcept {
    if (!closed || pending) return;
    state->acceptors[core] = nullptr;
    delete this;
  }

  std::shared_ptr<shared_state> state;
  const unsigned core;
  acceptor_type socket;
  asio::steady_timer retry;
  alloc::handler_slot<192> slot;
  bool pending = false;
  bool closed = false;
};

tcp_listener::tcp_listener(tcp_stack& stack, asio::ip::tcp::endpoint endpoint, handler_factory factory,
                           listener_options options)
    : state_(std::make_shared<shared_state>(stack, endpoint, std::move(factory), options)) {
  if (options.home_core >= stack.owner().core_count()) {
    throw std::invalid_argument("shardmq: listener home core " + std::to_string(options.home_core) +
                                " does not exist (the engine has " +
                                std::to_string(stack.owner().core_count()) + " cores)");
  }
}

tcp_listener::~tcp_listener() {
  try {
    stop();
  } catch (const std::exception& e) {
    log(log_level::error, std::string("tcp_listener: stop failed: ") + e.what());
  }
}

void tcp_listener::start() {
  engine& e = state_->stack.owner();
  if (reactor::current() != nullptr)
    throw std::logic_error("shardmq: tcp_listener::start on a reactor thread");
  if (!e.running()) throw std::logic_error("shardmq: tcp_listener::start needs a running engine");
  if (state_->started) throw std::logic_error("shardmq: tcp_listener::start called twice");
  std::vector<unsigned> cores{state_->options.home_core};
  if (state_->options.policy == balance_policy::reuseport) {
    for (unsigned core = 0; core < e.core_count(); ++core) {
      if (core != state_->options.home_core) cores.push_back(core);
    }
  }
  state_->bound = state_->requested;
  try {
    for (unsigned core : cores) {
      // The first acceptor fixes the port (port 0 = ephemeral); the others bind to the same one.
      auto opened = e.submit_to(
          core,
          [state = state_, core] {
            auto* a = new shared_state::acceptor(state, core);
            try {
              a->open(state->bound);
            } catch (...) {
              delete a;
              throw;
            }
            state->acceptors[core] = a;
            return a->socket.local_endpoint();
          },
          asio::use_future);
      state_->bound = opened.get();
    }
  } catch (...) {
    stop();
    throw;
  }
  state_->started = true;
}

void tcp_listener::stop() {
  engine& e = state_->stack.owner();
  if (!e.running() || reactor::current() != nullptr) return;  // a stopped engine closed them
  auto done = e.run_on_all(
      [state = state_] {
        if (auto* a = state->acceptors[this_core()]) a->close();
      },
      asio::use_future);
  done.get();
  state_->started = false;
}

asio::ip::tcp::endpoint tcp_listener::local_endpoint() const { return state_->bound; }

}  // namespace shardmq::net
