// shardmq-demo: sends messages around the mesh of cores, checks that every one arrived, and prints
// what each reactor did. Exit status: 0 all arrived, 1 a check failed, 2 bad arguments.

#include "command_line.hpp"
#include "mesh_exchange.hpp"
#include "outside_calls.hpp"
#include "ring_pass.hpp"

#include <shardmq/core.hpp>

#include <asio/use_future.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using shardmq::engine;
using steady = std::chrono::steady_clock;

// Generous: a phase takes milliseconds; only a lost wake-up or a deadlock comes near this.
constexpr std::chrono::seconds phase_timeout{30};

void note(const std::string& line) { std::fprintf(stderr, "shardmq-demo: %s\n", line.c_str()); }

double seconds_of(steady::duration d) { return std::chrono::duration<double>(d).count(); }

std::string with_unit(double value) {
  char text[32];
  if (value >= 1e6) {
    std::snprintf(text, sizeof text, "%.2fM", value / 1e6);
  } else if (value >= 1e3) {
    std::snprintf(text, sizeof text, "%.1fk", value / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%.0f", value);
  }
  return text;
}

/// Waits for a start-up call to have run; a lost wake-up becomes an error instead of a hang.
void wait_for_start(std::future<void>& started, const char* what) {
  if (started.wait_for(phase_timeout) != std::future_status::ready) {
    throw std::runtime_error(std::string(what) + ": timed out waiting for a reactor to run the start call");
  }
  started.get();  // rethrows what the start threw
}

/// Runs `fn` on every core from this (outside) thread and waits until each has run it.
template <class Fn>
void start_everywhere(engine& e, Fn fn, const char* what) {
  std::vector<std::future<void>> started;
  for (unsigned core = 0; core < e.core_count(); ++core) {
    started.push_back(e.submit_from_outside(core, fn, asio::use_future));
  }
  for (std::future<void>& f : started) wait_for_start(f, what);
}

/// Stops the engine on the way out of run(). Declared after the traffic objects so that it runs
/// before their destructors: submissions aborted by the stop still complete into them.
struct engine_stopper {
  engine& e;
  ~engine_stopper() { e.stop(); }
};

int run(engine& e, const shardmq::demo::demo_options& options) {
  const unsigned cores = e.core_count();
  shardmq::demo::mesh_exchange mesh(cores, options.messages_for(cores), options.window);
  shardmq::demo::ring_pass ring(cores, options.laps);
  e.start();
  engine_stopper stopper{e};
  note("engine started with " + std::to_string(cores) + " reactor(s); machine: " + e.machine().describe());

  std::vector<std::string> problems;
  auto check = [&](std::vector<std::string> found) {
    problems.insert(problems.end(), found.begin(), found.end());
  };

  const steady::time_point mesh_start = steady::now();
  start_everywhere(
      e, [&mesh] { mesh.start_on_this_core(); }, "mesh");
  if (!mesh.wait(phase_timeout)) {
    note("mesh: timed out waiting for replies");
    return 1;
  }
  const steady::duration mesh_time = steady::now() - mesh_start;
  check(mesh.verify());

  const steady::time_point ring_start = steady::now();
  std::future<void> ring_started = e.submit_from_outside(
      0, [&ring] { ring.start_on_this_core(); }, asio::use_future);
  wait_for_start(ring_started, "ring");
  if (!ring.wait(phase_timeout)) {
    note("ring: timed out waiting for the token");
    return 1;
  }
  const steady::duration ring_time = steady::now() - ring_start;
  check(ring.verify());

  check(shardmq::demo::run_outside_calls(e, options.outside, phase_timeout));

  const std::vector<shardmq::reactor_stats> stats = e.collect_stats();
  std::fputs(shardmq::format_stats_table(stats).c_str(), stdout);

  const double round_trips = static_cast<double>(mesh.round_trips());
  const double cross_core = round_trips * (cores - 1) / cores;  // the rest are each core's own
  std::printf("mesh:    %.0f round trips (%.0f across cores) in %.1f ms: %s messages/s (request + reply)\n",
              round_trips, cross_core, 1e3 * seconds_of(mesh_time),
              with_unit(2 * round_trips / seconds_of(mesh_time)).c_str());
  std::printf("ring:    %llu hops (%u laps) in %.1f ms: %.2f us per hop\n",
              static_cast<unsigned long long>(ring.hops()), options.laps, 1e3 * seconds_of(ring_time),
              1e6 * seconds_of(ring_time) / static_cast<double>(ring.hops()));
  std::printf("outside: %u calls per core from a non-reactor thread\n", options.outside);

  for (const std::string& problem : problems) note("FAILED " + problem);
  if (!problems.empty()) return 1;
  std::printf("checks:  every message arrived once, on the core it was sent to (checksums match)\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  shardmq::demo::demo_options options;
  try {
    options = shardmq::demo::parse_command_line(argc, argv);
  } catch (const shardmq::demo::command_line_error& error) {
    note(std::string("error: ") + error.what() + " (see --help)");
    return 2;
  }
  if (options.help) {
    std::fputs(shardmq::demo::usage_text(argv[0]).c_str(), stdout);
    return 0;
  }

  std::optional<engine> e;
  try {
    e.emplace(shardmq::engine_config{.cores = options.cores});
  } catch (const std::invalid_argument& error) {
    // An impossible configuration is a usage error, e.g. more cores than the machine lets us use.
    note(std::string("error: ") + error.what());
    return 2;
  } catch (const std::exception& error) {
    note(std::string("error: cannot set up the engine: ") + error.what());
    return 1;
  }
  try {
    return run(*e, options);
  } catch (const std::exception& error) {
    note(std::string("error: ") + error.what());
    return 1;
  }
}
