// shardmq-cat: a ZeroMQ socket on the command line. stdin lines go out as messages, arrivals are
// printed on stdout; see usage_text() for the modes.

#include "cat_session.hpp"
#include "command_line.hpp"
#include "line_reader.hpp"
#include "stderr_note.hpp"

#include <shardmq/core.hpp>
#include <shardmq/net/metrics_registry.hpp>
#include <shardmq/net/stats_endpoint.hpp>
#include <shardmq/net/tcp_address.hpp>
#include <shardmq/net/tcp_metrics.hpp>
#include <shardmq/net/tcp_stack.hpp>
#include <shardmq/net/zmq/endpoint.hpp>
#include <shardmq/net/zmq/socket_metrics.hpp>

#include <asio/use_future.hpp>

#include <unistd.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace shardmq;

/// Stdin bytes read ahead of the socket at most: enough to keep a fast socket busy between two
/// reads of the reader thread, little enough not to matter when the socket waits.
constexpr std::size_t input_window_bytes = 4 * 1024 * 1024;

/// Every check that can fail before anything starts, so that a bad command line is exit status 2.
cat::options parse_and_check(int argc, char** argv) {
  cat::options opts = cat::parse_command_line(argc, argv);
  if (opts.help) return opts;
  for (const std::vector<std::string>* list : {&opts.bind, &opts.connect}) {
    for (const std::string& endpoint : *list) net::zmq::parse_endpoint(endpoint);
  }
  net::zmq::validate(cat::socket_options_of(opts));
  if (!opts.stats.empty()) net::parse_tcp_address(opts.stats);
  return opts;
}

}  // namespace

int main(int argc, char** argv) {
  cat::options opts;
  try {
    opts = parse_and_check(argc, argv);
  } catch (const std::exception& error) {
    cat::note(std::string("error: ") + error.what() + " (see --help)");
    return 2;
  }
  if (opts.help) {
    std::fputs(cat::usage_text(argv[0]).c_str(), stdout);
    return 0;
  }

  engine_config config;
  config.cores = opts.cores;
  config.stop_on_signals = true;
  // Unpinned: two shardmq-cat processes talking to each other would otherwise both pin their core
  // 0 to the same CPU and take turns on it.
  config.pin = false;
  std::unique_ptr<engine> reactors;
  try {
    reactors = std::make_unique<engine>(config);
  } catch (const std::invalid_argument& error) {
    cat::note(std::string("error: ") + error.what() + " (see --help)");
    return 2;
  }

  cat::input_window window(input_window_bytes);
  cat::cat_session session(opts, window);
  // Declared before the try so that the engine stops before any of them goes (the socket refers
  // to the stack; the reader and the stats endpoint submit to the engine).
  net::metrics_registry registry;
  std::optional<net::tcp_stack> stack;
  std::optional<net::stats_endpoint> stats;
  std::optional<cat::line_reader> reader;
  bool ran = false;  // the session ran to its end: it has a summary
  int status = 0;
  try {
    reactors->start();
    stack.emplace(*reactors);
    const std::vector<std::string> bound = reactors
                                               ->submit_from_outside(
                                                   0, [&] { return session.start(*stack); }, asio::use_future)
                                               .get();
    for (const std::string& endpoint : bound) cat::note("bound " + endpoint);

    net::add_tcp_source(registry, *stack);
    net::zmq::add_zmq_source(registry);
    if (!opts.stats.empty()) {
      stats.emplace(*reactors, registry, opts.stats);
      stats->start();
      cat::note("stats on http://" + net::format_tcp_address(stats->local_endpoint()) +
                "/stats and /metrics");
    }

    if (cat::uses_input(cat::mode_of(opts)) && !opts.generate) {
      engine& target = *reactors;
      auto ignore_abort = [](std::exception_ptr) {};  // the engine stopped first: the run is over
      reader.emplace(
          STDIN_FILENO, window,
          cat::line_sink{
              .deliver =
                  [&target, &session, ignore_abort](std::string batch) {
                    target.submit_from_outside(
                        0,
                        [&session, lines = std::move(batch)]() mutable {
                          session.add_input(std::move(lines));
                        },
                        ignore_abort);
                  },
              .end =
                  [&target, &session, ignore_abort](std::string error) {
                    target.submit_from_outside(
                        0,
                        [&session, why = std::move(error)]() mutable { session.end_input(std::move(why)); },
                        ignore_abort);
                  },
          });
    }
    reactors->wait();  // until the session ends the run, or SIGINT / SIGTERM
    ran = true;
    status = session.exit_status();
  } catch (const std::exception& error) {
    cat::note(std::string("error: ") + error.what());
    status = 1;
  }
  if (reactors->running()) reactors->stop();
  reader.reset();
  stats.reset();
  stack.reset();
  if (ran) {
    for (const std::string& line : session.summary()) cat::note(line);
  }
  return status;
}
