#pragma once
// The bits of a ZMTP 3 frame's first byte (RFC 23 section "Framing").

#include <cstdint>

namespace shardmq::net::zmtp {

inline constexpr std::uint8_t flag_more = 0x01;     ///< more frames of this message follow
inline constexpr std::uint8_t flag_long = 0x02;     ///< the size field is 8 bytes, big-endian
inline constexpr std::uint8_t flag_command = 0x04;  ///< the frame is a command
inline constexpr std::uint8_t flags_reserved = 0xF8;

}  // namespace shardmq::net::zmtp
