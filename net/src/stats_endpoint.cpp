#include <shardmq/net/stats_endpoint.hpp>
#include <shardmq/net/tcp_address.hpp>

#include "stats_server.hpp"

#include <shardmq/core/reactor.hpp>

#include <asio/use_future.hpp>

#include <future>
#include <stdexcept>
#include <string>
#include <utility>

namespace shardmq::net {

stats_endpoint::stats_endpoint(engine& e, metrics_registry& registry, std::string_view listen,
                               unsigned home_core, stats_endpoint_limits limits)
    : engine_(e),
      registry_(registry),
      listen_(parse_tcp_address(listen)),
      home_core_(home_core),
      limits_(limits) {
  if (home_core >= e.core_count()) {
    throw std::invalid_argument("shardmq: stats endpoint home core " + std::to_string(home_core) +
                                " does not exist; the engine has " + std::to_string(e.core_count()) +
                                " core(s)");
  }
  if (limits.max_connections == 0 || limits.max_request_head == 0 || limits.deadline.count() <= 0) {
    throw std::invalid_argument("shardmq: stats endpoint limits must be positive");
  }
}

stats_endpoint::~stats_endpoint() {
  if (!running_ || reactor::current() != nullptr) return;
  try {
    stop();
  } catch (...) {
    // A destructor must not throw; stop() only throws for misuse, checked above.
  }
}

void stats_endpoint::check_outside(const char* what) const {
  if (reactor::current() != nullptr) {
    throw std::logic_error(
        std::string("shardmq: stats_endpoint::") + what +
        " blocks until the home core answers; call it from a thread that is not a reactor");
  }
}

void stats_endpoint::start() {
  check_outside("start");
  if (running_) throw std::logic_error("shardmq: stats_endpoint::start: already started");
  if (!engine_.running()) throw std::logic_error("shardmq: stats_endpoint::start: start the engine first");
  registry_.seal();
  // The home core writes server_ while this thread waits on the future (which orders the two).
  std::future<asio::ip::tcp::endpoint> reply = engine_.submit_from_outside(
      home_core_,
      [this] {
        auto server = std::make_shared<detail::stats_server>(registry_, limits_, this_reactor().io_context());
        const asio::ip::tcp::endpoint bound = server->listen(listen_);
        server->start_accepting();  // from here the pending accept owns the server
        server_ = server;
        return bound;
      },
      asio::use_future);
  bound_ = reply.get();  // rethrows the bind error
  last_counters_ = {};
  running_ = true;
}

void stats_endpoint::stop() {
  check_outside("stop");
  if (!running_) return;
  running_ = false;
  auto drained = std::make_shared<std::promise<void>>();
  std::future<void> all_drained = drained->get_future();
  std::future<stats_endpoint_counters> stopped = engine_.submit_from_outside(
      home_core_,
      [server = server_, drained] {
        std::shared_ptr<detail::stats_server> s = server.lock();
        if (!s) {
          drained->set_value();  // it ended with an earlier run of the engine
          return stats_endpoint_counters{};
        }
        s->stop([drained] { drained->set_value(); });
        return s->counters();
      },
      asio::use_future);
  try {
    last_counters_ = stopped.get();
    all_drained.get();
  } catch (const std::exception&) {
    // The engine stopped first (operation_aborted, or a broken promise when the home core's
    // io_context went with the server): nothing runs for this endpoint any more.
  }
  server_.reset();
}

stats_endpoint_counters stats_endpoint::counters() {
  check_outside("counters");
  if (!running_ || !engine_.running()) return last_counters_;
  std::future<stats_endpoint_counters> reply = engine_.submit_from_outside(
      home_core_,
      [server = server_] {
        std::shared_ptr<detail::stats_server> s = server.lock();
        return s ? s->counters() : stats_endpoint_counters{};
      },
      asio::use_future);
  try {
    return reply.get();
  } catch (const std::exception&) {
    return last_counters_;  // the engine stopped meanwhile
  }
}

}  // namespace shardmq::net
