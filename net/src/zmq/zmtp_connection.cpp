#include "zmtp_connection.hpp"

#include "socket_core.hpp"
#include "tcp_connector.hpp"

#include <shardmq/core/log.hpp>
#include <shardmq/net/tcp_address.hpp>
#include <shardmq/net/zmtp/command.hpp>
#include <shardmq/net/zmtp/frame_encoder.hpp>

#include <algorithm>
#include <cstring>
#include <string>

namespace shardmq::net::zmq::detail {

namespace {

/// Bodies up to this size are copied into the write batch; larger ones go out as their own
/// slice (no copy). 8 KiB: a copy of that costs less than another iovec and buffer reference.
constexpr std::size_t copy_limit = 8 * 1024;
/// Small frames are gathered in buffers of this class.
constexpr std::size_t batch_buffer = 16 * 1024;

zmtp::decoder_options limits_of(const socket_options& options) {
  zmtp::decoder_options limits;
  if (options.maxmsgsize >= 0) limits.max_frame_size = static_cast<std::uint64_t>(options.maxmsgsize);
  return limits;
}

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

}  // namespace

zmtp_connection::zmtp_connection(socket_core& owner, tcp_connection& connection, tcp_connector* connector)
    : owner_(owner),
      connection_(connection),
      connector_(connector),
      session_(this_reactor().buffers(), owner.type(), bytes_of(owner.options().routing_id),
               limits_of(owner.options())),
      handshake_timer_(this_reactor().timers(), [this] { on_handshake_timeout(); }),
      heartbeat_timer_(this_reactor().timers(), [this] { on_heartbeat(); }) {
  owner_.connection_opened(*this);
  // Reading stops only for a full receive pipe (rcvhwm), never for our own queued writes: those
  // are bounded already (pump_out stops at the high watermark, the pipe at sndhwm), and a peer
  // that sends everything before it reads would otherwise wait on us while we wait on it (libzmq
  // reads a peer whatever it has queued for it).
  connection_.set_write_backpressure(false);
  // The whole greeting and READY at once: libzmq waits for our greeting bytes before sending the
  // rest of its own, so a side that waited for the peer's full greeting would deadlock.
  const auto handshake = session_.handshake_bytes();
  connection_.send_copy(handshake.data(), handshake.size());
  if (owner.options().handshake_ivl.count() > 0) handshake_timer_.arm_in(owner.options().handshake_ivl);
}

zmtp_connection::~zmtp_connection() = default;

// --- receiving ------------------------------------------------------------------------------

void zmtp_connection::on_data(tcp_connection&, alloc::slice data) {
  heard_since_tick_ = true;
  if (failed_) return;
  process(data);
  write_control();
}

void zmtp_connection::process(alloc::slice& input) {
  zmtp::decoded_frame frame;
  while (!failed_) {
    const zmtp::session_event event = session_.read(input, frame);
    switch (event) {
      case zmtp::session_event::need_more:
        return;
      case zmtp::session_event::ready:
        on_ready();
        break;
      case zmtp::session_event::frame: {
        assembling_bytes_ += frame.body.size();
        if (owner_.options().maxmsgsize >= 0 &&
            assembling_bytes_ > static_cast<std::uint64_t>(owner_.options().maxmsgsize)) {
          fail({zmtp::errc::frame_too_large, "message above maxmsgsize"}, false);
          return;
        }
        assembling_.push_back(std::move(frame.body));
        if (frame.more) break;
        message whole = std::move(assembling_);
        assembling_.clear();
        assembling_bytes_ = 0;
        if (!deliver(std::move(whole))) {
          blocked_input_ = std::move(input);
          return;
        }
        break;
      }
      case zmtp::session_event::subscribe:
      case zmtp::session_event::cancel:
        break;  // only publishers use them; the other types ignore them, as libzmq does
      case zmtp::session_event::error:
        fail(session_.error(), !session_.ready());
        return;
    }
  }
}

void zmtp_connection::on_ready() {
  handshake_timer_.cancel();
  const auto identity = session_.peer_identity();
  const std::string_view id(reinterpret_cast<const char*>(identity.data()), identity.size());
  pipe* p = connector_ != nullptr ? connector_->pipe_for_connection() : nullptr;
  if (p == nullptr) p = &owner_.make_pipe(false);
  if (p->peer != nullptr && p->peer != this) {
    fail({zmtp::errc::unexpected_frame, "the peer's pipe is in use"}, true);
    return;
  }
  p->peer = this;
  pipe_ = p;
  if (!owner_.attach_pipe(*p, id)) {
    ++owner_.stats().handshake_failures;
    log(log_level::info, "zmq: peer " + format_tcp_address(connection_.remote_endpoint()) +
                             " refused (a second PAIR peer or a duplicate routing id)");
    failed_ = true;
    connection_.abort();
    return;
  }
  if (connector_ != nullptr) connector_->handshake_done();
  start_heartbeat();
  pump_out();
}

bool zmtp_connection::deliver(message&& m) {
  if (pipe_ == nullptr) return true;  // the socket is closing: drop
  if (pipe_->in.full()) {
    blocked_message_ = std::move(m);
    blocked_ = true;
    connection_.pause_reading();
    return false;
  }
  const bool was_empty = pipe_->in.empty();
  pipe_->in.push(std::move(m));
  if (was_empty) owner_.pipe_in_ready(*pipe_);
  return true;
}

void zmtp_connection::in_space(pipe&) {
  if (!blocked_ || pipe_ == nullptr) return;
  blocked_ = false;
  message m = std::move(blocked_message_);
  blocked_message_.clear();
  if (!deliver(std::move(m))) return;
  alloc::slice rest = std::move(blocked_input_);
  process(rest);
  if (blocked_) {
    if (rest) blocked_input_ = std::move(rest);
    return;
  }
  write_control();
  if (!failed_) connection_.resume_reading();
}

// --- sending --------------------------------------------------------------------------------

void zmtp_connection::out_ready(pipe&) { pump_out(); }

void zmtp_connection::on_write_space(tcp_connection&) { pump_out(); }

void zmtp_connection::pump_out() {
  if (pumping_ || pipe_ == nullptr || !session_.ready() || failed_) return;
  pumping_ = true;
  bool freed = false;
  while (!pipe_->out.empty()) {
    if (connection_.queued_bytes() + batch_used_ > connection_.high_watermark()) {
      connection_.request_write_space();
      break;
    }
    freed = freed || pipe_->out.full();
    message m = pipe_->out.pop();
    encode(m);
  }
  flush_batch();
  pumping_ = false;
  if (closing_ && pipe_ != nullptr && pipe_->out.empty()) connection_.close();
  if (freed && pipe_ != nullptr) owner_.pipe_out_space(*pipe_);
}

void zmtp_connection::encode(message& m) {
  const std::size_t count = m.size();
  for (std::size_t i = 0; i < count; ++i) {
    zmq::frame& part = m[i];
    const zmtp::frame_header header = zmtp::make_frame_header(part.size(), m.more_after(i));
    if (part.size() <= copy_limit || !part.is_slice()) {
      append(header.span());
      append(part.bytes());
    } else {
      append(header.span());
      flush_batch();
      connection_.send(part.take_slice());
    }
  }
}

void zmtp_connection::append(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    if (!batch_ || batch_used_ == batch_.size()) {
      flush_batch();
      batch_ = this_reactor().buffers().acquire(batch_buffer);
      batch_used_ = 0;
    }
    const std::size_t chunk = std::min(bytes.size(), batch_.size() - batch_used_);
    std::memcpy(batch_.data() + batch_used_, bytes.data(), chunk);
    batch_used_ += chunk;
    bytes = bytes.subspan(chunk);
  }
}

