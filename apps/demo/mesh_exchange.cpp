#include "mesh_exchange.hpp"

#include "checksum.hpp"

#include <shardmq/core/engine.hpp>
#include <shardmq/core/reactor.hpp>

#include <algorithm>

namespace shardmq::demo {

mesh_exchange::mesh_exchange(unsigned cores, unsigned messages, unsigned window)
    : cores_(cores),
      messages_(messages),
      window_(window),
      pairs_(std::size_t{cores} * cores),
      per_core_(cores) {
  for (core_tally& tally : per_core_) done_.push_back(tally.done.get_future());
}

void mesh_exchange::start_on_this_core() {
  const unsigned from = this_core();
  if (messages_ == 0) {
    per_core_[from].done.set_value();
    return;
  }
  const unsigned first_burst = std::min(window_, messages_);
  for (unsigned target = 0; target < cores_; ++target) {
    for (unsigned i = 0; i < first_burst; ++i) send_next(from, target);
  }
}

void mesh_exchange::send_next(unsigned from, unsigned target) {
  pair_tally& tally = pair(from, target);
  const std::uint64_t payload = payload_of(from, target, tally.next_sequence++);
  tally.sent_sum += payload;
  submit_to(
      target, [this, from, payload] { return on_request(from, payload); },
      [this, from, target, payload](std::exception_ptr error, std::uint64_t reply) {
        on_reply(from, target, payload, std::move(error), reply);
      });
}

// Runs on the target core.
std::uint64_t mesh_exchange::on_request(unsigned from, std::uint64_t payload) {
  const unsigned here = this_core();
  pair_tally& tally = pair(here, from);
  ++tally.received;
  tally.received_sum += payload;
  return reply_of(payload, here);
}

// Runs back on the sending core.
void mesh_exchange::on_reply(unsigned from, unsigned target, std::uint64_t payload, std::exception_ptr error,
                             std::uint64_t reply) {
  pair_tally& tally = pair(from, target);
  ++tally.replies;
  if (error) {
    // Only a shutdown aborts a submission; sending more would only be aborted too.
    ++tally.errors;
    return;
  }
  if (reply != reply_of(payload, target)) ++tally.bad_replies;
  if (tally.next_sequence < messages_) send_next(from, target);
  if (++per_core_[from].completed == std::uint64_t{cores_} * messages_) per_core_[from].done.set_value();
}

bool mesh_exchange::wait(std::chrono::steady_clock::duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  return std::all_of(done_.begin(), done_.end(), [&](std::future<void>& done) {
    return done.wait_until(deadline) == std::future_status::ready;
  });
}

std::vector<std::string> mesh_exchange::verify() const {
  std::vector<std::string> problems;
  for (unsigned from = 0; from < cores_; ++from) {
    for (unsigned to = 0; to < cores_; ++to) {
      const pair_tally& sender = pair(from, to);
      const pair_tally& receiver = pair(to, from);
      const std::uint64_t expected_sum = sender.sent_sum;
      const std::string route = "core " + std::to_string(from) + " -> core " + std::to_string(to) + ": ";
      if (receiver.received != messages_ || receiver.received_sum != expected_sum) {
        problems.push_back(route + std::to_string(receiver.received) + " of " + std::to_string(messages_) +
                           " requests arrived" +
                           (receiver.received_sum != expected_sum ? ", checksum differs" : ""));
      }
      if (sender.replies != messages_ || sender.bad_replies != 0 || sender.errors != 0) {
        problems.push_back(route + std::to_string(sender.replies) + " replies, " +
                           std::to_string(sender.bad_replies) + " wrong, " + std::to_string(sender.errors) +
                           " failed");
      }
    }
  }
  return problems;
}

}  // namespace shardmq::demo
