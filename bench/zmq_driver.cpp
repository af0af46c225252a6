#include "zmq_driver.hpp"

#include "paired_samples.hpp"
#include "result_line.hpp"
#include "zmq_scenarios.hpp"

#include <zmq.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

namespace shardmq::bench::zmq_bench {

namespace {

struct tally {
  int goals = 0;
  int met = 0;
  int failed_runs = 0;
};

double value_of(const run_outcome& r, metric m) {
  switch (m) {
    case metric::msgs_per_s:
      return r.msgs_per_s();
    case metric::p50_ns:
      return r.p50_ns;
    case metric::p99_ns:
      return r.p99_ns;
    case metric::cpu_ns_per_msg:
      return r.cpu_per_msg();
  }
  return 0;
}

/// The order of the runs in pair `p`: rotated by one each pair, reversed every other cycle, so
/// each run goes first, and after each other run, equally often.
std::vector<std::size_t> order_of_pair(std::size_t runs, unsigned p) {
  std::vector<std::size_t> order(runs);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(p % runs), order.end());
  if ((p / runs) % 2 == 1) std::reverse(order.begin(), order.end());
  return order;
}

std::string format_settings(const run_settings& s) {
  char text[160];
  std::snprintf(text, sizeof text, "%llu measured after %llu warm-up, %zu B, window %u",
                static_cast<unsigned long long>(s.messages), static_cast<unsigned long long>(s.warmup),
                s.size, s.window);
  return text;
}

/// The machine's load, which decides how much CPU the peers get on a shared machine.
std::string load_average() {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) != 3) return "load average unknown";
  char text[96];
  std::snprintf(text, sizeof text, "load average %.2f %.2f %.2f", load[0], load[1], load[2]);
  return text;
}

using outcomes = std::map<std::string, std::vector<run_outcome>>;  // by run label, one per pair

void print_comparison(const comparison_spec& spec, const outcomes& runs,
                      const std::map<std::string, std::string>& skipped, tally& t) {
  for (const std::string* label : {&spec.ours, &spec.base}) {
    if (skipped.count(*label)) {
      // A SKIP line stands in for a RESULT line; a comparison without a goal only gets a NOTE.
      const std::string why = label->c_str() + std::string(": ") + skipped.at(*label);
      if (spec.goal == 0) {
        print_note(spec.name + " skipped, " + why);
      } else {
        std::printf("SKIP %s %s\n", spec.name.c_str(), why.c_str());
        std::fflush(stdout);
      }
      return;
    }
  }
  paired_samples samples;
  const auto& ours = runs.at(spec.ours);
  const auto& base = runs.at(spec.base);
  for (std::size_t p = 0; p < ours.size(); ++p) {
    if (ours[p].ok && base[p].ok) samples.add(value_of(ours[p], spec.what), value_of(base[p], spec.what));
  }
  if (samples.size() == 0) {
    print_note(spec.name + ": no pair where both runs completed");
    return;
  }
  if (spec.goal == 0) {
    char line[512];
    std::snprintf(line, sizeof line, "%s ours=%.6g base=%.6g ratio=%.4g unit=%s better=%s goal=none (%s)",
                  spec.name.c_str(), samples.median_ours(), samples.median_base(), samples.median_ratio(),
                  unit_of(spec.what), spec.direction == better::higher ? "higher" : "lower",
                  spec.remark.c_str());
    print_note(line);
  } else {
    const comparison_result result = samples.result(spec.name, unit_of(spec.what), spec.direction, spec.goal);
    print_result_line(result);
    if (!spec.is_null_pair()) {
      ++t.goals;
      t.met += result.goal_met() ? 1 : 0;
    }
  }
  char line[256];
  std::snprintf(line, sizeof line, "spread %s pairs=%zu ratio_min=%.4g ratio_median=%.4g ratio_max=%.4g",
                spec.name.c_str(), samples.size(), samples.min_ratio(), samples.median_ratio(),
                samples.max_ratio());
  print_note(line);
}

