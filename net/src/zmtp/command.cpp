#include <shardmq/net/zmtp/command.hpp>
#include <shardmq/net/zmtp/frame_encoder.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

namespace shardmq::net::zmtp {
namespace {

constexpr std::string_view socket_type_property = "Socket-Type";
constexpr std::string_view identity_property = "Identity";
constexpr std::size_t max_identity = 255;

struct known_name {
  std::string_view text;
  command_name name;
};
constexpr std::array<known_name, 6> known_names{{{"READY", command_name::ready},
                                                 {"ERROR", command_name::error},
                                                 {"PING", command_name::ping},
                                                 {"PONG", command_name::pong},
                                                 {"SUBSCRIBE", command_name::subscribe},
                                                 {"CANCEL", command_name::cancel}}};

std::string_view as_text(std::span<const std::byte> bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
std::span<const std::byte> as_bytes(std::string_view text) noexcept {
  return std::as_bytes(std::span(text.data(), text.size()));
}

bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

std::uint32_t read_u32(const std::byte* p) noexcept {
  return (std::to_integer<std::uint32_t>(p[0]) << 24) | (std::to_integer<std::uint32_t>(p[1]) << 16) |
         (std::to_integer<std::uint32_t>(p[2]) << 8) | std::to_integer<std::uint32_t>(p[3]);
}

// Appends to a command frame whose total size was checked up front.
class command_writer {
 public:
  command_writer(std::span<std::byte> out, std::string_view name, std::size_t data_size) : out_(out) {
    if (name.empty() || name.size() > 255)
      throw std::length_error("shardmq: command name must be 1..255 bytes");
    const std::size_t body = 1 + name.size() + data_size;
    if (out.size() < encoded_frame_size(body))
      throw std::length_error("shardmq: command frame output too small");
    const frame_header header = make_frame_header(body, false, true);
    put(header.span());
    put_u8(static_cast<std::uint8_t>(name.size()));
    put(as_bytes(name));
  }
  void put(std::span<const std::byte> bytes) noexcept {
    if (!bytes.empty()) std::memcpy(out_.data() + at_, bytes.data(), bytes.size());
    at_ += bytes.size();
  }
  void put_u8(std::uint8_t value) noexcept { out_[at_++] = std::byte{value}; }
  void put_u16(std::uint16_t value) noexcept {
    put_u8(static_cast<std::uint8_t>(value >> 8));
    put_u8(static_cast<std::uint8_t>(value));
  }
  void put_u32(std::uint32_t value) noexcept {
    put_u16(static_cast<std::uint16_t>(value >> 16));
    put_u16(static_cast<std::uint16_t>(value));
  }
  void put_property(std::string_view name, std::span<const std::byte> value) noexcept {
    put_u8(static_cast<std::uint8_t>(name.size()));
    put(as_bytes(name));
    put_u32(static_cast<std::uint32_t>(value.size()));
    put(value);
  }
  std::size_t written() const noexcept { return at_; }

 private:
  std::span<std::byte> out_;
  std::size_t at_ = 0;
};

std::size_t property_size(std::string_view name, std::size_t value_size) noexcept {
  return 1 + name.size() + 4 + value_size;
}

std::size_t ready_data_size(socket_type type, std::span<const std::byte> identity) noexcept {
  std::size_t size = property_size(socket_type_property, socket_type_name(type).size());
  if (sends_identity(type)) size += property_size(identity_property, identity.size());
  return size;
}

zmtp::error malformed(std::string_view reason) noexcept { return {errc::malformed_command, reason}; }

std::size_t write_topic_command(std::span<std::byte> out, std::string_view name,
                                std::span<const std::byte> topic) {
  command_writer writer(out, name, topic.size());
  writer.put(topic);
  return writer.written();
}

}  // namespace

zmtp::error parse_command(std::span<const std::byte> body, command& out) noexcept {
  if (body.empty()) return malformed("empty command frame");
  const std::size_t name_size = std::to_integer<std::size_t>(body[0]);
  if (name_size == 0) return malformed("command with an empty name");
  if (name_size > body.size() - 1) return malformed("command name runs past the frame");
  out.name_text = as_text(body.subspan(1, name_size));
  out.data = body.subspan(1 + name_size);
  out.name = command_name::unknown;
  for (const known_name& known : known_names) {
    if (known.text == out.name_text) out.name = known.name;
  }
  return {};
}

zmtp::error parse_ready(std::span<const std::byte> data, ready_metadata& out) noexcept {
  out = {};
  while (!data.empty()) {
    const std::size_t name_size = std::to_integer<std::size_t>(data[0]);
    if (name_size == 0) return malformed("READY property with an empty name");
    if (data.size() < 1 + name_size + 4) return malformed("READY property name runs past the command");
    const std::string_view name = as_text(data.subspan(1, name_size));
    const std::size_t value_size = read_u32(data.data() + 1 + name_size);
    data = data.subspan(1 + name_size + 4);
    if (value_size > data.size()) return malformed("READY property value runs past the command");
    const std::span<const std::byte> value = data.first(value_size);
    data = data.subspan(value_size);
    if (equal_ignoring_case(name, socket_type_property)) {
      out.has_socket_type = true;
      out.socket_type = as_text(value);
    } else if (equal_ignoring_case(name, identity_property)) {
      if (value.size() > max_identity) return malformed("READY Identity longer than 255 bytes");
      if (!value.empty() && value[0] == std::byte{0})
        return malformed("READY Identity starts with the reserved byte 0");
      out.has_identity = true;
      out.identity = value;
    }
  }
  return {};
}

zmtp::error check_peer_socket_type(socket_type ours, const ready_metadata& peer) noexcept {
  if (!peer.has_socket_type) return {};
  const std::optional<socket_type> theirs = parse_socket_type(peer.socket_type);
  if (!theirs) return {errc::incompatible_socket_type, "peer announced an unknown Socket-Type"};
  if (!compatible(ours, *theirs))
    return {errc::incompatible_socket_type, "peer's Socket-Type cannot talk to this socket's type"};
  return {};
}

zmtp::error parse_ping(std::span<const std::byte> data, ping& out) noexcept {
  if (data.size() < 2) return malformed("PING without a TTL");
  out.ttl_deciseconds = static_cast<std::uint16_t>((std::to_integer<unsigned>(data[0]) << 8) |
                                                   std::to_integer<unsigned>(data[1]));
  out.context = data.subspan(2);
  return {};
}

zmtp::error parse_error(std::span<const std::byte> data, std::string_view& reason) noexcept {
  if (data.empty()) return malformed("ERROR without a reason length");
  const std::size_t size = std::to_integer<std::size_t>(data[0]);
  if (size > data.size() - 1) return malformed("ERROR reason runs past the command");
  reason = as_text(data.subspan(1, size));
  return {};
}

std::size_t command_frame_size(std::string_view name, std::size_t data_size) noexcept {
  return encoded_frame_size(1 + name.size() + data_size);
}

std::size_t ready_frame_size(socket_type type, std::span<const std::byte> identity) noexcept {
  return command_frame_size("READY", ready_data_size(type, identity));
}

std::size_t write_ready(std::span<std::byte> out, socket_type type, std::span<const std::byte> identity) {
  if (identity.size() > max_identity) throw std::length_error("shardmq: identity longer than 255 bytes");
  command_writer writer(out, "READY", ready_data_size(type, identity));
  writer.put_property(socket_type_property, as_bytes(socket_type_name(type)));
  if (sends_identity(type)) writer.put_property(identity_property, identity);
  return writer.written();
}

std::size_t write_error(std::span<std::byte> out, std::string_view reason) {
  if (reason.size() > 255) throw std::length_error("shardmq: ERROR reason longer than 255 bytes");
  command_writer writer(out, "ERROR", 1 + reason.size());
  writer.put_u8(static_cast<std::uint8_t>(reason.size()));
  writer.put(as_bytes(reason));
  return writer.written();
}

std::size_t write_ping(std::span<std::byte> out, std::uint16_t ttl_deciseconds,
                       std::span<const std::byte> context) {
  if (context.size() > max_ping_context)
    throw std::length_error("shardmq: PING context longer than 16 bytes");
  command_writer writer(out, "PING", 2 + context.size());
  writer.put_u16(ttl_deciseconds);
  writer.put(context);
  return writer.written();
}

std::size_t write_pong(std::span<std::byte> out, std::span<const std::byte> context) {
  const std::span<const std::byte> echoed = context.first(std::min(context.size(), max_ping_context));
  command_writer writer(out, "PONG", echoed.size());
  writer.put(echoed);
  return writer.written();
}

std::size_t write_subscribe(std::span<std::byte> out, std::span<const std::byte> topic) {
  return write_topic_command(out, "SUBSCRIBE", topic);
}

std::size_t write_cancel(std::span<std::byte> out, std::span<const std::byte> topic) {
  return write_topic_command(out, "CANCEL", topic);
}

}  // namespace shardmq::net::zmtp