void zmtp_connection::flush_batch() {
  if (batch_used_ == 0) return;
  connection_.send(batch_.split_front(batch_used_));
  batch_used_ = 0;
  // A nearly used-up buffer goes back; the next small frame takes a fresh one.
  if (batch_.size() < 256) batch_ = alloc::slice();
}

void zmtp_connection::write_control() {
  const auto control = session_.control_output();
  if (control.empty() || failed_) return;
  if (connection_.queued_bytes() > connection_.high_watermark()) {
    // The peer is not reading what we write: a PONG would wait behind it anyway, and queueing one
    // per PING would grow without bound now that we keep reading.
    session_.control_written();
    return;
  }
  flush_batch();
  connection_.send_copy(control.data(), control.size());
  session_.control_written();
}

// --- heartbeats and time-outs -----------------------------------------------------------------

void zmtp_connection::start_heartbeat() {
  const auto ivl = owner_.options().heartbeat_ivl;
  if (ivl.count() > 0) heartbeat_timer_.arm_in(ivl);
}

void zmtp_connection::on_heartbeat() noexcept {
  if (failed_) return;
  const socket_options& options = owner_.options();
  const auto ivl = options.heartbeat_ivl;
  const auto timeout = options.heartbeat_timeout.count() > 0 ? options.heartbeat_timeout : ivl;
  if (heard_since_tick_) {
    silent_ticks_ = 0;
  } else {
    ++silent_ticks_;
  }
  heard_since_tick_ = false;
  // Nothing arrived for a whole timeout (counted in intervals, rounded up).
  if (silent_ticks_ * ivl >= timeout + ivl) {
    fail({zmtp::errc::truncated, "heartbeat timed out: nothing heard from the peer"}, false);
    return;
  }
  std::array<std::byte, 32> ping{};
  const auto ttl =
      static_cast<std::uint16_t>(std::min<long long>(options.heartbeat_ttl.count() / 100, 65535));
  const std::size_t size = zmtp::write_ping(ping, ttl);
  flush_batch();
  connection_.send_copy(ping.data(), size);
  heartbeat_timer_.arm_in(ivl);
}

