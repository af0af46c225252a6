#include "message_text.hpp"

#include <charconv>
#include <stdexcept>

namespace shardmq::cat {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, const net::zmq::frame& part) {
  for (const std::byte b : part.bytes()) {
    const auto value = std::to_integer<unsigned>(b);
    out.push_back(hex_digits[value >> 4]);
    out.push_back(hex_digits[value & 0xf]);
  }
}

void append_frame(std::string& out, const net::zmq::frame& part, print_format format) {
  switch (format) {
    case print_format::text:
      out.append(part.text());
      break;
    case print_format::hex:
      append_hex(out, part);
      break;
    case print_format::len: {
      char digits[24];
      const auto [end, error] = std::to_chars(digits, digits + sizeof digits, part.size());
      out.append(digits, end);
      break;
    }
  }
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void append_message_line(std::string& out, const net::zmq::message& msg, print_format format,
                         const line_layout& layout) {
  for (std::size_t i = 0; i < msg.size(); ++i) {
    if (i > 0) out.push_back(layout.separator);
    if (i == 0 && layout.routing_id_first) {
      // Routing ids are binary (libzmq makes 5 bytes starting with a zero): hex keeps the line
      // intact and is what message_of_line reads back.
      out.append("0x");
      append_hex(out, msg[0]);
    } else {
      append_frame(out, msg[i], format);
    }
  }
  out.push_back('\n');
}

std::optional<std::string> parse_routing_id(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (!text.starts_with("0x")) return std::string(text);
  const std::string_view digits = text.substr(2);
  if (digits.empty() || digits.size() % 2 != 0) return std::nullopt;
  std::string bytes;
  bytes.reserve(digits.size() / 2);
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    const int high = hex_value(digits[i]);
    const int low = hex_value(digits[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(high << 4 | low));
  }
  return bytes;
}

net::zmq::message message_of_line(std::string_view line, const line_layout& layout) {
  net::zmq::message msg;
  std::string_view rest = line;
  if (layout.routing_id_first) {
    const std::size_t end = rest.find(layout.separator);
    if (end == std::string_view::npos) {
      throw std::invalid_argument(std::string("a router line needs the peer's routing id first: 'ID") +
                                  layout.separator + "BODY'");
    }
    const std::optional<std::string> id = parse_routing_id(rest.substr(0, end));
    if (!id) {
      throw std::invalid_argument("bad routing id '" + std::string(rest.substr(0, end)) +
                                  "' (text, or 0x and an even number of hex digits)");
    }
    msg.push_back(net::zmq::frame::copy_of(*id));
    rest.remove_prefix(end + 1);
  }
  if (!layout.multipart) {
    msg.push_back(net::zmq::frame::copy_of(rest));
    return msg;
  }
  for (;;) {
    const std::size_t end = rest.find(layout.separator);
    msg.push_back(net::zmq::frame::copy_of(rest.substr(0, end)));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return msg;
}

net::zmq::message generated_message(std::uint64_t index, std::size_t size, std::string& scratch) {
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, index);
  const std::string_view number(digits, static_cast<std::size_t>(end - digits));
  scratch.assign(number.substr(0, size));
  scratch.resize(size, '.');
  net::zmq::message msg;
  msg.push_back(net::zmq::frame::copy_of(scratch));
  return msg;
}

}  // namespace shardmq::cat
