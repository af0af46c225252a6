#pragma once
// Deterministic payloads, so that each side can check the other without sharing any state.

#include <cstdint>

namespace shardmq::demo {

/// splitmix64: cheap, and every bit of the input moves the output, so a lost or duplicated
/// message changes a sum of payloads.
constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// The payload of request `sequence` from core `from` to core `to`.
constexpr std::uint64_t payload_of(unsigned from, unsigned to, std::uint64_t sequence) noexcept {
  return mix((std::uint64_t{from} << 48) ^ (std::uint64_t{to} << 32) ^ sequence);
}

/// What core `core` answers to `payload`: the reply proves which core ran the request.
constexpr std::uint64_t reply_of(std::uint64_t payload, unsigned core) noexcept {
  return payload ^ mix(0xC0DE0000ULL + core);
}

/// Folds one more visited core into a trail, order-sensitive, so a skipped or repeated hop shows.
constexpr std::uint64_t extend_trail(std::uint64_t trail, unsigned core) noexcept {
  return mix(trail ^ (std::uint64_t{core} + 1));
}

}  // namespace shardmq::demo
