#include "cat_session.hpp"

#include "stderr_note.hpp"

#include <shardmq/core/engine.hpp>
#include <shardmq/net/tcp_stack.hpp>
#include <shardmq/timer/sleep.hpp>

#include <asio/co_spawn.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <utility>

namespace shardmq::cat {
namespace {

using net::zmq::errc;
using net::zmq::message;
using namespace std::chrono_literals;

/// stdout is written in pieces of at least this much while messages keep coming (one write per
/// 64 KiB instead of one per line), and whenever the session is about to wait.
constexpr std::size_t output_flush_bytes = 64 * 1024;
/// Before a wait, stdout is written at once unless it was written less than this ago; then a
/// timer writes it when this much time has passed. A receiver that catches up with its socket
/// every few messages would otherwise make one write() per few lines: 149k lines/s printed
/// instead of 500k/s without printing (1M 7-byte messages, push to pull on loopback).
constexpr auto output_delay = 1ms;
/// How often the end of the run looks whether the socket's connections have written everything.
constexpr auto drain_poll_interval = 1ms;

bool is_socket_closed(std::error_code error) { return error == make_error_code(errc::socket_closed); }

}  // namespace

cat_session::cat_session(const options& opts, input_window& window)
    : opts_(opts),
      mode_(mode_of(opts)),
      layout_{.separator = opts.separator,
              .multipart = opts.multipart,
              .routing_id_first = opts.type == net::zmtp::socket_type::router},
      window_(window) {}

std::vector<std::string> cat_session::start(net::tcp_stack& stack) {
  stack_ = &stack;
  std::vector<std::string> bound;
  try {
    socket_.emplace(stack, opts_.type, socket_options_of(opts_));
    for (const std::string& endpoint : opts_.bind) {
      socket_->bind(endpoint);
      bound.push_back(socket_->last_endpoint());
    }
    for (const std::string& endpoint : opts_.connect) socket_->connect(endpoint);
  } catch (...) {
    close_socket();  // on this core, where it lives
    throw;
  }
  input_arrived_.emplace(this_reactor().get_executor(), asio::steady_timer::time_point::max());
  flush_timer_.emplace(this_reactor().timers(), [this] { flush_output(); });
  this_reactor().add_stop_hook(*this);

  input_done_ = !uses_input(mode_);
  // Where input drives the run (send, request, reply) the arrivals end with it; the arrivals
  // decide the end only for the modes that receive alone, or when --count asks for them.
  receive_done_ = !(mode_ == cat_mode::receive || mode_ == cat_mode::echo ||
                    (mode_ == cat_mode::send_and_receive && opts_.count));
  switch (mode_) {
    case cat_mode::send:
      spawn(run_sender());
      break;
    case cat_mode::receive:
    case cat_mode::echo:
      spawn(run_receiver());
      break;
    case cat_mode::send_and_receive:
      spawn(run_sender());
      spawn(run_receiver());
      break;
    case cat_mode::request:
      spawn(run_requests());
      break;
    case cat_mode::reply:
      spawn(run_replies());
      break;
  }
  if (opts_.timeout) spawn(watch_idleness());
  return bound;
}

void cat_session::spawn(asio::awaitable<void> work) {
  asio::co_spawn(this_reactor().get_executor(), std::move(work), [this](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      finish(1, std::string("failed: ") + e.what());
    }
  });
}

// --- input --------------------------------------------------------------------------------------

void cat_session::add_input(std::string batch) {
  if (stopped_ || finishing_) {
    window_.release(batch.size());
    return;
  }
  input_batches_.push_back(std::move(batch));
  if (input_arrived_) input_arrived_->cancel();
}

void cat_session::end_input(std::string error) {
  if (stopped_ || finishing_) return;
  input_ended_ = true;
  if (!error.empty()) {
    finish(1, error);
    return;
  }
  if (input_arrived_) input_arrived_->cancel();
  // A REP waiting for its next request has nothing left to answer it with.
  if (mode_ == cat_mode::reply && input_batches_.empty()) {
    input_done_ = true;
    check_done();
  }
}

