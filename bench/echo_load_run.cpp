#include "echo_load_run.hpp"

#include "echo_message_pattern.hpp"
#include "loopback_connector.hpp"
#include "server_process_probe.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace shardmq::bench {

namespace {

enum class phase : int { warmup, measure, stop };

std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

std::string hex_byte(unsigned char byte) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", byte);
  return text;
}

/// One connection's stream: `queued` messages handed to the send buffer, `echoed` verified.
/// In flight is at most `depth`, so both buffers need exactly depth * size bytes.
struct load_connection {
  load_connection(int descriptor, std::uint64_t identity, std::uint64_t message_quota, unsigned depth,
                  std::size_t size)
      : fd(descriptor),
        id(identity),
        quota(message_quota),
        tx(depth * size),
        rx(depth * size),
        sent_at(depth) {}
  ~load_connection() { close(fd); }
  load_connection(const load_connection&) = delete;
  load_connection& operator=(const load_connection&) = delete;

  int fd;
  std::uint64_t id;
  std::uint64_t quota;
  std::uint64_t queued = 0;
  std::uint64_t echoed = 0;
  std::vector<unsigned char> tx;
  std::size_t tx_begin = 0;
  std::size_t tx_end = 0;
  std::vector<unsigned char> rx;
  std::size_t rx_length = 0;
  std::vector<std::uint64_t> sent_at;  // ring indexed by sequence number % depth
  bool waiting_writable = false;
};

class load_worker {
 public:
  load_worker(const echo_load_options& options, const echo_message_pattern& pattern,
              std::atomic<phase>& current, std::uint64_t deadline_ns)
      : options_(options), pattern_(pattern), phase_(current), deadline_ns_(deadline_ns) {}
  ~load_worker() {
    if (epoll_ >= 0) close(epoll_);
  }

  void add(int fd, std::uint64_t id, std::uint64_t quota) {
    connections_.push_back(std::make_unique<load_connection>(fd, id, quota, options_.depth, options_.size));
  }

  /// The thread body; errors are kept for the main thread, and stop every other worker.
  void run() noexcept {
    try {
      loop();
    } catch (...) {
      error_ = std::current_exception();
      phase_.store(phase::stop, std::memory_order_release);
    }
  }

  std::exception_ptr error() const { return error_; }
  const latency_histogram& latency() const { return latency_; }
  std::uint64_t measured() const { return measured_; }
  std::uint64_t total() const { return total_; }

 private:
  void loop() {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    for (auto& c : connections_) {
      watch(*c, EPOLLIN, EPOLL_CTL_ADD);
      if (c->quota == 0) ++finished_;
      top_up(*c);
      flush(*c);
    }
    std::vector<epoll_event> events(256);
    // Bounded by the phase (set to stop by the main thread) and, with --messages, by the deadline.
    for (;;) {
      const phase current = phase_.load(std::memory_order_acquire);
      if (current == phase::stop || finished_ == connections_.size()) return;
      const int ready = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
      if (ready < 0 && errno != EINTR)
        throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
      const std::uint64_t now = now_ns();
      if (now > deadline_ns_) {
        throw std::runtime_error("timed out with " + std::to_string(total_) + " messages echoed (--timeout)");
      }
      for (int i = 0; i < ready; ++i) {
        auto& c = *static_cast<load_connection*>(events[i].data.ptr);
        if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
          on_readable(c, now, current == phase::measure);
        if (events[i].events & EPOLLOUT) flush(c);
      }
    }
  }

  void watch(load_connection& c, std::uint32_t events, int operation) {
    epoll_event event{};
    event.events = events;
    event.data.ptr = &c;
    if (epoll_ctl(epoll_, operation, c.fd, &event) != 0) {
      throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
    }
  }

