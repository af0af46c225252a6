#pragma once
// Messages as shardmq-cat reads and writes them: one line per message, frames separated by a
// separator byte, and a ROUTER's routing id written as 0x-prefixed hex so that it can be typed
// back. Frames are built with frame::copy_of, so a body above 32 bytes needs the calling thread's
// buffer pool (a reactor's, or one bound by a test).

#include "command_line.hpp"

#include <shardmq/net/zmq/message.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shardmq::cat {

/// How lines map to frames.
struct line_layout {
  char separator = '|';
  /// Split the line on the separator (otherwise the whole line is one frame).
  bool multipart = false;
  /// ROUTER: the line starts with the routing id of the peer ("0x..." hex or its text) and the
  /// separator, whatever `multipart` says; printing writes that frame in hex.
  bool routing_id_first = false;
};

/// Appends `msg` and a newline to `out`, each frame in `format`, frames separated by the layout's
/// separator.
void append_message_line(std::string& out, const net::zmq::message& msg, print_format format,
                         const line_layout& layout);

/// The message one input line (without its newline) stands for. std::invalid_argument with a
/// message for the user when a ROUTER line has no routing id or a malformed hex one.
net::zmq::message message_of_line(std::string_view line, const line_layout& layout);

/// "0x0a0b" as the bytes 0a 0b; anything not starting with 0x as its own bytes; nullopt for "0x"
/// followed by an odd number of digits or a non-hex digit, and for an empty id.
std::optional<std::string> parse_routing_id(std::string_view text);

/// Generated message number `index` (from 0): its decimal number, then '.' up to `size` bytes
/// (cut to `size` when the number is longer), so a receiver can see order and gaps. `scratch`
/// keeps its capacity between calls.
net::zmq::message generated_message(std::uint64_t index, std::size_t size, std::string& scratch);

}  // namespace shardmq::cat
