#include "zmq_run.hpp"

#include "measurement.hpp"
#include "zmq_peer_process.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <sstream>

namespace shardmq::bench::zmq_bench {

namespace {

constexpr int server_cpu = 0;
constexpr int client_cpu = 1;
constexpr double exit_grace_seconds = 5;  // for the measuring peer's shutdown after DONE

bench_clock::time_point after(double seconds) {
  return bench_clock::now() +
         std::chrono::duration_cast<bench_clock::duration>(std::chrono::duration<double>(seconds));
}

/// "DONE messages=N seconds=S p50_ns=X p99_ns=Y cpu_ns=C" into the outcome and `cpu_ns`.
bool parse_done(const std::string& line, run_outcome& out, double& cpu_ns) {
  std::istringstream words(line.substr(4));
  std::map<std::string, std::string> fields;
  std::string word;
  while (words >> word) {
    const auto equals = word.find('=');
    if (equals != std::string::npos) fields[word.substr(0, equals)] = word.substr(equals + 1);
  }
  if (!fields.count("messages") || !fields.count("seconds")) return false;
  out.messages = std::strtoull(fields["messages"].c_str(), nullptr, 10);
  out.seconds = std::strtod(fields["seconds"].c_str(), nullptr);
  out.p50_ns = std::strtod(fields["p50_ns"].c_str(), nullptr);
  out.p99_ns = std::strtod(fields["p99_ns"].c_str(), nullptr);
  cpu_ns = std::strtod(fields["cpu_ns"].c_str(), nullptr);
  return out.messages > 0 && out.seconds > 0;
}

run_outcome failed(std::string reason) {
  run_outcome out;
  out.reason = std::move(reason);
  return out;
}

std::string ended_early(peer_process& p, const char* when) {
  p.wait_exit(after(2));
  return std::string("peer ended ") + when + " (" + p.describe_exit() + "): " + p.command();
}

/// The measuring peer's lines up to DONE. Its CPU time comes in DONE; the other peer's is read
/// from /proc when START and DONE are read.
run_outcome measure(peer_process* server, peer_process& client, bool client_measures, double timeout) {
  std::vector<peer_process*> peers;
  if (server) peers.push_back(server);
  peers.push_back(&client);
  peer_process* const measuring_peer = client_measures || !server ? &client : server;
  peer_process* const other_peer = measuring_peer == &client ? server : &client;
  auto deadline = after(timeout);
  peer_process* ended = nullptr;  // the other peer, once its output has ended
  double other_at_start = 0;
  bool started = false;
  run_outcome out;
  for (;;) {
    peer_line line = next_line(peers, deadline);
    if (line.peer < 0) {
      if (ended) return failed(ended_early(*ended, started ? "in the window" : "before START"));
      return failed("no DONE within " + std::to_string(timeout) + " s: " + measuring_peer->command());
    }
    peer_process* from = peers[static_cast<std::size_t>(line.peer)];
    if (line.end_of_stream && from == measuring_peer) {
      return failed(ended_early(*from, started ? "in its window" : "before START"));
    }
    if (line.end_of_stream) {
      // The other peer may end just before DONE is read (an echo server sees the client close);
      // give the measuring peer a moment to report before calling the run failed.
      ended = from;
      peers = {measuring_peer};
      deadline = std::min(deadline, after(2));
      continue;
    }
    if (from != measuring_peer) continue;
    if (line.text.rfind("SKIP", 0) == 0) {
      out.skipped = true;
      out.reason = line.text.size() > 5 ? line.text.substr(5) : "skipped";
      return out;
    }
    if (line.text.rfind("STATS ", 0) == 0) {
      out.reactor_stats = line.text.substr(6);
    } else if (line.text == "START") {
      other_at_start = other_peer ? cpu_ns_of(*other_peer).value_or(0) : 0;
      started = true;
    } else if (line.text.rfind("DONE", 0) == 0) {
      const double other_cpu =
          other_peer ? cpu_ns_of(*other_peer).value_or(other_at_start) - other_at_start : 0;
      double own_cpu = 0;
      if (!started || !parse_done(line.text, out, own_cpu))
        return failed("malformed window: '" + line.text + "'");
      (measuring_peer == &client ? out.client_cpu_ns : out.server_cpu_ns) = own_cpu;
      (measuring_peer == &client ? out.server_cpu_ns : out.client_cpu_ns) = other_cpu;
      out.ok = true;
      return out;
    }
  }
}

}  // namespace

std::vector<std::string> peer_arguments(const peer_spec& peer, const run_settings& settings,
                                        const std::string& endpoint) {
  return {"--role",     peer.role,
          "--impl",     peer.impl,
          "--endpoint", endpoint,
          "--messages", std::to_string(settings.messages),
          "--warmup",   std::to_string(settings.warmup),
          "--size",     std::to_string(settings.size),
          "--dealers",  std::to_string(settings.dealers),
          "--window",   std::to_string(settings.window)};
}

run_outcome run_once(const std::string& program, const run_spec& spec, const run_settings& settings,
                     std::optional<int> autogroup_nice) {
  try {
    const auto deadline = after(settings.timeout_seconds);
    std::unique_ptr<peer_process> server;
    std::string endpoint = "tcp://127.0.0.1:*";
    if (!spec.server.role.empty()) {
      server = std::make_unique<peer_process>(program, peer_arguments(spec.server, settings, endpoint),
                                              std::vector<int>{server_cpu}, autogroup_nice);
      for (;;) {
        peer_line line = next_line({server.get()}, deadline);
        if (line.peer < 0) return failed("no READY before the deadline: " + server->command());
        if (line.end_of_stream) return failed(ended_early(*server, "before READY"));
        if (line.text.rfind("READY ", 0) == 0) {
          endpoint = line.text.substr(6);
          break;
        }
        if (line.text.rfind("SKIP", 0) == 0) {
          run_outcome out;
          out.skipped = true;
          out.reason = line.text.size() > 5 ? line.text.substr(5) : "skipped";
          return out;
        }
      }
    }
    const std::vector<int> client_cpus =
        server ? std::vector<int>{client_cpu} : std::vector<int>{server_cpu, client_cpu};
    peer_process client(program, peer_arguments(spec.client, settings, endpoint), client_cpus,
                        autogroup_nice);
    const double left = std::chrono::duration<double>(deadline - bench_clock::now()).count();
    run_outcome out = measure(server.get(), client, spec.client_measures, left > 1 ? left : 1);
    // The feeding or serving peer runs until told; the measuring one ends by itself.
    peer_process& measuring = spec.client_measures || !server ? client : *server;
    peer_process* other = spec.client_measures ? server.get() : &client;
    if (other) other->terminate(2);
    if (!measuring.wait_exit(after(exit_grace_seconds))) {
      if (out.ok)
        out.warning =
            "measuring peer still running " + std::to_string(exit_grace_seconds) + " s after DONE; killed";
      measuring.terminate(1);
    } else if (out.ok && !measuring.exited_cleanly()) {
      out.warning = "measuring peer " + measuring.describe_exit() + " after DONE";
    }
    return out;
  } catch (const std::exception& error) {
    return failed(std::string("could not run: ") + error.what());
  }
}

}  // namespace shardmq::bench::zmq_bench
