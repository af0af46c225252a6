// shardmq-bench-alloc: core_pool against glibc malloc, mimalloc, jemalloc (shared and static) and a
// trivial free list; cross-core frees; first use of a pre-touched pool; buffer acquire/release.
// Prints RESULT lines (bench/result_line.hpp) from paired rounds. See bench/README.md.

#include "alloc_scenarios.hpp"
#include "alloc_summary.hpp"
#include "allocator_baselines.hpp"
#include "paired_command_line.hpp"
#include "result_line.hpp"

#include <shardmq/alloc/core_pool.hpp>
#include <shardmq/core/topology.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

namespace {

constexpr const char* usage_text = R"(usage: shardmq-bench-alloc [options]

Compares shardmq's core_pool with glibc malloc/free, mimalloc, jemalloc (shared library and
statically linked) and a trivial single-size free list, and prints one line per comparison:
  RESULT <name> ours=<v> base=<v> ratio=<ours/base> unit=<u> better=<higher|lower> goal=<ratio>
Comparisons without a goal in the issue are NOTE lines in the same form with goal=none.

Scenarios: alloc+free pairs of 64 and 512 B; 1000 allocations then 1000 frees of 64 B; objects
allocated on PU A and freed on PU B (core_pool's remote-free path); first use of a 1 GiB pool,
pre-touched or not; 16 KiB buffer acquire/release (ours pending the buffer pool).

options:
  --pairs N   rounds (default 11); each round runs every scenario once, the order alternating
              round by round; ratio = median of the per-round ratios. The 1 GiB first-use runs
              take part in the first 5 rounds only.
  --quick     smoke run in a few seconds: 2 rounds, runs 100x shorter, a 64 MiB first-use pool
              in 1 round
  --help      this text

mimalloc and jemalloc are loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) and the static jemalloc
is linked with renamed symbols, so glibc stays the process malloc (checked at start-up). jemalloc
needs more static TLS than glibc reserves for dlopen: the program re-executes itself once with
GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384 unless that tunable is already set.
)";

/// Our flags: --pairs (default 11), --quick (2 pairs) and --help; anything else is an error.
shardmq::bench::paired_command_line parse_options(int argc, char** argv) {
  shardmq::bench::paired_command_line options{"shardmq-bench-alloc", usage_text, 11, 2};
  options.parse(argc, argv);
  return options;
}

/// Two PUs for the owner and the freeing thread; on a one-PU mask both run on it (and say so).
std::vector<shardmq::cpu_slot> choose_slots(const shardmq::topology& machine) {
  if (machine.pus().size() >= 2) return machine.choose(2);
  shardmq::bench::print_note("only one PU allowed: the cross-core runs share it, their figures mean little");
  return {machine.pus().front(), machine.pus().front()};
}

std::string transparent_huge_pages_mode() {
  std::ifstream file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  std::getline(file, mode);
  return mode.empty() ? "unknown" : mode;
}

void print_setup_notes(const shardmq::topology& machine, const std::vector<shardmq::cpu_slot>& slots,
                       bool pinned, const shardmq::bench::alloc_bench_sizes& sizes) {
  using shardmq::bench::print_note;
  print_note("machine: " + machine.describe() + "; single-thread runs on PU " + std::to_string(slots[0].pu) +
             (pinned ? " (pinned)" : " (UNPINNED)") + "; cross-core: owner PU " +
             std::to_string(slots[0].pu) + " -> freeing thread PU " + std::to_string(slots[1].pu));
  print_note(
      "method: ours (core_pool bound to the thread) and the free list are called inline; the static "
      "jemalloc directly; glibc, mimalloc and jemalloc through the pointers dlsym returned, as a shared "
      "library is called. Every variant gets the size as a run-time value, writes one byte per block "
      "and escapes the pointer (asm volatile, memory clobber), so no allocation is elided");
  print_note("sizes per run: " + std::to_string(sizes.pairs) + " pairs, " + std::to_string(sizes.batches) +
             " batches of 1000, " + std::to_string(sizes.cross_core_objects) +
             " cross-core objects (window " + std::to_string(shardmq::bench::cross_core_window) +
             ", push 16, pop 128), " + std::to_string(sizes.buffer_round_trips) +
             " buffer round trips, first use " + std::to_string(sizes.first_use_bytes >> 20) +
             " MiB in 4 KiB blocks (memset) in " + std::to_string(sizes.first_use_rounds) +
             " rounds; transparent huge pages: " + transparent_huge_pages_mode() +
             " (the pools do not ask for them here)");
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse_options(argc, argv);
  shardmq::bench::reserve_static_tls_for_dlopen(argv);

  try {
    const shardmq::bench::allocator_baselines baselines = shardmq::bench::load_allocator_baselines();
    for (const std::string& line : shardmq::bench::describe_allocator_binding(baselines)) {
      shardmq::bench::print_note(line);
    }

    const shardmq::topology machine = shardmq::topology::discover();
    const std::vector<shardmq::cpu_slot> slots = choose_slots(machine);
    std::string reason;
    const bool pinned = machine.pin_this_thread(slots[0], &reason);
    if (!pinned)
      std::fprintf(stderr, "shardmq-bench-alloc: cannot pin the main thread (%s)\n", reason.c_str());

    shardmq::alloc::core_pool pool;
    pool.bind_to_this_thread();
    shardmq::bench::alloc_bench_sizes sizes;
    if (options.quick) sizes = sizes.quick(100);
    print_setup_notes(machine, slots, pinned, sizes);

    shardmq::bench::alloc_bench_context context{
        baselines, shardmq::bench::pinned_pair(machine, slots[0], slots[1]), sizes, pool};
    const std::vector<shardmq::bench::alloc_scenario> scenarios = shardmq::bench::alloc_scenarios(context);
    shardmq::bench::run_alloc_summary(scenarios, context, options.pairs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shardmq-bench-alloc: %s\n", e.what());
    return 1;
  }
  return 0;
}
