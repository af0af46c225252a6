#include <shardmq/core/stats_table.hpp>

#include <cstdio>

namespace shardmq {
namespace {

std::string human(std::uint64_t n) {
  char buffer[32];
  if (n >= 10'000'000'000ULL) {
    std::snprintf(buffer, sizeof buffer, "%.1fG", static_cast<double>(n) / 1e9);
  } else if (n >= 10'000'000ULL) {
    std::snprintf(buffer, sizeof buffer, "%.1fM", static_cast<double>(n) / 1e6);
  } else if (n >= 100'000ULL) {
    std::snprintf(buffer, sizeof buffer, "%.1fk", static_cast<double>(n) / 1e3);
  } else {
    std::snprintf(buffer, sizeof buffer, "%llu", static_cast<unsigned long long>(n));
  }
  return buffer;
}

void add(reactor_stats& total, const reactor_stats& s) {
  total.turns += s.turns;
  total.handlers_run += s.handlers_run;
  total.messages_in += s.messages_in;
  total.messages_out += s.messages_out;
  total.local_runs += s.local_runs;
  total.outside_in += s.outside_in;
  total.ring_full += s.ring_full;
  total.overflow_peak = std::max(total.overflow_peak, s.overflow_peak);
  total.sleeps += s.sleeps;
  total.wakeups_sent += s.wakeups_sent;
  total.wakeups_received += s.wakeups_received;
  total.busy_ns += s.busy_ns;
  total.idle_ns += s.idle_ns;
}

std::string row(const std::string& name, const std::string& pu, const std::string& pinned,
                const reactor_stats& s) {
  const double total = static_cast<double>(s.busy_ns + s.idle_ns);
  const double busy = total > 0 ? 100.0 * static_cast<double>(s.busy_ns) / total : 0.0;
  char line[256];
  std::snprintf(line, sizeof line, "%-5s %4s %6s %9s %9s %9s %9s %8s %7s %8s %8s %8s %6.1f%%\n", name.c_str(),
                pu.c_str(), pinned.c_str(), human(s.turns).c_str(), human(s.handlers_run).c_str(),
                human(s.messages_in).c_str(), human(s.messages_out).c_str(),
                human(s.outside_in + s.local_runs).c_str(), human(s.ring_full).c_str(),
                human(s.sleeps).c_str(), human(s.wakeups_sent).c_str(), human(s.wakeups_received).c_str(),
                busy);
  return line;
}

}  // namespace

std::string format_stats_table(const std::vector<reactor_stats>& cores) {
  char header[256];
  std::snprintf(header, sizeof header, "%-5s %4s %6s %9s %9s %9s %9s %8s %7s %8s %8s %8s %7s\n", "core", "pu",
                "pinned", "turns", "handlers", "msgs-in", "msgs-out", "local", "ring-full", "sleeps",
                "wake-tx", "wake-rx", "busy");
  std::string table = header;
  reactor_stats total;
  for (const reactor_stats& s : cores) {
    table += row(std::to_string(s.core), std::to_string(s.pu), s.pinned ? "yes" : "no", s);
    add(total, s);
  }
  table += row("total", "", "", total);
  return table;
}

}  // namespace shardmq
