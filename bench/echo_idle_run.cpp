#include "echo_idle_run.hpp"

#include "echo_load_run.hpp"
#include "echo_message_pattern.hpp"
#include "loopback_connector.hpp"
#include "server_process_probe.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace shardmq::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// Owns the descriptors so that every exit path closes them.
struct open_connections {
  std::vector<int> fds;
  ~open_connections() { close_all(); }
  void close_all() {
    for (int fd : fds) close(fd);
    fds.clear();
  }
};

std::chrono::milliseconds remaining(clock_type::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

void send_ping(int fd, const std::vector<unsigned char>& message, std::uint64_t id) {
  // A fresh loopback socket has far more send buffer than one message; anything short is a fault.
  const ssize_t sent = send(fd, message.data(), message.size(), MSG_NOSIGNAL);
  if (sent != static_cast<ssize_t>(message.size())) {
    throw std::runtime_error("idle connection " + std::to_string(id) +
                             ": send: " + (sent < 0 ? std::strerror(errno) : "short write"));
  }
}

void await_echo(int fd, const echo_message_pattern& pattern, std::uint64_t id,
                clock_type::time_point deadline) {
  std::vector<unsigned char> echoed(pattern.size());
  std::size_t have = 0;
  // Each pass either receives bytes or waits on poll until the deadline, so the loop ends.
  while (have < echoed.size()) {
    const ssize_t got = recv(fd, echoed.data() + have, echoed.size() - have, 0);
    if (got > 0) {
      have += static_cast<std::size_t>(got);
      continue;
    }
    if (got == 0) throw std::runtime_error("the server closed idle connection " + std::to_string(id));
    if (errno == EINTR) continue;
    if (errno != EAGAIN)
      throw std::runtime_error("idle connection " + std::to_string(id) + ": " + std::strerror(errno));
    pollfd waiting{fd, POLLIN, 0};
    const auto left = remaining(deadline);
    if (left.count() == 0 || poll(&waiting, 1, static_cast<int>(left.count())) == 0) {
      throw std::runtime_error("no echo on idle connection " + std::to_string(id) + " before --timeout");
    }
  }
  if (const auto at = pattern.first_mismatch(echoed.data(), id, 0)) {
    throw echo_mismatch("idle connection " + std::to_string(id) + ", byte " + std::to_string(*at) +
                        " differs");
  }
}

/// Polls /proc until the server holds `target` descriptors or the deadline passes.
bool await_descriptors(pid_t pid, std::uint64_t target, bool at_least, clock_type::time_point deadline) {
  while (clock_type::now() < deadline) {
    const auto open = server_open_descriptors(pid);
    if (!open) return false;
    if (at_least ? *open >= target : *open <= target) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

echo_idle_report run_echo_idle(const echo_load_options& options) {
  const std::uint64_t limit = raise_descriptor_limit();
  if (limit < options.idle + 16) {
    throw std::runtime_error("--idle " + std::to_string(options.idle) +
                             " needs that many descriptors; the hard " + "RLIMIT_NOFILE allows " +
                             std::to_string(limit));
  }
  const pid_t pid = options.server_pid;
  const auto deadline =
      clock_type::now() + std::chrono::milliseconds(static_cast<long>(options.timeout_s * 1000));
  echo_idle_report report;
  report.connections = options.idle;
  // A plain value and a flag: GCC 12 warns (wrongly) that an optional's value may be uninitialised.
  const std::optional<std::uint64_t> probed = pid ? server_open_descriptors(pid) : std::nullopt;
  const bool counting_descriptors = probed.has_value();
  const std::uint64_t descriptors_before = probed.value_or(0);
  if (pid) report.rss_before = server_resident_bytes(pid);

  const auto opening = clock_type::now();
  open_connections connections;
  connections.fds.reserve(options.idle);
  for (std::uint64_t i = 0; i < options.idle; ++i) {
    const sockaddr_in source =
        options.sources.empty() ? sockaddr_in{} : options.sources[i % options.sources.size()];
    try {
      connections.fds.push_back(connect_nonblocking(options.server, source, remaining(deadline)));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(
          std::string(e.what()) + " (idle connection " + std::to_string(i + 1) + " of " +
          std::to_string(options.idle) +
          (options.sources.empty() ? "; more --source-addresses give more ports)" : ")"));
    }
  }
  if (options.size != 0) {
    // All pings first, then all echoes: the server works through them while we send.
    const echo_message_pattern pattern(options.size);
    std::vector<unsigned char> message(options.size);
    for (std::uint64_t i = 0; i < options.idle; ++i) {
      pattern.fill(message.data(), i, 0);
      send_ping(connections.fds[i], message, i);
    }
    for (std::uint64_t i = 0; i < options.idle; ++i) await_echo(connections.fds[i], pattern, i, deadline);
  } else if (counting_descriptors &&
             !await_descriptors(pid, descriptors_before + options.idle, true, deadline)) {
    throw std::runtime_error("the server did not accept all " + std::to_string(options.idle) +
                             " connections before --timeout");
  }
  report.seconds_to_open = std::chrono::duration<double>(clock_type::now() - opening).count();

  std::this_thread::sleep_for(std::chrono::duration<double>(options.hold_s));
  if (pid) report.rss_after = server_resident_bytes(pid);
  connections.close_all();
  if (counting_descriptors) {
    // Bounded: a server that never notices the closes only costs the short extra wait.
    const auto settle = clock_type::now() + std::chrono::seconds(5);
    await_descriptors(pid, descriptors_before, false, settle < deadline ? settle : deadline);
    report.rss_after_close = server_resident_bytes(pid);
  }
  return report;
}

}  // namespace shardmq::bench
