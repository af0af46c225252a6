#include "outside_calls.hpp"

#include "checksum.hpp"

#include <shardmq/core/engine.hpp>
#include <shardmq/core/reactor.hpp>

#include <asio/use_future.hpp>

#include <cstdint>
#include <exception>
#include <future>

namespace shardmq::demo {

std::vector<std::string> run_outside_calls(engine& engine, unsigned per_core,
                                           std::chrono::steady_clock::duration timeout) {
  // Marks these payloads apart from the mesh's, which use core numbers as the sender.
  constexpr unsigned outside_sender = 0xFFFF;
  struct call {
    unsigned core;
    std::uint64_t payload;
    std::future<std::uint64_t> reply;
  };
  std::vector<call> calls;
  calls.reserve(std::size_t{engine.core_count()} * per_core);
  // All in flight at once: the outside queue is multi-producer and takes them in a batch.
  for (unsigned sequence = 0; sequence < per_core; ++sequence) {
    for (unsigned core = 0; core < engine.core_count(); ++core) {
      const std::uint64_t payload = payload_of(outside_sender, core, sequence);
      calls.push_back({core, payload,
                       engine.submit_from_outside(
                           core, [payload] { return reply_of(payload, this_core()); }, asio::use_future)});
    }
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> problems;
  unsigned wrong = 0;
  for (call& c : calls) {
    if (c.reply.wait_until(deadline) != std::future_status::ready) {
      problems.push_back("outside: timed out waiting for core " + std::to_string(c.core));
      break;
    }
    try {
      if (c.reply.get() != reply_of(c.payload, c.core)) ++wrong;
    } catch (const std::exception& e) {
      problems.push_back("outside: a call to core " + std::to_string(c.core) + " failed: " + e.what());
      break;
    }
  }
  if (wrong != 0) {
    problems.push_back("outside: " + std::to_string(wrong) +
                       " answers did not come from the core they were sent to");
  }
  return problems;
}

}  // namespace shardmq::demo