  void on_readable(load_connection& c, std::uint64_t now, bool measuring) {
    const ssize_t received = recv(c.fd, c.rx.data() + c.rx_length, c.rx.size() - c.rx_length, 0);
    if (received == 0) {
      throw std::runtime_error("the server closed connection " + std::to_string(c.id) + " after " +
                               std::to_string(c.echoed) + " echoed messages");
    }
    if (received < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      throw std::runtime_error("connection " + std::to_string(c.id) + ": " + std::strerror(errno));
    }
    c.rx_length += static_cast<std::size_t>(received);
    const std::size_t size = options_.size;
    const std::size_t complete = c.rx_length / size;
    for (std::size_t k = 0; k < complete; ++k) {
      const unsigned char* message = c.rx.data() + k * size;
      if (const auto at = pattern_.first_mismatch(message, c.id, c.echoed)) {
        throw echo_mismatch("connection " + std::to_string(c.id) + ", message " + std::to_string(c.echoed) +
                            ", byte " + std::to_string(*at) + ": sent " +
                            hex_byte(pattern_.expected(c.id, c.echoed, *at)) + ", echoed " +
                            hex_byte(message[*at]));
      }
      if (measuring) {
        latency_.record(now - c.sent_at[c.echoed % options_.depth]);
        ++measured_;
      }
      ++c.echoed;
      ++total_;
    }
    const std::size_t used = complete * size;
    if (used != 0 && used < c.rx_length) std::memmove(c.rx.data(), c.rx.data() + used, c.rx_length - used);
    c.rx_length -= used;
    if (complete != 0 && c.echoed == c.quota) ++finished_;
    if (top_up(c)) flush(c);
  }

  /// Queues messages until `depth` are in flight; returns whether it queued any.
  bool top_up(load_connection& c) {
    if (phase_.load(std::memory_order_relaxed) == phase::stop) return false;
    const std::size_t size = options_.size;
    std::uint64_t stamp = 0;
    bool queued = false;
    while (c.queued - c.echoed < options_.depth && c.queued < c.quota) {
      if (c.tx_end + size > c.tx.size()) {
        // Fewer than depth messages are unsent, so moving them to the front always makes room.
        std::memmove(c.tx.data(), c.tx.data() + c.tx_begin, c.tx_end - c.tx_begin);
        c.tx_end -= c.tx_begin;
        c.tx_begin = 0;
      }
      pattern_.fill(c.tx.data() + c.tx_end, c.id, c.queued);
      c.tx_end += size;
      if (!queued) stamp = now_ns();
      c.sent_at[c.queued % options_.depth] = stamp;
      ++c.queued;
      queued = true;
    }
    return queued;
  }

  void flush(load_connection& c) {
    // Each pass sends something or stops at EAGAIN, so the loop ends.
    while (c.tx_begin < c.tx_end) {
      const ssize_t sent = send(c.fd, c.tx.data() + c.tx_begin, c.tx_end - c.tx_begin, MSG_NOSIGNAL);
      if (sent > 0) {
        c.tx_begin += static_cast<std::size_t>(sent);
      } else if (sent < 0 && errno == EINTR) {
        continue;
      } else if (sent < 0 && errno == EAGAIN) {
        break;
      } else {
        throw std::runtime_error("connection " + std::to_string(c.id) + ": send: " + std::strerror(errno));
      }
    }
    if (c.tx_begin == c.tx_end) {
      c.tx_begin = c.tx_end = 0;
      if (c.waiting_writable) watch(c, EPOLLIN, EPOLL_CTL_MOD);
      c.waiting_writable = false;
    } else if (!c.waiting_writable) {
      watch(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
      c.waiting_writable = true;
    }
  }

  const echo_load_options& options_;
  const echo_message_pattern& pattern_;
  std::atomic<phase>& phase_;
  std::uint64_t deadline_ns_;
  int epoll_ = -1;
  std::vector<std::unique_ptr<load_connection>> connections_;
  std::size_t finished_ = 0;
  latency_histogram latency_;
  std::uint64_t measured_ = 0;
  std::uint64_t total_ = 0;
  std::exception_ptr error_;
};

void pin_this_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (const int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set); rc != 0) {
    std::fprintf(stderr, "shardmq-echo-load: cannot pin to CPU %d: %s\n", cpu, std::strerror(rc));
  }
}

