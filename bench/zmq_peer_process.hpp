#pragma once
// A peer process the driver starts: the bench binary again in peer mode, pinned to its CPUs
// before exec (the driver itself is never pinned), its stdout a pipe the driver reads line by
// line. Only processes started here are ever signalled, by their own pid.

#include "measurement.hpp"

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace shardmq::bench::zmq_bench {

class peer_process {
 public:
  /// fork + sched_setaffinity(cpus) + execv(program, program + args); stdin is /dev/null,
  /// stderr is the driver's. The peer runs in a session (so a scheduling autogroup) of its own,
  /// with `autogroup_nice` when given (needs root below 0), and is killed if the driver dies.
  /// Throws std::system_error when the process cannot be started.
  peer_process(const std::string& program, const std::vector<std::string>& args, const std::vector<int>& cpus,
               std::optional<int> autogroup_nice = std::nullopt);
  ~peer_process();  ///< kills (SIGKILL) and reaps the process if it is still there
  peer_process(const peer_process&) = delete;
  peer_process& operator=(const peer_process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  /// The command line, for messages.
  const std::string& command() const noexcept { return command_; }

  /// A complete line already read, without its newline.
  std::optional<std::string> take_buffered_line();
  /// Reads what the pipe has (non-blocking after poll said so); false at end of stream.
  bool read_available();
  int output_fd() const noexcept { return out_fd_; }
  bool output_ended() const noexcept { return out_fd_ < 0; }

  /// Waits until the process exits or `deadline`; true when it has exited (and is reaped).
  bool wait_exit(bench_clock::time_point deadline);
  /// SIGTERM, then SIGKILL if it has not exited within `grace`; reaps it.
  void terminate(double grace_seconds);
  /// "exit status N", "killed by signal N" or "running".
  std::string describe_exit() const;
  bool exited_cleanly() const noexcept;

 private:
  bool try_reap();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  std::string command_;
  int status_ = 0;
  bool reaped_ = false;
};

/// A line from one of several peers.
struct peer_line {
  int peer = -1;     ///< index into the list; -1: the deadline passed
  std::string text;  ///< empty with end_of_stream
  bool end_of_stream = false;
};

/// The next line any of `peers` writes (buffered lines first, in list order), the end of a
/// peer's output, or the deadline.
peer_line next_line(const std::vector<peer_process*>& peers, bench_clock::time_point deadline);

/// CPU time of the process so far, summed over its threads (/proc/PID/task/*/schedstat), ns.
std::optional<double> cpu_ns_of(const peer_process& peer);

}  // namespace shardmq::bench::zmq_bench