/// Every run's own medians: rate, latency, and the CPU time of each process per message.
void print_run_medians(const zmq_scenario& s, const outcomes& runs) {
  for (const run_spec& r : s.runs) {
    std::vector<double> rate, p50, p99, server_cpu, client_cpu;
    for (const run_outcome& o : runs.at(r.label)) {
      if (!o.ok) continue;
      rate.push_back(o.msgs_per_s());
      p50.push_back(o.p50_ns);
      p99.push_back(o.p99_ns);
      server_cpu.push_back(o.server_cpu_per_msg());
      client_cpu.push_back(o.client_cpu_per_msg());
    }
    if (rate.empty()) continue;
    char latency[96] = "";
    if (median(p50) > 0)
      std::snprintf(latency, sizeof latency, " p50_ns=%.4g p99_ns=%.4g", median(p50), median(p99));
    char line[320];
    std::snprintf(
        line, sizeof line,
        "median %s %s runs=%zu msg_per_s=%.4g%s cpu_ns_per_msg server=%.4g client=%.4g (server %s/%s, "
        "client %s/%s)",
        s.name.c_str(), r.label.c_str(), rate.size(), median(rate), latency, median(server_cpu),
        median(client_cpu), r.server.role.empty() ? "-" : r.server.role.c_str(),
        r.server.impl.empty() ? "-" : r.server.impl.c_str(), r.client.role.c_str(), r.client.impl.c_str());
    print_note(line);
    // The reactor's counters of the run closest to the median rate (ours only).
    const run_outcome* typical = nullptr;
    for (const run_outcome& o : runs.at(r.label)) {
      if (!o.ok || o.reactor_stats.empty()) continue;
      if (!typical ||
          std::abs(o.msgs_per_s() - median(rate)) < std::abs(typical->msgs_per_s() - median(rate))) {
        typical = &o;
      }
    }
    if (typical) {
      print_note("reactor " + s.name + " " + r.label + " (measuring side, run nearest the median, " +
                 std::to_string(typical->messages) + " messages): " + typical->reactor_stats);
    }
  }
}

void run_scenario(const zmq_scenario& s, const driver_options& options, const std::string& program,
                  tally& t) {
  run_settings settings = options.quick ? s.quick : s.full;
  if (options.messages) {
    settings.messages = *options.messages;
    settings.warmup = *options.messages / 10;
  }
  print_note("scenario " + s.name + ": " + s.what + "; " + format_settings(settings));
  outcomes runs;
  for (const run_spec& r : s.runs) runs[r.label].resize(options.pairs);
  std::map<std::string, std::string> skipped;  // label -> reason, from the first SKIP on
  for (unsigned p = 0; p < options.pairs; ++p) {
    for (std::size_t index : order_of_pair(s.runs.size(), p)) {
      const run_spec& r = s.runs[index];
      if (skipped.count(r.label)) continue;
      run_outcome out = run_once(program, r, settings, options.nice);
      if (out.skipped) {
        skipped[r.label] = out.reason;
      } else if (!out.ok) {
        ++t.failed_runs;
        print_note("failed " + s.name + " " + r.label + " pair " + std::to_string(p + 1) + ": " + out.reason);
      }
      if (!out.warning.empty()) print_note("warning " + s.name + " " + r.label + ": " + out.warning);
      runs[r.label][p] = std::move(out);
    }
    std::fprintf(stderr, "shardmq-bench-zmq: %s pair %u/%u done\n", s.name.c_str(), p + 1, options.pairs);
  }
  for (const comparison_spec& spec : s.comparisons) print_comparison(spec, runs, skipped, t);
  print_run_medians(s, runs);
}

}  // namespace

int run_driver(const driver_options& options, const std::string& program) {
  const std::vector<zmq_scenario> all = zmq_scenarios();
  std::set<std::string> known;
  for (const zmq_scenario& s : all) known.insert(s.name);
  for (const std::string& name : options.scenarios) {
    if (!known.count(name)) {
      std::fprintf(stderr, "shardmq-bench-zmq: unknown scenario '%s' (see --help)\n", name.c_str());
      return 2;
    }
  }
  int major = 0, minor = 0, patch = 0;
  zmq_version(&major, &minor, &patch);
  const std::string nice =
      options.nice ? "autogroup nice " + std::to_string(*options.nice) : "autogroup nice 0";
  char setup[400];
  std::snprintf(setup, sizeof setup,
                "setup: libzmq %d.%d.%d; %u pairs%s; server process pinned to CPU 0, client to CPU 1 "
                "(inproc: one process on both), each in a session of its own (%s); ours on engine defaults "
                "(1 core, 2 for inproc); %s",
                major, minor, patch, options.pairs, options.quick ? " (--quick: runs ~50x shorter)" : "",
                nice.c_str(), load_average().c_str());
  print_note(setup);
  tally t;
  for (const zmq_scenario& s : all) {
    if (!options.scenarios.empty() &&
        std::find(options.scenarios.begin(), options.scenarios.end(), s.name) == options.scenarios.end()) {
      continue;
    }
    run_scenario(s, options, program, t);
  }
  print_note("at the end: " + load_average());
  print_note("goals met: " + std::to_string(t.met) + " of " + std::to_string(t.goals) +
             " (null pairs and skipped comparisons excluded); failed runs: " + std::to_string(t.failed_runs));
  return t.failed_runs == 0 ? 0 : 1;
}

}  // namespace shardmq::bench::zmq_bench
