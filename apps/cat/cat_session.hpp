#pragma once
// The socket side of shardmq-cat: one socket on core 0 and the coroutines that drive it in the
// mode the command line chose (cat_mode), the counters of the summary, and the decision when the
// run is over. Everything but the constructor and the results runs on core 0's reactor thread.

#include "command_line.hpp"
#include "line_reader.hpp"
#include "message_text.hpp"
#include "traffic_summary.hpp"

#include <shardmq/core/reactor.hpp>
#include <shardmq/net/zmq/socket.hpp>
#include <shardmq/timer/timer.hpp>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace shardmq::net {
class tcp_stack;
}

namespace shardmq::cat {

class cat_session final : reactor_stop_hook {
 public:
  /// `window` is released as stdin lines are sent; it must outlive the session's run.
  cat_session(const options& opts, input_window& window);
  cat_session(const cat_session&) = delete;
  cat_session& operator=(const cat_session&) = delete;

  /// Core 0: makes the socket, binds and connects it, and starts the coroutines. Throws what
  /// bind and connect throw (the caller reports it and stops the engine). Returns the bound
  /// endpoints with their real ports.
  std::vector<std::string> start(net::tcp_stack& stack);

  /// Core 0: whole lines of stdin (each ending in '\n'), from the reader thread.
  void add_input(std::string batch);
  /// Core 0: stdin ended; `error` says why when it was not the end of the file.
  void end_input(std::string error);

  // After the engine stopped: the outcome.
  /// 0 done, 1 failed (or timed out with work left).
  int exit_status() const noexcept { return exit_status_; }
  /// Why the run ended ("input finished", "received 10 messages", "interrupted", ...).
  const std::string& end_reason() const noexcept { return end_reason_; }
  /// The summary lines for stderr.
  std::vector<std::string> summary() const;

 private:
  // The coroutines, one or two per mode.
  asio::awaitable<void> run_sender();
  asio::awaitable<void> run_receiver();
  asio::awaitable<void> run_requests();
  asio::awaitable<void> run_replies();
  asio::awaitable<void> watch_idleness();
  /// Runs `work` on this core; an exception escaping it ends the run with status 1.
  void spawn(asio::awaitable<void> work);

  /// The next message to send: a generated one, or the next line of stdin (waiting for it);
  /// nullopt when the input is over (or the session is ending).
  asio::awaitable<std::optional<net::zmq::message>> next_input();
  /// No input message is left, nor will one come.
  bool input_exhausted() const noexcept;
  /// try_send, else waits for room. Counts what went.
  asio::awaitable<std::error_code> send(net::zmq::message& msg);
  /// try_receive, else flushes stdout and waits. Counts what came.
  asio::awaitable<std::error_code> receive(net::zmq::message& msg);
  /// The payload bytes the summary counts for `msg`.
  std::size_t counted_bytes(const net::zmq::message& msg) const noexcept;
  /// Closes the socket and waits until its connections have written what was queued, within the
  /// linger time.
  asio::awaitable<void> close_after_writing();
  asio::awaitable<void> close_and_stop();

  void print(const net::zmq::message& msg);
  /// Writes stdout now (before a wait), or within output_delay of the last write.
  void flush_soon();
  void flush_output();
  /// Ends the run with status 1 after a socket error (not after errc::socket_closed).
  void fail(std::string_view what, std::error_code error);
  /// Ends the run: with status 0 after the queued messages are written, else at once (a later
  /// failure, such as --timeout while writing, overrides a 0). Then stops the engine.
  void finish(int status, std::string reason);
  /// Finishes with status 0 once the input is sent and --count is reached (as the mode needs).
  void check_done();
  /// Destroys the socket (which closes it: queued messages go out within the linger time).
  void close_socket() noexcept;
  bool work_left() const noexcept;
  bool count_reached() const noexcept { return opts_.count && received_.messages >= *opts_.count; }
  void on_reactor_stop() noexcept override;

  const options opts_;
  const cat_mode mode_;
  const line_layout layout_;
  input_window& window_;
  net::tcp_stack* stack_ = nullptr;
  std::optional<net::zmq::socket> socket_;

  // stdin lines waiting to be sent: whole batches, the front one read from `input_offset_`.
  std::deque<std::string> input_batches_;
  std::size_t input_offset_ = 0;
  std::uint64_t input_line_number_ = 0;
  bool input_ended_ = false;
  std::optional<asio::steady_timer> input_arrived_;  // an event: cancel() wakes next_input
  std::uint64_t generated_ = 0;
  std::string scratch_;

  std::string output_;  // stdout bytes not yet written
  std::optional<shardmq::timer> flush_timer_;
  clock::time_point last_flush_{};
  bool output_failed_ = false;

  direction_counters sent_;
  direction_counters received_;
  latency_histogram round_trips_;
  std::uint64_t bad_lines_ = 0;
  std::uint64_t dropped_ = 0;  // the socket's count, taken when it closes

  bool input_done_ = false;    // every input message is with the socket (or the mode has no input)
  bool receive_done_ = false;  // --count reached (or the mode's receiving does not decide the end)
  bool finishing_ = false;
  bool stopped_ = false;  // the engine is stopping: nothing may wait any more
  int exit_status_ = 0;
  std::string end_reason_ = "interrupted";
};

}  // namespace shardmq::cat
