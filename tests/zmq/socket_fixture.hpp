#pragma once
// An engine with a TCP stack for socket tests: run code or a coroutine on a core and wait for it
// with a deadline, and build messages from text.

#include "engine_fixture.hpp"

#include <shardmq/net/tcp_stack.hpp>
#include <shardmq/net/zmq/socket.hpp>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <future>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace shardmq::net::zmq::testing {

using shardmq::testing::get_within_deadline;
using shardmq::testing::run_on;

/// A running engine of `cores` reactors and its TCP stack.
struct socket_world {
  explicit socket_world(unsigned cores = 1) : engine_(shardmq::testing::test_config(cores)) {
    engine_.start();
    stack.emplace(engine_);
  }
  ~socket_world() {
    engine_.stop();  // sockets still open are closed by their cores' stop hooks
    stack.reset();
  }

  template <class Fn>
  auto on(unsigned core, Fn&& fn) {
    return run_on(engine_, core, std::forward<Fn>(fn));
  }

  /// A socket made on `core` (close it there, or let the engine stop first).
  zmq::socket make(unsigned core, socket_type type, socket_options options = {}) {
    return on(core, [&] { return zmq::socket(*stack, type, options); });
  }

  /// Runs the coroutine `make_coroutine()` on `core` and waits for it (rethrowing its exception).
  template <class MakeCoroutine>
  void run(unsigned core, MakeCoroutine&& make_coroutine) {
    std::promise<void> done;
    auto finished = done.get_future();
    on(core, [&] {
      asio::co_spawn(this_reactor().get_executor(), make_coroutine(), [&done](std::exception_ptr error) {
        if (error) {
          done.set_exception(error);
        } else {
          done.set_value();
        }
      });
    });
    get_within_deadline(finished);
  }

  engine engine_;
  std::optional<tcp_stack> stack;
};

/// A message of text frames (copied: on a reactor thread for bodies above 32 bytes). Variadic,
/// not an initializer_list: GCC 12 rejects braced lists inside coroutines.
template <class... Parts>
message make_message(const Parts&... parts) {
  message m;
  (m.push_back(frame::copy_of(std::string_view(parts))), ...);
  return m;
}

/// Default options with `edit` applied (designated initializers trip -Wmissing-field-initializers).
template <class Edit>
socket_options options_with(Edit edit) {
  socket_options options;
  edit(options);
  return options;
}

/// Expected frame texts (variadic for the same GCC 12 reason).
template <class... Parts>
std::vector<std::string> strings(const Parts&... parts) {
  return std::vector<std::string>{std::string(parts)...};
}

inline std::vector<std::string> texts(const message& m) {
  std::vector<std::string> out;
  for (const frame& part : m.frames()) out.emplace_back(part.text());
  return out;
}

/// A body of `size` bytes whose content depends on `seed` (so a swapped message shows).
inline std::string pattern(std::size_t size, std::size_t seed) {
  std::string body(size, '\0');
  for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<char>((i * 31 + seed * 7) & 0xff);
  return body;
}

/// The next message of `s` (a coroutine on s's core).
inline asio::awaitable<message> receive(zmq::socket& s) {
  co_return co_await s.async_receive(asio::use_awaitable);
}

/// The port of "tcp://host:port".
inline unsigned short port_of(const std::string& endpoint) {
  return static_cast<unsigned short>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
}

/// Polls `done` (in the test thread) every 2 ms for up to `limit`.
template <class Predicate>
bool eventually(std::chrono::milliseconds limit, Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace shardmq::net::zmq::testing