asio::awaitable<std::optional<message>> cat_session::next_input() {
  if (opts_.generate) {
    if (generated_ >= *opts_.generate || stopped_ || finishing_) co_return std::nullopt;
    co_return generated_message(generated_++, opts_.size, scratch_);
  }
  for (;;) {
    if (stopped_ || finishing_) co_return std::nullopt;
    if (!input_batches_.empty()) {
      const std::string& batch = input_batches_.front();
      const std::size_t end = batch.find('\n', input_offset_);  // batches hold whole lines
      const std::string_view line(batch.data() + input_offset_, end - input_offset_);
      input_offset_ = end + 1;
      ++input_line_number_;
      std::optional<message> msg;
      try {
        msg = message_of_line(line, layout_);
      } catch (const std::invalid_argument& error) {
        ++bad_lines_;
        note("stdin line " + std::to_string(input_line_number_) + " skipped: " + error.what());
      }
      if (input_offset_ == batch.size()) {
        window_.release(batch.size());
        input_batches_.pop_front();
        input_offset_ = 0;
      }
      if (msg) co_return msg;
      continue;
    }
    if (input_ended_) co_return std::nullopt;
    flush_soon();
    std::error_code woken;  // operation_aborted: input arrived, or the session ends
    co_await input_arrived_->async_wait(asio::redirect_error(asio::use_awaitable, woken));
  }
}

bool cat_session::input_exhausted() const noexcept {
  if (opts_.generate) return generated_ >= *opts_.generate;
  return input_ended_ && input_batches_.empty();
}

// --- the socket ---------------------------------------------------------------------------------

std::size_t cat_session::counted_bytes(const message& msg) const noexcept {
  // A ROUTER's routing-id frame is its own envelope, not payload: leave it out so that both ends
  // of a connection count the same bytes.
  const std::size_t bytes = msg.payload_bytes();
  return layout_.routing_id_first && !msg.empty() ? bytes - msg[0].size() : bytes;
}

asio::awaitable<std::error_code> cat_session::send(message& msg) {
  if (!socket_) co_return make_error_code(errc::socket_closed);
  const std::size_t bytes = counted_bytes(msg);
  std::error_code error = socket_->try_send(msg);
  if (error == net::zmq::would_block()) {
    flush_soon();
    error = {};
    co_await socket_->async_send(std::move(msg), asio::redirect_error(asio::use_awaitable, error));
  }
  if (!error) sent_.add(bytes, clock::now());
  co_return error;
}

asio::awaitable<std::error_code> cat_session::receive(message& msg) {
  if (!socket_) co_return make_error_code(errc::socket_closed);
  std::error_code error = socket_->try_receive(msg);
  if (error == net::zmq::would_block()) {
    flush_soon();
    error = {};
    msg = co_await socket_->async_receive(asio::redirect_error(asio::use_awaitable, error));
  }
  if (!error) received_.add(counted_bytes(msg), clock::now());
  co_return error;
}

void cat_session::fail(std::string_view what, std::error_code error) {
  if (is_socket_closed(error)) return;  // the run is ending: whoever closed it said why
  finish(1, std::string(what) + " failed: " + error.message());
}

// --- the modes ----------------------------------------------------------------------------------

asio::awaitable<void> cat_session::run_sender() {
  while (std::optional<message> msg = co_await next_input()) {
    if (const std::error_code error = co_await send(*msg)) {
      fail("send", error);
      co_return;
    }
  }
  if (stopped_ || finishing_) co_return;
  input_done_ = true;
  check_done();
}

asio::awaitable<void> cat_session::run_receiver() {
  for (;;) {
    message msg;
    if (const std::error_code error = co_await receive(msg)) {
      fail("receive", error);
      co_return;
    }
    print(msg);
    if (mode_ == cat_mode::echo) {
      if (const std::error_code error = co_await send(msg)) {
        fail("send", error);
        co_return;
      }
    }
    if (count_reached()) {
      receive_done_ = true;
      check_done();
      co_return;
    }
  }
}

