#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <future>
#include <string>
#include <vector>

namespace shardmq::demo {

/// All-to-all traffic: every core sends `messages` requests to every core (itself included, which
/// takes the local path instead of a ring), keeping at most `window` in flight per target so that
/// no ring is flooded and the run measures steady-state flow rather than overflow handling.
///
/// Each core writes only its own rows of counters; the main thread reads them after wait().
class mesh_exchange {
 public:
  mesh_exchange(unsigned cores, unsigned messages, unsigned window);

  /// Starts the calling reactor's sends and returns at once; replies keep the windows full.
  void start_on_this_core();
  /// True once every core has had all its replies; false if `timeout` passed first.
  bool wait(std::chrono::steady_clock::duration timeout);
  /// After a successful wait: one line per mismatch, empty when every checksum agrees.
  std::vector<std::string> verify() const;

  /// Round trips in the whole exchange (each is one request and one reply).
  std::uint64_t round_trips() const noexcept { return std::uint64_t{cores_} * cores_ * messages_; }

 private:
  /// Counters of one ordered pair, kept by one core: its sends to `peer` and what `peer` sent it.
  /// A cache line each, so that two cores never write the same line.
  struct alignas(64) pair_tally {
    std::uint64_t next_sequence = 0;  // next request to send to peer
    std::uint64_t sent_sum = 0;       // sum of the payloads sent to peer (wrapping)
    std::uint64_t replies = 0;        // replies received from peer
    std::uint64_t bad_replies = 0;    // replies that did not come from peer's core or had the wrong value
    std::uint64_t errors = 0;         // submissions that completed with an exception
    std::uint64_t received = 0;       // requests from peer run here
    std::uint64_t received_sum = 0;   // sum of their payloads (wrapping)
  };
  struct alignas(64) core_tally {
    std::uint64_t completed = 0;
    std::promise<void> done;
  };

  pair_tally& pair(unsigned owner, unsigned peer) noexcept { return pairs_[owner * cores_ + peer]; }
  const pair_tally& pair(unsigned owner, unsigned peer) const noexcept {
    return pairs_[owner * cores_ + peer];
  }
  void send_next(unsigned from, unsigned target);
  std::uint64_t on_request(unsigned from, std::uint64_t payload);
  void on_reply(unsigned from, unsigned target, std::uint64_t payload, std::exception_ptr error,
                std::uint64_t reply);

  unsigned cores_;
  unsigned messages_;
  unsigned window_;
  std::vector<pair_tally> pairs_;  // [owner * cores + peer]
  std::vector<core_tally> per_core_;
  std::vector<std::future<void>> done_;
};

}  // namespace shardmq::demo
