#include "zmq_scenarios.hpp"

namespace shardmq::bench::zmq_bench {

namespace {

run_spec tcp_run(std::string label, peer_spec server, peer_spec client, bool client_measures) {
  return {std::move(label), std::move(server), std::move(client), client_measures};
}

run_settings sized(std::uint64_t messages, std::uint64_t warmup, std::size_t size, unsigned window = 1,
                   double timeout = 60) {
  run_settings s;
  s.messages = messages;
  s.warmup = warmup;
  s.size = size;
  s.window = window;
  s.timeout_seconds = timeout;
  return s;
}

/// ours, libzmq and libzmq again (the null pair) of a scenario whose peers are `server_role` and
/// `client_role`. Ours' server is ours; its client too unless `ours_client` is false (the mixed
/// scenario keeps a libzmq client).
std::vector<run_spec> three_runs(const std::string& server_role, const std::string& client_role,
                                 bool client_measures, bool ours_client = true) {
  const peer_spec libzmq_server{server_role, "libzmq"};
  const peer_spec libzmq_client{client_role, "libzmq"};
  return {tcp_run("ours", {server_role, "ours"}, ours_client ? peer_spec{client_role, "ours"} : libzmq_client,
                  client_measures),
          tcp_run("libzmq", libzmq_server, libzmq_client, client_measures),
          tcp_run("libzmq_again", libzmq_server, libzmq_client, client_measures)};
}

/// The throughput comparison with its goal, its null pair and a CPU-per-message NOTE.
std::vector<comparison_spec> throughput_comparisons(const std::string& name, double goal,
                                                    const std::string& remark = "") {
  return {{name + "_vs_libzmq", "ours", "libzmq", metric::msgs_per_s, better::higher, goal, remark},
          {"null_pair_" + name, "libzmq_again", "libzmq", metric::msgs_per_s, better::higher, 1, ""},
          {name + "_cpu_per_msg_vs_libzmq", "ours", "libzmq", metric::cpu_ns_per_msg, better::lower, 0,
           "CPU time of both processes in the window / messages, from /proc/PID/task/*/schedstat"}};
}

zmq_scenario push_pull_tcp(const char* name, const char* what, std::size_t size, std::uint64_t messages,
                           double goal, const char* client_role = "push") {
  zmq_scenario s;
  s.name = name;
  s.what = what;
  s.full = sized(messages, messages / 10, size);
  s.quick = sized(messages / 50, messages / 500, size, 1, 15);
  s.runs = three_runs("pull", client_role, false);
  s.comparisons = throughput_comparisons(std::string("zmq_") + name, goal);
  return s;
}

zmq_scenario inproc() {
  zmq_scenario s;
  s.name = "push_pull_inproc_64b";
  s.what =
      "PUSH -> PULL inproc, 64 B, one process: ours PUSH on core 0 and PULL on core 1 of one engine; "
      "libzmq PUSH and PULL on threads pinned to CPUs 0 and 1";
  s.full = sized(1000000, 100000, 64);
  s.quick = sized(20000, 2000, 64, 1, 15);
  s.runs = {tcp_run("ours", {}, {"inproc", "ours"}, true), tcp_run("libzmq", {}, {"inproc", "libzmq"}, true),
            tcp_run("libzmq_again", {}, {"inproc", "libzmq"}, true)};
  s.comparisons = throughput_comparisons("zmq_push_pull_inproc_64b", 3);
  return s;
}

zmq_scenario req_rep() {
  zmq_scenario s;
  s.name = "req_rep_64b";
  s.what =
      "REQ -> REP round trips, 64 B, one in flight; the floor: a blocking raw TCP ping-pong "
      "(TCP_NODELAY, no framing)";
  s.full = sized(5000, 500, 64);
  s.quick = sized(300, 30, 64, 1, 15);
  s.runs = three_runs("rep", "req", true);
  s.runs.push_back(tcp_run("raw_tcp", {"tcp_echo", "raw"}, {"tcp_ping", "raw"}, true));
  const std::string n = "zmq_req_rep_64b_latency_";
  s.comparisons = {
      {n + "p50_vs_libzmq", "ours", "libzmq", metric::p50_ns, better::lower, 0.4, ""},
      {n + "p99_vs_libzmq", "ours", "libzmq", metric::p99_ns, better::lower, 0.4, ""},
      {n + "p50_vs_raw_tcp", "ours", "raw_tcp", metric::p50_ns, better::lower, 1.3, ""},
      {n + "p99_vs_raw_tcp", "ours", "raw_tcp", metric::p99_ns, better::lower, 1.3, ""},
      {"null_pair_" + n + "p50", "libzmq_again", "libzmq", metric::p50_ns, better::lower, 1, ""},
      {"null_pair_" + n + "p99", "libzmq_again", "libzmq", metric::p99_ns, better::lower, 1, ""},
      {"zmq_req_rep_64b_cpu_per_round_trip_vs_libzmq", "ours", "libzmq", metric::cpu_ns_per_msg,
       better::lower, 0, "CPU time of both processes per round trip; ours includes the reactors' idle spin"},
      {"zmq_req_rep_64b_libzmq_p50_vs_raw_tcp", "libzmq", "raw_tcp", metric::p50_ns, better::lower, 0,
       "how far libzmq itself is from the floor"}};
  return s;
}

zmq_scenario router_dealers(const char* name, unsigned window, std::uint64_t messages, double goal) {
  zmq_scenario s;
  s.name = name;
  s.what = "ROUTER echoing to 4 DEALERs in one client process, 64 B, " + std::to_string(window) +
           " in flight per dealer; replies/s";
  s.full = sized(messages, messages / 10, 64, window);
  s.quick = sized(messages / 50, messages / 500, 64, window, 15);
  s.runs = three_runs("router", "dealers", true);
  s.comparisons = throughput_comparisons(std::string("zmq_") + name, goal);
  return s;
}

zmq_scenario mixed() {
  zmq_scenario s;
  s.name = "mixed_libzmq_push_64b";
  s.what =
      "a libzmq PUSH into our PULL against a libzmq PUSH into a libzmq PULL, TCP, 64 B: our receive path "
      "alone";
  s.full = sized(1000000, 100000, 64);
  s.quick = sized(20000, 2000, 64, 1, 15);
  s.runs = three_runs("pull", "push", false, false);
  const std::string n = "zmq_mixed_libzmq_push_into_our_pull_64b";
  s.comparisons = {{n + "_vs_libzmq_pull", "ours", "libzmq", metric::msgs_per_s, better::higher, 0,
                    "the sender is libzmq on both sides; no goal in the issue"},
                   {"null_pair_zmq_mixed_libzmq_push_64b", "libzmq_again", "libzmq", metric::msgs_per_s,
                    better::higher, 1, ""},
                   {n + "_cpu_per_msg_vs_libzmq_pull", "ours", "libzmq", metric::cpu_ns_per_msg,
                    better::lower, 0, "CPU time of both processes in the window / messages"}};
  return s;
}

}  // namespace

const char* unit_of(metric m) noexcept {
  switch (m) {
    case metric::msgs_per_s:
      return "msg/s";
    case metric::p50_ns:
    case metric::p99_ns:
    case metric::cpu_ns_per_msg:
      return "ns";
  }
  return "?";
}

std::vector<zmq_scenario> zmq_scenarios() {
  return {
      push_pull_tcp("push_pull_tcp_64b", "PUSH -> PULL over TCP loopback, 64 B, one connection", 64, 1000000,
                    2),
      // No goal in the issue: 1 (at least as fast as libzmq's blocking zmq_send).
      push_pull_tcp("push_pull_tcp_64b_await_each",
                    "PUSH -> PULL over TCP loopback, 64 B; ours sends with co_await async_send per message "
                    "(no try_send), libzmq with zmq_send",
                    64, 1000000, 1, "push_each"),
      push_pull_tcp("push_pull_tcp_1kib", "PUSH -> PULL over TCP loopback, 1 KiB, one connection", 1024,
                    200000, 1.5),
      inproc(), req_rep(), router_dealers("router_4_dealers_64b_1_in_flight", 1, 20000, 2),
      router_dealers("router_4_dealers_64b_100_in_flight", 100, 600000, 1.5), mixed()};
}

}  // namespace shardmq::bench::zmq_bench