asio::awaitable<void> cat_session::run_requests() {
  while (!count_reached()) {
    std::optional<message> request = co_await next_input();
    if (!request) break;
    const clock::time_point sent_at = clock::now();
    if (const std::error_code error = co_await send(*request)) {
      fail("send", error);
      co_return;
    }
    message reply;
    if (const std::error_code error = co_await receive(reply)) {
      fail("receive", error);
      co_return;
    }
    round_trips_.add(received_.last - sent_at);
    print(reply);
  }
  if (stopped_ || finishing_) co_return;
  input_done_ = true;
  check_done();
}

asio::awaitable<void> cat_session::run_replies() {
  while (!count_reached() && !input_exhausted()) {
    message request;
    if (const std::error_code error = co_await receive(request)) {
      fail("receive", error);
      co_return;
    }
    print(request);
    std::optional<message> reply = co_await next_input();
    if (!reply) break;
    if (const std::error_code error = co_await send(*reply)) {
      fail("send", error);
      co_return;
    }
  }
  if (stopped_ || finishing_) co_return;
  input_done_ = true;
  check_done();
}

asio::awaitable<void> cat_session::watch_idleness() {
  const std::chrono::milliseconds limit = *opts_.timeout;
  // Checking eight times per limit ends an idle run at most 1/8 late, without touching the
  // clock for every message.
  const auto period = std::max<std::chrono::nanoseconds>(limit / 8, 1ms);
  std::uint64_t last_total = 0;
  clock::time_point last_change = clock::now();
  for (;;) {
    std::error_code error;
    co_await sleep_for(period, asio::redirect_error(asio::use_awaitable, error));
    if (error || stopped_) co_return;
    const clock::time_point now = clock::now();
    const std::uint64_t total = sent_.messages + received_.messages;
    if (total != last_total) {
      last_total = total;
      last_change = now;
      continue;
    }
    if (now - last_change < limit) continue;
    const std::string idle = "nothing sent or received for " + std::to_string(limit.count()) + " ms";
    if (finishing_) {
      finish(1, idle + " while writing the queued messages");
    } else if (work_left()) {
      finish(1, "timed out: " + idle +
                    (opts_.count ? " (received " + std::to_string(received_.messages) + " of " +
                                       std::to_string(*opts_.count) + " messages)"
                                 : std::string()));
    } else {
      finish(0, idle);
    }
    co_return;
  }
}

// --- the end ------------------------------------------------------------------------------------

bool cat_session::work_left() const noexcept {
  return finishing_ || (uses_input(mode_) && !input_done_) || (opts_.count && !count_reached());
}

void cat_session::check_done() {
  if (finishing_ || stopped_ || !input_done_ || !receive_done_) return;
  if (!count_reached()) {
    finish(0, "input finished");
  } else {
    finish(0, "received " + std::to_string(received_.messages) +
                  (received_.messages == 1 ? " message" : " messages"));
  }
}

void cat_session::finish(int status, std::string reason) {
  if (stopped_) return;
  if (finishing_ && status == 0) return;
  const bool was_finishing = std::exchange(finishing_, true);
  if (status != 0 || !was_finishing) {
    exit_status_ = status;
    end_reason_ = std::move(reason);
  }
  if (input_arrived_) input_arrived_->cancel();  // a waiting next_input() sees finishing_
  flush_output();
  if (status == 0 && socket_) {
    spawn(close_and_stop());
    return;
  }
  // A failure does not wait for queued messages: stopping the engine aborts the connections.
  close_socket();
  this_reactor().owner().request_stop();
}

asio::awaitable<void> cat_session::close_and_stop() {
  co_await close_after_writing();
  flush_output();
  if (!stopped_) this_reactor().owner().request_stop();
}

