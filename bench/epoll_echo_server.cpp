// shardmq-bench-epoll-echo: the raw epoll echo server that shardmq-echo is measured against.
// It is the bar to beat, so it is written the way a competent engineer would write it: one thread
// per core, each with its own SO_REUSEPORT listener and epoll set (no shared state, no locks),
// level-triggered, non-blocking, TCP_NODELAY, one fixed buffer per connection, and honest
// backpressure (a connection with unsent bytes is not read until they are gone).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char* usage_text = R"(usage: shardmq-bench-epoll-echo --listen 127.0.0.1:PORT [options]

Raw epoll TCP echo server, the baseline for shardmq-echo: one thread per core, each with its own
SO_REUSEPORT listener, level-triggered epoll, non-blocking sockets, TCP_NODELAY, a 16 KiB buffer
per connection; a connection whose echo could not be written in full is not read again until the
rest is written. Prints "listening on ADDRESS:PORT" to stderr when ready; SIGINT/SIGTERM stop it.

options:
  --listen ADDR:PORT    address to listen on (IPv4; port 0 picks a free port, printed when ready)
  --threads N           event-loop threads, each with its own listener (default 1)
  --pin CPU[,CPU...]    pin thread i to the i-th CPU of the list (cycling); default: not pinned
  --corrupt-every N     debug: flip one bit of every N-th read before echoing it (tests clients)
  --help                this text
)";

constexpr std::size_t buffer_size = 16 * 1024;
constexpr int events_per_wait = 64;
// Reads per readiness event before the loop moves on to other connections: level-triggered epoll
// reports a still-readable socket again, so a fast sender cannot starve the others.
constexpr int reads_per_event = 8;
constexpr int accepts_per_event = 64;

struct server_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  bool listen_given = false;
  unsigned threads = 1;
  std::vector<int> pin_cpus;
  std::uint64_t corrupt_every = 0;
};

// The fields come first and the buffer is left uninitialised on purpose: an idle connection then
// touches one page of its allocation, as a real server's would.
struct connection {
  explicit connection(int descriptor) : fd(descriptor) {}
  int fd;
  std::size_t slot = 0;  // index in the worker's list of open connections
  std::uint32_t unsent_begin = 0;
  std::uint32_t unsent_end = 0;
  char buffer[buffer_size];
};

struct worker {
  int listener = -1;
  int epoll = -1;
  int stop_event = -1;
  std::uint64_t reads = 0;
  std::vector<connection*> open;
  // Distinct addresses that tag the listener's and the stop eventfd's epoll entries.
  char listener_tag = 0;
  char stop_tag = 0;
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "shardmq-bench-epoll-echo: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "shardmq-bench-epoll-echo: %s\n\n%s", message.c_str(), usage_text);
  std::exit(2);
}

unsigned long long parse_number(const std::string& flag, const std::string& text, unsigned long long max) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value > max) {
    usage_error(flag + " wants a number up to " + std::to_string(max) + ", not '" + text + "'");
  }
  return value;
}

server_options parse_options(int argc, char** argv) {
  server_options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 == argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage_text, stdout);
      std::exit(0);
    } else if (arg == "--listen") {
      const std::string text = value();
      const auto colon = text.rfind(':');
      if (colon == std::string::npos) usage_error("--listen wants ADDR:PORT, not '" + text + "'");
      options.address = text.substr(0, colon);
      options.port = static_cast<std::uint16_t>(parse_number("--listen port", text.substr(colon + 1), 65535));
      options.listen_given = true;
    } else if (arg == "--threads") {
      options.threads = static_cast<unsigned>(parse_number(arg, value(), 1024));
      if (options.threads == 0) usage_error("--threads wants at least 1");
    } else if (arg == "--pin") {
      const std::string list = value();
      std::size_t start = 0;
      while (start <= list.size()) {
        const std::size_t comma = std::min(list.find(',', start), list.size());
        options.pin_cpus.push_back(
            static_cast<int>(parse_number(arg, list.substr(start, comma - start), 4095)));
        start = comma + 1;
      }
    } else if (arg == "--corrupt-every") {
      options.corrupt_every = parse_number(arg, value(), ~0ULL);
    } else {
      usage_error("unknown option '" + arg + "'");
    }
  }
  if (!options.listen_given) usage_error("--listen is required");
  return options;
}

// Many idle connections are one of the scenarios; the soft limit is often far below the hard one.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int open_listener(const server_options& options, std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  const int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) fail("SO_REUSEADDR");
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) fail("SO_REUSEPORT");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, options.address.c_str(), &address.sin_addr) != 1) {
    usage_error("--listen wants an IPv4 address, not '" + options.address + "'");
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    fail("bind " + options.address + ":" + std::to_string(port));
  }
  if (listen(fd, SOMAXCONN) != 0) fail("listen");
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) fail("getsockname");
  return ntohs(address.sin_port);
}

void watch(int epoll, int fd, std::uint32_t events, void* tag, int operation) {
  epoll_event event{};
  event.events = events;
  event.data.ptr = tag;
  if (epoll_ctl(epoll, operation, fd, &event) != 0) fail("epoll_ctl");
}

void close_connection(worker& w, connection* c) {
  close(c->fd);  // also removes it from the epoll set
  connection* last = w.open.back();
  last->slot = c->slot;
  w.open[c->slot] = last;
  w.open.pop_back();
  delete c;
}

