#include "zmq_peer_process.hpp"

#include "server_process_probe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <system_error>
#include <thread>

namespace shardmq::bench::zmq_bench {

peer_process::peer_process(const std::string& program, const std::vector<std::string>& args,
                           const std::vector<int>& cpus, std::optional<int> autogroup_nice) {
  command_ = program;
  for (const std::string& arg : args) command_ += " " + arg;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) CPU_SET(cpu, &set);
  const std::string nice_text = autogroup_nice ? std::to_string(*autogroup_nice) : std::string();
  const pid_t driver = getpid();

  pid_ = fork();
  if (pid_ < 0) {
    const int error = errno;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    throw std::system_error(error, std::generic_category(), "fork");
  }
  if (pid_ == 0) {  // the child: only async-signal-safe calls until exec
    // A peer that serves or feeds runs until told: it must not outlive a driver that dies.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != driver) _exit(125);
    // Its own session is its own autogroup: the scheduler weighs it against other sessions
    // (other people's builds) as one group, whatever the driver's session does.
    setsid();
    if (!nice_text.empty()) {
      const int group = open("/proc/self/autogroup", O_WRONLY);
      if (group < 0 || write(group, nice_text.data(), nice_text.size()) < 0) _exit(124);
      close(group);
    }
    dup2(pipe_fds[1], STDOUT_FILENO);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    if (!cpus.empty() && sched_setaffinity(0, sizeof set, &set) != 0) _exit(126);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  out_fd_ = pipe_fds[0];
}

peer_process::~peer_process() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
}

std::optional<std::string> peer_process::take_buffered_line() {
  const auto newline = buffer_.find('\n');
  if (newline == std::string::npos) return std::nullopt;
  std::string line = buffer_.substr(0, newline);
  buffer_.erase(0, newline + 1);
  return line;
}

bool peer_process::read_available() {
  if (out_fd_ < 0) return false;
  char chunk[4096];
  const ssize_t n = read(out_fd_, chunk, sizeof chunk);
  if (n > 0) {
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  close(out_fd_);
  out_fd_ = -1;
  return false;
}

bool peer_process::try_reap() {
  if (reaped_) return true;
  const pid_t got = waitpid(pid_, &status_, WNOHANG);
  if (got == pid_) reaped_ = true;
  return reaped_;
}

bool peer_process::wait_exit(bench_clock::time_point deadline) {
  while (!try_reap()) {
    if (bench_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void peer_process::terminate(double grace_seconds) {
  if (try_reap()) return;
  kill(pid_, SIGTERM);
  const auto grace =
      std::chrono::duration_cast<bench_clock::duration>(std::chrono::duration<double>(grace_seconds));
  if (wait_exit(bench_clock::now() + grace)) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, &status_, 0);
  reaped_ = true;
}

std::string peer_process::describe_exit() const {
  if (!reaped_) return "running";
  if (WIFEXITED(status_)) return "exit status " + std::to_string(WEXITSTATUS(status_));
  if (WIFSIGNALED(status_)) return "killed by signal " + std::to_string(WTERMSIG(status_));
  return "status " + std::to_string(status_);
}

bool peer_process::exited_cleanly() const noexcept {
  return reaped_ && WIFEXITED(status_) && WEXITSTATUS(status_) == 0;
}

peer_line next_line(const std::vector<peer_process*>& peers, bench_clock::time_point deadline) {
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<int> owners;
    for (std::size_t i = 0; i < peers.size(); ++i) {
      if (auto line = peers[i]->take_buffered_line()) return {static_cast<int>(i), std::move(*line), false};
      if (peers[i]->output_ended()) return {static_cast<int>(i), {}, true};
      fds.push_back({peers[i]->output_fd(), POLLIN, 0});
      owners.push_back(static_cast<int>(i));
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - bench_clock::now());
    if (left.count() <= 0) return {};
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(left.count()) + 1);
    if (ready < 0 && errno != EINTR) return {};
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents != 0) peers[static_cast<std::size_t>(owners[i])]->read_available();
    }
  }
}

std::optional<double> cpu_ns_of(const peer_process& peer) {
  const auto ns = server_cpu_ns(peer.pid());
  if (!ns) return std::nullopt;
  return static_cast<double>(*ns);
}

}  // namespace shardmq::bench::zmq_bench