void zmtp_connection::on_handshake_timeout() noexcept {
  fail({zmtp::errc::truncated, "no ZMTP handshake within handshake_ivl"}, true);
}

// --- the end --------------------------------------------------------------------------------

void zmtp_connection::fail(const zmtp::error& error, bool handshake) noexcept {
  if (failed_) return;
  failed_ = true;
  if (handshake) {
    ++owner_.stats().handshake_failures;
  } else {
    ++owner_.stats().protocol_errors;
  }
  std::string text = "zmq: closing the connection to " + format_tcp_address(connection_.remote_endpoint()) +
                     ": " + std::string(error.reason);
  if (error.code == zmtp::errc::peer_error)
    text += " (\"" + std::string(session_.peer_error_reason()) + "\")";
  log(log_level::warning, text);
  connection_.abort();
}

void zmtp_connection::close_gracefully() noexcept {
  closing_ = true;
  if (pipe_ == nullptr || pipe_->out.empty() || !session_.ready()) {
    connection_.close();
  } else {
    pump_out();
  }
}

void zmtp_connection::abort() noexcept {
  failed_ = true;
  connection_.abort();
}

void zmtp_connection::on_closed(tcp_connection&, std::error_code) noexcept {
  handshake_timer_.cancel();
  heartbeat_timer_.cancel();
  tcp_connector* connector = connector_;
  const bool was_ready = session_.ready() && pipe_ != nullptr;
  if (pipe_ != nullptr) {
    pipe_->peer = nullptr;
    if (was_ready) owner_.detach_pipe(*pipe_);
    pipe_ = nullptr;
  }
  // The connector first: the socket may delete itself (and its connectors) when told we are gone.
  if (connector != nullptr) connector->connection_lost();
  owner_.connection_closed(*this);
}

}  // namespace shardmq::net::zmq::detail