void accept_connections(worker& w) {
  for (int i = 0; i < accepts_per_event; ++i) {
    const int fd = accept4(w.listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return;
      std::fprintf(stderr, "shardmq-bench-epoll-echo: accept: %s\n", std::strerror(errno));
      return;
    }
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    auto* c = new connection(fd);
    c->slot = w.open.size();
    w.open.push_back(c);
    watch(w.epoll, fd, EPOLLIN, c, EPOLL_CTL_ADD);
  }
}

/// Sends what it can of [begin, end); returns the bytes sent, or -1 when the peer is gone.
ssize_t send_some(int fd, const char* data, std::size_t length) {
  for (;;) {
    const ssize_t sent = send(fd, data, length, MSG_NOSIGNAL);
    if (sent >= 0) return sent;
    if (errno == EINTR) continue;
    return errno == EAGAIN ? 0 : -1;
  }
}

void on_readable(worker& w, connection* c, std::uint64_t corrupt_every) {
  for (int round = 0; round < reads_per_event; ++round) {
    const ssize_t received = recv(c->fd, c->buffer, buffer_size, 0);
    if (received == 0) return close_connection(w, c);
    if (received < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      return close_connection(w, c);
    }
    if (corrupt_every != 0 && ++w.reads % corrupt_every == 0) c->buffer[received / 2] ^= 0x01;
    const ssize_t sent = send_some(c->fd, c->buffer, static_cast<std::size_t>(received));
    if (sent < 0) return close_connection(w, c);
    if (sent < received) {
      c->unsent_begin = static_cast<std::uint32_t>(sent);
      c->unsent_end = static_cast<std::uint32_t>(received);
      return watch(w.epoll, c->fd, EPOLLOUT, c, EPOLL_CTL_MOD);
    }
    // A short read on a TCP socket means its receive queue was empty: reading again would only
    // return EAGAIN, one wasted system call per event.
    if (static_cast<std::size_t>(received) < buffer_size) return;
  }
}

void on_writable(worker& w, connection* c) {
  const ssize_t sent = send_some(c->fd, c->buffer + c->unsent_begin, c->unsent_end - c->unsent_begin);
  if (sent < 0) return close_connection(w, c);
  c->unsent_begin += static_cast<std::uint32_t>(sent);
  if (c->unsent_begin == c->unsent_end) {
    c->unsent_begin = c->unsent_end = 0;
    watch(w.epoll, c->fd, EPOLLIN, c, EPOLL_CTL_MOD);
  }
}

void run_worker(worker& w, std::uint64_t corrupt_every) {
  epoll_event events[events_per_wait];
  for (;;) {
    const int ready = epoll_wait(w.epoll, events, events_per_wait, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      fail("epoll_wait");
    }
    for (int i = 0; i < ready; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &w.stop_tag) return;
      if (tag == &w.listener_tag) {
        accept_connections(w);
        continue;
      }
      auto* c = static_cast<connection*>(tag);
      const std::uint32_t what = events[i].events;
      if (c->unsent_end != 0) {
        if (what & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable(w, c);
      } else if (what & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        on_readable(w, c, corrupt_every);  // a read reports the error or the end of the stream
      }
    }
  }
}

void pin_this_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (const int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set); rc != 0) {
    std::fprintf(stderr, "shardmq-bench-epoll-echo: cannot pin to CPU %d: %s\n", cpu, std::strerror(rc));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const server_options options = parse_options(argc, argv);
  raise_descriptor_limit();

  // Signals go to the main thread's sigwait only; the workers never see them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::vector<worker> workers(options.threads);
  std::uint16_t port = options.port;
  for (worker& w : workers) {
    // With port 0 the first listener picks the port and the others join it.
    w.listener = open_listener(options, port);
    port = bound_port(w.listener);
    w.epoll = epoll_create1(EPOLL_CLOEXEC);
    if (w.epoll < 0) fail("epoll_create1");
    w.stop_event = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w.stop_event < 0) fail("eventfd");
    watch(w.epoll, w.listener, EPOLLIN, &w.listener_tag, EPOLL_CTL_ADD);
    watch(w.epoll, w.stop_event, EPOLLIN, &w.stop_tag, EPOLL_CTL_ADD);
  }

  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    const int cpu = options.pin_cpus.empty() ? -1 : options.pin_cpus[i % options.pin_cpus.size()];
    threads.emplace_back([&w = workers[i], cpu, corrupt_every = options.corrupt_every] {
      if (cpu >= 0) pin_this_thread(cpu);
      run_worker(w, corrupt_every);
    });
  }
  std::fprintf(stderr, "shardmq-bench-epoll-echo: listening on %s:%u (%u thread%s%s)\n",
               options.address.c_str(), port, options.threads, options.threads == 1 ? "" : "s",
               options.corrupt_every ? ", corrupting" : "");

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  for (worker& w : workers) {
    const std::uint64_t one = 1;
    if (write(w.stop_event, &one, sizeof one) != sizeof one) fail("eventfd write");
  }
  for (std::thread& t : threads) t.join();
  std::size_t closed = 0;
  for (worker& w : workers) {
    closed += w.open.size();
    while (!w.open.empty()) close_connection(w, w.open.back());
    close(w.listener);
    close(w.epoll);
    close(w.stop_event);
  }
  std::fprintf(stderr, "shardmq-bench-epoll-echo: stopped by %s, closed %zu connection%s\n",
               strsignal(signal_number), closed, closed == 1 ? "" : "s");
  return 0;
}
