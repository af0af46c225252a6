#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace shardmq {
class engine;
}

namespace shardmq::demo {

/// Calls every core `per_core` times with engine::submit_from_outside from the calling thread
/// (not a reactor), the way a program hands work to shardmq, and checks each answer came from
/// the core it was sent to. Returns one line per problem, empty when all answers are right.
std::vector<std::string> run_outside_calls(engine& engine, unsigned per_core,
                                           std::chrono::steady_clock::duration timeout);

}  // namespace shardmq::demo