asio::awaitable<void> cat_session::close_after_writing() {
  const bool bounded = opts_.linger && opts_.linger->count() >= 0;
  const clock::time_point deadline = bounded ? clock::now() + *opts_.linger : clock::time_point::max();
  auto wait_a_little = [&]() -> asio::awaitable<bool> {
    if (stopped_ || clock::now() >= deadline) co_return false;
    std::error_code error;
    co_await sleep_for(drain_poll_interval, asio::redirect_error(asio::use_awaitable, error));
    co_return !error && !stopped_;
  };
  // Closing keeps what is queued for a peer that has not finished its handshake (within the
  // linger), but a socket that never had a peer would keep connecting until the engine stops:
  // give the first peer its chance, within the linger time. A peer that came and went leaves a
  // disconnect. A ROUTER or a REP never queues for a peer it has not heard from.
  const bool queues_for_new_peers =
      opts_.type != net::zmtp::socket_type::router && opts_.type != net::zmtp::socket_type::rep;
  if (sent_.messages > 0 && queues_for_new_peers) {
    while (socket_ && socket_->stats().peers == 0 && socket_->stats().disconnects == 0) {
      if (!co_await wait_a_little()) break;
    }
  }
  // Closing lets every connection write what is queued, then close. The stack is the socket's
  // alone (the stats endpoint has its own), so its open connections on any core (--spread puts
  // them on all) are the ones still writing.
  close_socket();
  const auto open_anywhere = [&] {
    std::uint64_t open = 0;
    for (unsigned core = 0; core < this_reactor().owner().core_count(); ++core)
      open += stack_->open_connections(core);
    return open;
  };
  while (open_anywhere() > 0) {
    if (!co_await wait_a_little()) break;
  }
}

void cat_session::close_socket() noexcept {
  if (!socket_) return;
  dropped_ = socket_->stats().drops;
  // Closing completes pending operations, inline on this core: the coroutines they resume must
  // already see no socket.
  net::zmq::socket closing = std::move(*socket_);
  socket_.reset();
}

void cat_session::on_reactor_stop() noexcept {
  stopped_ = true;
  // Destroying them completes what waits on them (operation_aborted, socket_closed); the
  // coroutines see stopped_ and return.
  input_arrived_.reset();
  close_socket();
  flush_output();
  flush_timer_.reset();
}

// --- output -------------------------------------------------------------------------------------

void cat_session::print(const message& msg) {
  if (opts_.quiet || output_failed_) return;
  append_message_line(output_, msg, opts_.format, layout_);
  if (output_.size() >= output_flush_bytes) flush_output();
}

void cat_session::flush_soon() {
  if (output_.empty() || !flush_timer_ || flush_timer_->armed()) return;
  if (clock::now() - last_flush_ >= output_delay) {
    flush_output();
  } else {
    flush_timer_->arm_at(last_flush_ + output_delay);
  }
}

void cat_session::flush_output() {
  if (flush_timer_) flush_timer_->cancel();
  if (output_.empty()) return;
  last_flush_ = clock::now();
  std::size_t done = 0;
  while (done < output_.size() && !output_failed_) {
    const ssize_t n = ::write(STDOUT_FILENO, output_.data() + done, output_.size() - done);
    if (n >= 0) {
      done += static_cast<std::size_t>(n);
    } else if (errno == EAGAIN) {
      pollfd writable{STDOUT_FILENO, POLLOUT, 0};  // someone made our stdout non-blocking
      ::poll(&writable, 1, -1);
    } else if (errno != EINTR) {
      output_failed_ = true;
      const std::string reason = std::string("writing stdout failed: ") + std::strerror(errno);
      output_.clear();
      finish(1, reason);
    }
  }
  output_.clear();
}

std::vector<std::string> cat_session::summary() const {
  std::vector<std::string> lines;
  if (mode_ != cat_mode::receive) lines.push_back(format_direction("sent", sent_));
  if (receives(mode_)) lines.push_back(format_direction("received", received_));
  if (mode_ == cat_mode::request && round_trips_.count() > 0)
    lines.push_back(format_round_trips(round_trips_));
  if (dropped_ > 0) {
    lines.push_back("the socket dropped " + std::to_string(dropped_) +
                    " messages (a router's unknown routing id or full peer, or a stray reply)");
  }
  if (bad_lines_ > 0) lines.push_back("skipped " + std::to_string(bad_lines_) + " bad input lines");
  lines.push_back("ended: " + end_reason_);
  return lines;
}

}  // namespace shardmq::cat
