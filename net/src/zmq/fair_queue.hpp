#pragma once
// Receives take from the peers in turn, one message each, skipping those with nothing queued
// (libzmq's fq). Pipes with messages sit at the front of the array.

#include "pipe.hpp"

#include <vector>

namespace shardmq::net::zmq::detail {

/// Round-robin over pipes whose `in` has messages.
class fair_queue {
 public:
  void attach(pipe& p);
  void detach(pipe& p) noexcept;
  /// `p.in` got a message (it was empty).
  void activated(pipe& p) noexcept;
  /// The pipe to read next, or null when none has a message.
  pipe* pick() noexcept;
  /// Call after taking from the picked pipe: deactivates it if now empty and moves on.
  void received(pipe& p) noexcept;
  bool has_message() const noexcept { return active_ > 0; }

 private:
  void swap_slots(std::size_t a, std::size_t b) noexcept;
  std::vector<pipe*> pipes_;
  std::size_t active_ = 0;
  std::size_t current_ = 0;
};

}  // namespace shardmq::net::zmq::detail
