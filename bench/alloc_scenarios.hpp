#pragma once
// The table of timed scenarios of shardmq-bench-alloc. The summary runs each once per round and
// pairs them by name (see alloc_summary.cpp for the comparisons).

#include "allocator_baselines.hpp"
#include "measurement.hpp"
#include "pinned_pair.hpp"
#include "trivial_free_list.hpp"

#include <shardmq/alloc/core_pool.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace shardmq::bench {

inline constexpr std::size_t small_block = 64;
inline constexpr std::size_t medium_block = 512;
inline constexpr std::size_t batch_size = 1000;
inline constexpr std::size_t buffer_bytes = 16 * 1024;
inline constexpr std::size_t first_use_block = 4096;
/// Cross-core hand-off: objects in flight, pushed 16 at a time and popped 128 at a time (the
/// engine's ring capacity, flush_batch and inbound_batch).
inline constexpr std::size_t cross_core_window = 1024;
inline constexpr std::size_t cross_core_push_batch = 16;
inline constexpr std::size_t cross_core_pop_batch = 128;

/// Work per timed run; the defaults take 5-100 ms each on the reference VM.
struct alloc_bench_sizes {
  std::uint64_t pairs = 2'000'000;                     ///< alloc+free pairs per run
  std::uint64_t batches = 2'000;                       ///< batches of batch_size per run
  std::uint64_t cross_core_objects = 1'000'000;        ///< objects handed over per run
  std::uint64_t buffer_round_trips = 1'000'000;        ///< acquire/release per run
  std::size_t first_use_bytes = std::size_t{1} << 30;  ///< pool size of the first-use runs
  /// The first-use runs map, fault and free a GiB each: they take part in this many rounds only.
  unsigned first_use_rounds = 5;

  /// Every count divided by `divisor` (at least 16), the pool for first use at 64 MiB, one round.
  alloc_bench_sizes quick(std::uint64_t divisor) const;
};

/// Construction and first-use times of the first-use pools, for the NOTE that adds them up (the
/// RESULT compares first use only).
struct first_use_costs {
  std::vector<double> construction_seconds;
  std::vector<double> first_use_seconds;
};

/// What the scenarios run on. The main thread is pinned to threads.sender_slot() and owns `pool`.
struct alloc_bench_context {
  const allocator_baselines& baselines;
  pinned_pair threads;  ///< owner on PU slot 0, the freeing thread on slot 1
  alloc_bench_sizes sizes;
  alloc::core_pool& pool;  ///< bound to the main thread: ours in the single-thread scenarios
  trivial_free_list small_free_list{small_block};
  trivial_free_list medium_free_list{medium_block};
  trivial_free_list buffer_free_list{buffer_bytes, 64};
  first_use_costs pre_touched_costs{};
  first_use_costs cold_costs{};
};

enum class reported_as { ns_per_operation, per_second };

/// One timed scenario; `run` returns nullopt when the scenario cannot run yet (the buffer pool).
struct alloc_scenario {
  std::string name;
  std::string unit;
  reported_as kind = reported_as::ns_per_operation;
  unsigned rounds = 0;  ///< takes part in the first `rounds` rounds only; 0: in every round
  std::function<std::optional<measurement>()> run;

  double value(const measurement& m) const {
    return kind == reported_as::per_second ? m.per_second() : m.ns_per_operation();
  }
};

/// Scenario names: "<allocator>_<pattern>", which the summary pairs.
namespace alloc_scenario_name {
std::string pair(const std::string& allocator, std::size_t size);
std::string batch(const std::string& allocator);
std::string cross_core(const std::string& allocator);
inline constexpr const char* ours = "core_pool";
inline constexpr const char* free_list = "free_list";
inline constexpr const char* first_use_pre_touched = "first_use_pre_touched";
inline constexpr const char* first_use_cold = "first_use_cold";
inline constexpr const char* buffer_pool = "buffer_pool_acquire_release";
inline constexpr const char* buffer_new_delete = "buffer_new_delete";
inline constexpr const char* buffer_free_list = "buffer_free_list";
}  // namespace alloc_scenario_name

/// All scenarios, grouped by pattern, ours first in each group. `context` must outlive them.
std::vector<alloc_scenario> alloc_scenarios(alloc_bench_context& context);

// --- cross_core_free.cpp -------------------------------------------------------------------------

/// Objects of `size` bytes allocated on the sender thread from its core_pool, handed through an
/// SPSC ring to the receiver thread, which frees them (core_pool's remote-free path); the owner
/// drains its remote frees after each push. Counts objects back on the owner's free lists, in
/// completion slices (the median slice is the run's figure).
measurement cross_core_free_core_pool(const pinned_pair& threads, std::uint64_t objects, std::size_t size);
/// The same hand-off with a malloc-compatible allocator: allocated on the sender, freed on the
/// receiver. Counts objects freed (there is nothing to return to the owner), in the same slices.
measurement cross_core_free_baseline(const pinned_pair& threads, const allocator_baseline& allocator,
                                     std::uint64_t objects, std::size_t size);

// --- first_use.cpp -------------------------------------------------------------------------------

/// A core_pool reserving `pool_bytes` (pre-touched or not) is built (timed into
/// `construction_seconds`), then the timed part: allocate the whole reserve in first_use_block
/// blocks and write every byte. Everything is freed and the pool destroyed before returning.
measurement first_use(std::size_t pool_bytes, bool pre_touch, double& construction_seconds);

// --- buffer_pool_scenario.cpp --------------------------------------------------------------------

/// HOOK for the buffer pool (issue 3, part 3; alloc/include/shardmq/alloc/buffer_pool.hpp):
/// `round_trips` times acquire a `bytes`-byte buffer on this thread, touch_and_escape its first
/// byte, release it; timed with time_repeated(round_trips, warm_up_pairs, body). Returns nullopt
/// until the buffer pool exists; the summary then prints a NOTE instead of its RESULT line.
std::optional<measurement> buffer_pool_acquire_release(std::uint64_t round_trips, std::size_t bytes);

}  // namespace shardmq::bench