/// Sleeps until `until_ns`, waking every few ms to stop early once a worker has failed.
void wait_until(std::uint64_t until_ns, const std::atomic<phase>& current) {
  while (now_ns() < until_ns && current.load(std::memory_order_acquire) != phase::stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::optional<std::uint64_t> cpu_of(pid_t pid) { return pid ? server_cpu_ns(pid) : std::nullopt; }

}  // namespace

echo_load_report run_echo_load(const echo_load_options& options) {
  if (options.connections > 1000) raise_descriptor_limit();
  const echo_message_pattern pattern(options.size);
  const bool counted = options.messages != 0;
  const auto connect_timeout = std::chrono::milliseconds(static_cast<long>(options.timeout_s * 1000));
  const std::uint64_t deadline = counted ? now_ns() + static_cast<std::uint64_t>(options.timeout_s * 1e9)
                                         : std::numeric_limits<std::uint64_t>::max();
  std::atomic<phase> current{counted ? phase::measure : phase::warmup};

  std::vector<std::unique_ptr<load_worker>> workers;
  for (unsigned t = 0; t < options.threads; ++t) {
    workers.push_back(std::make_unique<load_worker>(options, pattern, current, deadline));
  }
  for (unsigned i = 0; i < options.connections; ++i) {
    const sockaddr_in source =
        options.sources.empty() ? sockaddr_in{} : options.sources[i % options.sources.size()];
    std::uint64_t quota = std::numeric_limits<std::uint64_t>::max();
    if (counted)
      quota = options.messages / options.connections + (i < options.messages % options.connections);
    try {
      workers[i % options.threads]->add(connect_nonblocking(options.server, source, connect_timeout), i,
                                        quota);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string(e.what()) + " (connection " + std::to_string(i + 1) + " of " +
                               std::to_string(options.connections) + ")");
    }
  }

  echo_load_report report;
  std::optional<std::uint64_t> cpu_before;
  std::uint64_t start = 0;
  if (counted) {
    cpu_before = cpu_of(options.server_pid);
    start = now_ns();
  }
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < workers.size(); ++t) {
    const int cpu = options.pin_cpus.empty() ? -1 : options.pin_cpus[t % options.pin_cpus.size()];
    threads.emplace_back([&worker = *workers[t], cpu] {
      if (cpu >= 0) pin_this_thread(cpu);
      worker.run();
    });
  }
  if (!counted) {
    wait_until(now_ns() + static_cast<std::uint64_t>(options.warmup_s * 1e9), current);
    cpu_before = cpu_of(options.server_pid);
    start = now_ns();
    phase expected = phase::warmup;
    current.compare_exchange_strong(expected, phase::measure, std::memory_order_acq_rel);
    wait_until(start + static_cast<std::uint64_t>(options.duration_s * 1e9), current);
    current.store(phase::stop, std::memory_order_release);
  }
  std::uint64_t end = now_ns();
  std::optional<std::uint64_t> cpu_after = cpu_of(options.server_pid);
  for (std::thread& t : threads) t.join();
  if (counted) {
    end = now_ns();
    cpu_after = cpu_of(options.server_pid);
  }

  for (const auto& worker : workers) {
    if (worker->error()) std::rethrow_exception(worker->error());
  }
  for (const auto& worker : workers) {
    report.latency.merge(worker->latency());
    report.messages += worker->measured();
    report.messages_total += worker->total();
  }
  report.seconds = static_cast<double>(end - start) / 1e9;
  if (cpu_before && cpu_after) report.server_cpu_ns = *cpu_after - *cpu_before;
  if (report.messages == 0) throw std::runtime_error("no message was echoed within the measured window");
  return report;
}

}  // namespace shardmq::bench
