#pragma once
// Turns the bytes after the greeting into frames, one at a time, from any split of the stream.
// The connection feeds it each received slice: a body that arrived whole and is too large to
// inline is handed out as a share of that slice (no copy); a body split across reads is
// assembled inline (small) or in a buffer from the pool (large).

#include <shardmq/alloc/buffer_pool.hpp>
#include <shardmq/alloc/slice.hpp>
#include <shardmq/net/zmq/frame.hpp>
#include <shardmq/net/zmtp/error.hpp>
#include <shardmq/net/zmtp/frame_flags.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace shardmq::net::zmtp {

/// Limits and strictness of a frame_decoder.
struct decoder_options {
  /// Largest frame body accepted, as libzmq's ZMQ_MAXMSGSIZE (which also applies per frame);
  /// 0 means no limit beyond the protocol's 2^63 - 1.
  std::uint64_t max_frame_size = 0;
  /// libzmq ignores the reserved flag bits 3..7; so do we unless this is set.
  bool reject_reserved_flags = false;
};

/// One decoded frame: a message part or, with `command`, a command body (name-len, name, data).
struct decoded_frame {
  zmq::frame body;
  bool more = false;
  bool command = false;
};

/// What decode() produced.
enum class decode_status {
  need_more,  ///< the input is used up without completing a frame
  frame,      ///< `out` holds the next frame
  error,      ///< the stream is bad; error() says why and the decoder stays failed
};

/// The incremental ZMTP 3 frame decoder. One per connection, on that connection's core.
class frame_decoder {
 public:
  /// Large bodies that arrive split are assembled in buffers of `pool`, which must outlive them.
  explicit frame_decoder(alloc::buffer_pool& pool, decoder_options options = {}) noexcept
      : pool_(&pool), options_(options) {}

  /// Decodes from the front of `input`, trimming what it consumed. Whole large bodies become
  /// shares of `input`'s buffer.
  decode_status decode(alloc::slice& input, decoded_frame& out);
  /// As above from plain bytes (tests, fuzzing): large bodies are copied into pool buffers.
  decode_status decode(std::span<const std::byte>& input, decoded_frame& out);

  /// Call at end of input: a partly received frame becomes errc::truncated. Returns error().
  const zmtp::error& finish() noexcept;
  const zmtp::error& error() const noexcept { return error_; }
  /// True between the first byte of a frame and its last.
  bool mid_frame() const noexcept { return state_ != state::flags; }

 private:
  enum class state : std::uint8_t { flags, size, body };

  decode_status decode_bytes(std::span<const std::byte> input, const alloc::slice* source,
                             std::size_t& consumed, decoded_frame& out);
  decode_status begin_body(std::span<const std::byte> rest, const alloc::slice* source, std::size_t& consumed,
                           decoded_frame& out);
  decode_status emit(decoded_frame& out);
  decode_status fail(errc code, std::string_view reason) noexcept;

  alloc::buffer_pool* pool_;
  decoder_options options_;
  state state_ = state::flags;
  std::uint8_t flags_ = 0;
  std::uint8_t size_bytes_needed_ = 0;
  std::uint8_t size_bytes_got_ = 0;
  std::array<std::byte, 8> size_bytes_{};
  std::uint64_t body_size_ = 0;
  std::uint64_t body_got_ = 0;
  std::array<std::byte, zmq::frame::inline_capacity> small_body_{};  // a small body being assembled
  alloc::slice large_body_;                                          // a large body being assembled
  zmtp::error error_;
};

}  // namespace shardmq::net::zmtp
