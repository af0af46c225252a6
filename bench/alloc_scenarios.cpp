#include "alloc_scenarios.hpp"

#include "alloc_timing_loops.hpp"

#include <algorithm>

namespace shardmq::bench {

alloc_bench_sizes alloc_bench_sizes::quick(std::uint64_t divisor) const {
  auto scale = [divisor](std::uint64_t n) { return std::max<std::uint64_t>(16, n / divisor); };
  alloc_bench_sizes s;
  s.pairs = scale(pairs);
  s.batches = scale(batches);
  s.cross_core_objects = scale(cross_core_objects);
  s.buffer_round_trips = scale(buffer_round_trips);
  s.first_use_bytes = std::size_t{64} << 20;
  s.first_use_rounds = 1;
  return s;
}

namespace alloc_scenario_name {
std::string pair(const std::string& allocator, std::size_t size) {
  return allocator + "_pair_" + std::to_string(size);
}
std::string batch(const std::string& allocator) {
  return allocator + "_batch_" + std::to_string(small_block);
}
std::string cross_core(const std::string& allocator) { return allocator + "_cross_core_free"; }
}  // namespace alloc_scenario_name

namespace {

namespace name = alloc_scenario_name;
using run_fn = std::function<std::optional<measurement>()>;

alloc_scenario ns_scenario(std::string scenario_name, run_fn run) {
  return {std::move(scenario_name), "ns", reported_as::ns_per_operation, 0, std::move(run)};
}

// The allocators of the single-thread patterns, as (name, allocate, deallocate) triples handed to
// `visit`. core_pool and the free list are called inline, as their users call them; the static
// jemalloc directly; the shared libraries through the pointers dlsym returned.
template <class Visit>
void for_each_allocator(alloc_bench_context& c, trivial_free_list& list, Visit&& visit) {
  visit(
      name::ours, [&c](std::size_t n) { return c.pool.allocate(n); },
      [](void* p) { alloc::core_pool::deallocate(p); });
  visit(
      name::free_list, [&list](std::size_t) { return list.allocate(); },
      [&list](void* p) { list.deallocate(p); });
  for (const allocator_baseline* b : {&c.baselines.glibc, &c.baselines.mimalloc, &c.baselines.jemalloc}) {
    visit(b->name, b->allocate, b->deallocate);
  }
  visit(
      c.baselines.jemalloc_static.name, [](std::size_t n) { return sjem_malloc(n); },
      [](void* p) { sjem_free(p); });
}

}  // namespace

std::vector<alloc_scenario> alloc_scenarios(alloc_bench_context& c) {
  std::vector<alloc_scenario> scenarios;

  for (const std::size_t size : {small_block, medium_block}) {
    trivial_free_list& list = size == small_block ? c.small_free_list : c.medium_free_list;
    for_each_allocator(c, list, [&](const std::string& allocator, auto allocate, auto deallocate) {
      scenarios.push_back(ns_scenario(name::pair(allocator, size), [&c, size, allocate, deallocate] {
        return time_alloc_free_pairs(c.sizes.pairs, size, allocate, deallocate);
      }));
    });
  }

  for_each_allocator(c, c.small_free_list, [&](const std::string& allocator, auto allocate, auto deallocate) {
    scenarios.push_back(ns_scenario(name::batch(allocator), [&c, allocate, deallocate] {
      return time_alloc_free_batches(c.sizes.batches, batch_size, small_block, allocate, deallocate);
    }));
  });

  scenarios.push_back({name::cross_core(name::ours), "objects/s", reported_as::per_second, 0, [&c] {
                         return cross_core_free_core_pool(c.threads, c.sizes.cross_core_objects, small_block);
                       }});
  for (const allocator_baseline* b : {&c.baselines.glibc, &c.baselines.mimalloc}) {
    scenarios.push_back({name::cross_core(b->name), "objects/s", reported_as::per_second, 0, [&c, b] {
                           return cross_core_free_baseline(c.threads, *b, c.sizes.cross_core_objects,
                                                           small_block);
                         }});
  }

  for (const bool pre_touch : {true, false}) {
    scenarios.push_back({pre_touch ? name::first_use_pre_touched : name::first_use_cold, "ns",
                         reported_as::ns_per_operation, c.sizes.first_use_rounds, [&c, pre_touch] {
                           double construction = 0;
                           const measurement m = first_use(c.sizes.first_use_bytes, pre_touch, construction);
                           first_use_costs& costs = pre_touch ? c.pre_touched_costs : c.cold_costs;
                           costs.construction_seconds.push_back(construction);
                           costs.first_use_seconds.push_back(m.seconds);
                           return m;
                         }});
  }

  scenarios.push_back(ns_scenario(name::buffer_pool, [&c] {
    return buffer_pool_acquire_release(c.sizes.buffer_round_trips, buffer_bytes);
  }));
  scenarios.push_back(ns_scenario(name::buffer_new_delete, [&c] {
    return time_alloc_free_pairs(
        c.sizes.buffer_round_trips, buffer_bytes,
        [](std::size_t n) { return static_cast<void*>(new std::byte[n]); },
        [](void* p) { delete[] static_cast<std::byte*>(p); });
  }));
  scenarios.push_back(ns_scenario(name::buffer_free_list, [&c] {
    return time_alloc_free_pairs(
        c.sizes.buffer_round_trips, buffer_bytes, [&c](std::size_t) { return c.buffer_free_list.allocate(); },
        [&c](void* p) { c.buffer_free_list.deallocate(p); });
  }));
  return scenarios;
}

}  // namespace shardmq::bench
