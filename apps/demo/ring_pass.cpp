#include "ring_pass.hpp"

#include "checksum.hpp"

#include <shardmq/core/engine.hpp>
#include <shardmq/core/reactor.hpp>

#include <exception>

namespace shardmq::demo {

ring_pass::ring_pass(unsigned cores, unsigned laps)
    : cores_(cores), laps_(laps), finished_future_(finished_.get_future()) {}

void ring_pass::start_on_this_core() { arrive(token{}); }

void ring_pass::arrive(token carried) {
  const unsigned here = this_core();
  carried.trail = extend_trail(carried.trail, here);
  if (carried.hops == hops()) {
    finished_.set_value(arrival{carried, here});
    return;
  }
  ++carried.hops;
  // The completion only reports failure: the token itself travels in the function.
  submit_to((here + 1) % cores_, [this, carried] { arrive(carried); },
            [this](std::exception_ptr error) {
              if (error) failures_.fetch_add(1, std::memory_order_relaxed);
            });
}

bool ring_pass::wait(std::chrono::steady_clock::duration timeout) {
  if (finished_future_.wait_for(timeout) != std::future_status::ready) return false;
  result_ = finished_future_.get();
  return true;
}

std::vector<std::string> ring_pass::verify() const {
  std::uint64_t expected_trail = 0;
  for (std::uint64_t hop = 0; hop <= hops(); ++hop)
    expected_trail = extend_trail(expected_trail, hop % cores_);
  std::vector<std::string> problems;
  if (result_.final.hops != hops() || result_.core != 0) {
    problems.push_back("ring: the token ended on core " + std::to_string(result_.core) + " after " +
                       std::to_string(result_.final.hops) + " hops, expected core 0 after " +
                       std::to_string(hops()));
  }
  if (result_.final.trail != expected_trail)
    problems.push_back("ring: the token visited the cores out of order");
  if (const std::uint64_t failed = failures_.load(); failed != 0) {
    problems.push_back("ring: " + std::to_string(failed) + " hops failed");
  }
  return problems;
}

}  // namespace shardmq::demo
