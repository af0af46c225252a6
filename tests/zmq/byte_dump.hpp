#pragma once
// Byte dumps as zmtp.md writes them ("04 29 05 52 ..."), and text as bytes, for codec tests.

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace shardmq::net::zmtp::testing {

/// The bytes of a hex dump; spaces and newlines are ignored.
inline std::vector<std::byte> from_hex(std::string_view dump) {
  std::vector<std::byte> out;
  int high = -1;
  for (char c : dump) {
    int nibble;
    if (c >= '0' && c <= '9')
      nibble = c - '0';
    else if (c >= 'A' && c <= 'F')
      nibble = c - 'A' + 10;
    else if (c >= 'a' && c <= 'f')
      nibble = c - 'a' + 10;
    else if (c == ' ' || c == '\n')
      continue;
    else
      throw std::invalid_argument("from_hex: bad character");
    if (high < 0) {
      high = nibble;
    } else {
      out.push_back(std::byte(high * 16 + nibble));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("from_hex: odd number of digits");
  return out;
}

/// "4E 55 4C 4C" for the failure messages of byte comparisons.
inline std::string to_hex(std::span<const std::byte> bytes) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (std::byte b : bytes) {
    if (!out.empty()) out += ' ';
    out += digits[std::to_integer<int>(b) >> 4];
    out += digits[std::to_integer<int>(b) & 15];
  }
  return out;
}

inline std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

}  // namespace shardmq::net::zmtp::testing
