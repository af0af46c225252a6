#pragma once
// What the load client sends, so that it can check every echoed byte cheaply. Message `seq` of
// connection `conn` is an 8-byte header (seq and conn, little-endian, cut to the message size)
// followed by a window of a fixed pseudo-random block at an offset that depends on both. A copied
// window makes sending a memcpy and checking a memcmp; a dropped, repeated, reordered or swapped
// message lands on another window or header and fails the comparison, as does any flipped byte.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

namespace shardmq::bench {

class echo_message_pattern {
 public:
  explicit echo_message_pattern(std::size_t message_size)
      : size_(message_size), block_(window_count + message_size) {
    std::uint64_t state = 0x9e3779b97f4a7c15ULL;  // xorshift64: fixed, so runs are comparable
    for (auto& byte : block_) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      byte = static_cast<unsigned char>(state >> 32);
    }
  }

  std::size_t size() const noexcept { return size_; }

  void fill(unsigned char* out, std::uint64_t conn, std::uint64_t seq) const noexcept {
    unsigned char header[header_size];
    write_header(header, conn, seq);
    const std::size_t head = std::min(size_, header_size);
    std::memcpy(out, header, head);
    if (size_ > head) std::memcpy(out + head, window(conn, seq), size_ - head);
  }

  /// The offset of the first byte that differs from message `seq` of `conn`, if any.
  std::optional<std::size_t> first_mismatch(const unsigned char* in, std::uint64_t conn,
                                            std::uint64_t seq) const noexcept {
    unsigned char header[header_size];
    write_header(header, conn, seq);
    const std::size_t head = std::min(size_, header_size);
    const unsigned char* body = window(conn, seq);
    if (std::memcmp(in, header, head) == 0 && std::memcmp(in + head, body, size_ - head) == 0) {
      return std::nullopt;
    }
    for (std::size_t i = 0; i < size_; ++i) {
      if (in[i] != expected_byte(header, body, i)) return i;
    }
    return std::nullopt;
  }

  /// Byte i of message `seq` of `conn`, for error messages.
  unsigned char expected(std::uint64_t conn, std::uint64_t seq, std::size_t i) const noexcept {
    unsigned char header[header_size];
    write_header(header, conn, seq);
    return expected_byte(header, window(conn, seq), i);
  }

 private:
  static constexpr std::size_t header_size = 8;
  static constexpr std::size_t window_count = 65521;  // prime: offsets do not cycle with seq

  static void write_header(unsigned char* out, std::uint64_t conn, std::uint64_t seq) noexcept {
    const std::uint64_t value = seq ^ (conn << 40);
    for (std::size_t i = 0; i < header_size; ++i) out[i] = static_cast<unsigned char>(value >> (8 * i));
  }

  const unsigned char* window(std::uint64_t conn, std::uint64_t seq) const noexcept {
    const std::uint64_t mixed = seq * 0x9e3779b1ULL + conn * 0x85ebca6bULL;
    return block_.data() + mixed % window_count;
  }

  unsigned char expected_byte(const unsigned char* header, const unsigned char* body,
                              std::size_t i) const noexcept {
    const std::size_t head = std::min(size_, header_size);
    return i < head ? header[i] : body[i - head];
  }

  std::size_t size_;
  std::vector<unsigned char> block_;
};

}  // namespace shardmq::bench
