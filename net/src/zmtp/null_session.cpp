#include <shardmq/net/zmtp/command.hpp>
#include <shardmq/net/zmtp/null_session.hpp>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <type_traits>

namespace shardmq::net::zmtp {

null_session::null_session(alloc::buffer_pool& pool, socket_type type, std::span<const std::byte> identity,
                           decoder_options limits)
    : type_(type), decoder_(pool, limits) {
  if (!identity.empty() && identity[0] == std::byte{0})
    throw std::length_error("shardmq: an identity must not start with byte 0 (reserved)");
  const auto greeting = make_greeting();
  std::memcpy(handshake_.data(), greeting.data(), greeting.size());
  handshake_size_ =
      greeting.size() + write_ready(std::span(handshake_).subspan(greeting.size()), type, identity);
}

session_event null_session::read(alloc::slice& input, decoded_frame& out) { return read_from(input, out); }
session_event null_session::read(std::span<const std::byte>& input, decoded_frame& out) {
  return read_from(input, out);
}

const zmtp::error& null_session::finish() noexcept {
  if (error_) return error_;
  if (!greeting_.done()) {
    greeting_.finish();
    error_ = greeting_.error();
  } else {
    error_ = decoder_.finish();
  }
  return error_;
}

template <class Input>
session_event null_session::read_from(Input& input, decoded_frame& out) {
  if (error_) return session_event::error;
  if (!greeting_.done()) {
    const std::size_t used = greeting_.feed(std::span<const std::byte>(input.data(), input.size()));
    if constexpr (std::is_same_v<Input, alloc::slice>) {
      input.trim_front(used);
    } else {
      input = input.subspan(used);
    }
    if (greeting_.failed()) return fail(greeting_.error());
    if (!greeting_.done()) return session_event::need_more;
  }
  for (;;) {
    switch (decoder_.decode(input, out)) {
      case decode_status::need_more:
        return session_event::need_more;
      case decode_status::error:
        return fail(decoder_.error());
      case decode_status::frame:
        break;
    }
    if (!ready_) {
      if (!out.command) return fail({errc::unexpected_frame, "message frame before the peer's READY"});
      return on_handshake_command(out);
    }
    trailing_ping_ttl_ = 0;  // set again below if this frame is a PING
    if (!out.command) return session_event::frame;
    const session_event event = on_command(out);
    if (event != session_event::need_more) return event;  // need_more: consumed silently, go on
  }
}

session_event null_session::on_handshake_command(decoded_frame& frame) {
  command cmd;
  if (zmtp::error e = parse_command(frame.body.bytes(), cmd)) return fail(e);
  if (cmd.name == command_name::error) return on_command(frame);
  if (cmd.name != command_name::ready)
    return fail({errc::unexpected_frame, "command other than READY or ERROR during the NULL handshake"});
  ready_metadata meta;
  if (zmtp::error e = parse_ready(cmd.data, meta)) return fail(e);
  if (zmtp::error e = check_peer_socket_type(type_, meta)) return fail(e);
  if (meta.has_socket_type) peer_type_ = parse_socket_type(meta.socket_type);
  peer_identity_size_ = meta.identity.size();
  std::copy(meta.identity.begin(), meta.identity.end(), peer_identity_.begin());
  ready_ = true;
  frame.body.reset();  // what mattered is copied out; the event carries no body
  return session_event::ready;
}

// need_more means "handled here, nothing for the caller".
session_event null_session::on_command(decoded_frame& frame) {
  command cmd;
  if (zmtp::error e = parse_command(frame.body.bytes(), cmd)) return fail(e);
  switch (cmd.name) {
    case command_name::ping: {
      ping p;
      if (zmtp::error e = parse_ping(cmd.data, p)) return fail(e);
      peer_ttl_ = p.ttl_deciseconds;
      trailing_ping_ttl_ = p.ttl_deciseconds;
      ++pings_received_;
      const std::size_t pong_size = command_frame_size("PONG", std::min(p.context.size(), max_ping_context));
      if (control_size_ + pong_size <= control_.size())
        control_size_ += write_pong(std::span(control_).subspan(control_size_), p.context);
      frame.body.reset();  // answered: release it now, not when the caller's next frame replaces it
      return session_event::need_more;
    }
    case command_name::subscribe:
    case command_name::cancel: {
      const bool subscribe = cmd.name == command_name::subscribe;
      frame.body.drop_front(frame.body.size() - cmd.data.size());
      return subscribe ? session_event::subscribe : session_event::cancel;
    }
    case command_name::error: {
      std::string_view reason;
      if (zmtp::error e = parse_error(cmd.data, reason)) return fail(e);
      peer_reason_size_ = std::min(reason.size(), peer_reason_.size());
      std::memcpy(peer_reason_.data(), reason.data(), peer_reason_size_);
      return fail({errc::peer_error, "peer sent ERROR"});
    }
    case command_name::ready:
      return fail({errc::unexpected_frame, "a second READY"});
    case command_name::pong:
    case command_name::unknown:
      frame.body.reset();  // liveness only; unknown ones are dropped (with any buffer they pin)
      return session_event::need_more;
  }
  return session_event::need_more;
}

session_event null_session::fail(zmtp::error e) noexcept {
  error_ = e;
  return session_event::error;
}

}  // namespace shardmq::net::zmtp
