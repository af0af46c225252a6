#pragma once
// Decoding a byte stream in every way a connection could receive it (whole, in chunks, in two
// parts, as spans or as slices of a pool buffer) into comparable frames.

#include <shardmq/alloc/buffer_pool.hpp>
#include <shardmq/net/zmtp/frame_decoder.hpp>
#include <shardmq/net/zmtp/frame_encoder.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace shardmq::net::zmtp::testing {

/// A decoded frame as plain values.
struct decoded {
  std::string body;
  bool more = false;
  bool command = false;
  bool operator==(const decoded&) const = default;
};
inline std::ostream& operator<<(std::ostream& out, const decoded& d) {
  return out << "{" << d.body.size() << " B" << (d.more ? " more" : "") << (d.command ? " command" : "")
             << "}";
}

inline decoded to_decoded(const decoded_frame& f) { return {std::string(f.body.text()), f.more, f.command}; }

/// Frames of `stream` fed to one decoder `chunk` bytes at a time (0: all at once). A decoder
/// error ends the list with a frame whose body is the reason.
inline std::vector<decoded> decode_all(alloc::buffer_pool& pool, std::span<const std::byte> stream,
                                       std::size_t chunk = 0) {
  frame_decoder decoder(pool);
  std::vector<decoded> frames;
  if (chunk == 0) chunk = stream.size() == 0 ? 1 : stream.size();
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    std::span<const std::byte> input = stream.subspan(at, std::min(chunk, stream.size() - at));
    decoded_frame out;
    decode_status status;
    while ((status = decoder.decode(input, out)) == decode_status::frame) frames.push_back(to_decoded(out));
    if (status == decode_status::error) {
      frames.push_back({"error: " + std::string(decoder.error().reason)});
      return frames;
    }
    EXPECT_TRUE(input.empty());
  }
  if (decoder.finish()) frames.push_back({"error: " + std::string(decoder.error().reason)});
  return frames;
}

/// A slice of a pool buffer holding a copy of `bytes`.
inline alloc::slice received_slice(alloc::buffer_pool& pool, std::span<const std::byte> bytes) {
  alloc::slice buffer = pool.acquire(bytes.empty() ? 1 : bytes.size());
  if (!bytes.empty()) std::memcpy(buffer.data(), bytes.data(), bytes.size());
  buffer.trim_back(buffer.size() - bytes.size());
  return buffer;
}

/// As decode_all, but the stream sits in one pool buffer and is fed as slices of it, `chunk`
/// bytes each, the way a connection feeds its reads.
inline std::vector<decoded> decode_slices(alloc::buffer_pool& pool, std::span<const std::byte> stream,
                                          std::size_t chunk) {
  alloc::slice all = received_slice(pool, stream);
  frame_decoder decoder(pool);
  std::vector<decoded> frames;
  while (!all.empty()) {
    alloc::slice input = all.split_front(std::min(chunk, all.size()));
    decoded_frame out;
    decode_status status;
    while ((status = decoder.decode(input, out)) == decode_status::frame) frames.push_back(to_decoded(out));
    if (status == decode_status::error) {
      frames.push_back({"error: " + std::string(decoder.error().reason)});
      return frames;
    }
  }
  if (decoder.finish()) frames.push_back({"error: " + std::string(decoder.error().reason)});
  return frames;
}

/// The stream cut once at `cut`, fed as two spans or two slices.
inline std::vector<decoded> decode_two_parts(alloc::buffer_pool& pool, std::span<const std::byte> stream,
                                             std::size_t cut, bool as_slices) {
  frame_decoder decoder(pool);
  std::vector<decoded> frames;
  alloc::slice all = received_slice(pool, stream);
  for (int part = 0; part < 2; ++part) {
    const std::size_t from = part == 0 ? 0 : cut;
    const std::size_t size = part == 0 ? cut : stream.size() - cut;
    decoded_frame out;
    decode_status status;
    if (as_slices) {
      alloc::slice input = all.share(from, size);
      while ((status = decoder.decode(input, out)) == decode_status::frame) frames.push_back(to_decoded(out));
    } else {
      std::span<const std::byte> input = stream.subspan(from, size);
      while ((status = decoder.decode(input, out)) == decode_status::frame) frames.push_back(to_decoded(out));
    }
    if (status == decode_status::error) return frames;
  }
  if (decoder.finish()) frames.push_back({"error"});
  return frames;
}

/// A stream with both frame forms around the inline and short/long boundaries, MORE, empty
/// frames and commands.
inline std::vector<std::byte> sample_stream() {
  std::vector<std::byte> stream;
  const auto add = [&](std::size_t size, bool more, bool command, char fill) {
    std::vector<std::byte> body(size, std::byte(fill));
    if (command && size > 0) body[0] = std::byte{static_cast<unsigned char>(size > 1 ? 1 : 0)};
    std::vector<std::byte> frame(encoded_frame_size(size));
    write_frame(frame, body, more, command);
    stream.insert(stream.end(), frame.begin(), frame.end());
  };
  add(2, true, false, 'a');
  add(0, true, false, 'b');
  add(32, true, false, 'c');
  add(33, false, false, 'd');
  add(6, false, true, 'e');
  add(255, true, false, 'f');
  add(256, false, false, 'g');
  add(1000, true, false, 'h');
  add(40, false, true, 'i');
  add(1, false, false, 'j');
  return stream;
}
inline constexpr std::size_t sample_stream_frames = 10;

}  // namespace shardmq::net::zmtp::testing
