#include <shardmq/net/zmtp/frame_encoder.hpp>
#include <shardmq/net/zmtp/frame_flags.hpp>

#include <cstring>
#include <stdexcept>

namespace shardmq::net::zmtp {

frame_header make_frame_header(std::uint64_t body_size, bool more, bool command) noexcept {
  frame_header header;
  std::uint8_t flags = (more ? flag_more : 0) | (command ? flag_command : 0);
  if (body_size <= max_short_body) {
    header.bytes[0] = std::byte{flags};
    header.bytes[1] = std::byte{static_cast<std::uint8_t>(body_size)};
    header.size = 2;
    return header;
  }
  flags |= flag_long;
  header.bytes[0] = std::byte{flags};
  for (int i = 0; i < 8; ++i)
    header.bytes[1 + i] = std::byte{static_cast<std::uint8_t>(body_size >> (56 - 8 * i))};
  header.size = 9;
  return header;
}

std::size_t write_frame(std::span<std::byte> out, std::span<const std::byte> body, bool more, bool command) {
  const frame_header header = make_frame_header(body.size(), more, command);
  if (out.size() < header.size + body.size())
    throw std::length_error("shardmq: write_frame output too small");
  std::memcpy(out.data(), header.bytes.data(), header.size);
  if (!body.empty()) std::memcpy(out.data() + header.size, body.data(), body.size());
  return header.size + body.size();
}

std::size_t encoded_message_size(const zmq::message& message) noexcept {
  std::size_t total = 0;
  for (const zmq::frame& part : message.frames()) total += encoded_frame_size(part.size());
  return total;
}

std::size_t write_message(std::span<std::byte> out, const zmq::message& message) {
  if (out.size() < encoded_message_size(message))
    throw std::length_error("shardmq: write_message output too small");
  std::size_t written = 0;
  for (std::size_t i = 0; i < message.size(); ++i)
    written += write_frame(out.subspan(written), message[i].bytes(), message.more_after(i));
  return written;
}

}  // namespace shardmq::net::zmtp
