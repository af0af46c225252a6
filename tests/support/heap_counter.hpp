#pragma once
// Counts heap allocations of the whole process while enabled. Linking heap_counter.cpp into a
// test binary replaces malloc and friends (aligned_alloc and posix_memalign included: Asio uses
// them) and every operator new; so such a binary cannot also run under ASan.

#include <cstdint>

namespace shardmq::testing {

/// Starts counting from zero.
void start_counting_allocations() noexcept;
/// Stops counting and returns how many allocations happened since start.
std::uint64_t stop_counting_allocations() noexcept;

}  // namespace shardmq::testing
