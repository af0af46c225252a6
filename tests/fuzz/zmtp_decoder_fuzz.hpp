#pragma once
// The ZMTP decoder fuzz target's entry point and input layout, shared by the libFuzzer build and
// the standalone replay driver (which generates inputs in the same layout).
//
// An input is [limits][split seed][stream...]:
//   limits      bits 0-1 pick decoder_options::max_frame_size (0 = none, 32, 255, 4096);
//               bit 2 sets reject_reserved_flags; bits 3-7 are ignored.
//   split seed  seeds the chunk sizes the stream is cut into for the split runs.
//   stream      what a peer sends: greeting, READY and frames for the null_session runs; the
//               frame_decoder runs skip a leading 64-byte greeting (a stream starting with 0xFF).

#include <cstddef>
#include <cstdint>

namespace shardmq::fuzz {

inline constexpr std::size_t zmtp_control_bytes = 2;

}  // namespace shardmq::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
