#pragma once
// Shared scaffolding for the core tests: run code on a reactor and wait for it with a deadline,
// so that a lost wake-up fails a test instead of hanging it.

#include <gtest/gtest.h>
#include <shardmq/core.hpp>

#include <asio/use_future.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <utility>

namespace shardmq::testing {

inline constexpr std::chrono::seconds deadline{20};

/// Waits for `future` and returns its value. Past the deadline the test fails and the process
/// aborts: unwinding would destroy state that handlers still in flight refer to.
template <class T>
T get_within_deadline(std::future<T>& future) {
  if (future.wait_for(deadline) != std::future_status::ready) {
    ADD_FAILURE() << "timed out after " << deadline.count() << " s (lost wake-up or deadlock?)";
    std::fflush(stdout);
    std::abort();
  }
  return future.get();
}

/// Runs `fn` on `core` (from the test thread) and returns its result.
template <class Fn>
auto run_on(engine& e, unsigned core, Fn&& fn) {
  auto future = e.submit_to(core, std::forward<Fn>(fn), asio::use_future);
  return get_within_deadline(future);
}

/// PUs this process may run on.
inline unsigned allowed_pus() { return static_cast<unsigned>(topology::discover().pus().size()); }

/// An engine configuration with `cores` reactors.
inline engine_config test_config(unsigned cores) {
  engine_config config;
  config.cores = cores;
  return config;
}

}  // namespace shardmq::testing

/// Skips the test (with the reason) on a machine with fewer PUs than the test needs.
#define SHARDMQ_REQUIRE_CORES(n)                                                            \
  do {                                                                                      \
    if (::shardmq::testing::allowed_pus() < (n)) GTEST_SKIP() << "needs " << (n) << " PUs"; \
  } while (false)
