#pragma once
// Sends go to the peers in turn, skipping those at their high-water mark (libzmq's lb). The
// pipes with room sit at the front of the array, so picking one is O(1).

#include "pipe.hpp"

#include <vector>

namespace shardmq::net::zmq::detail {

/// Round-robin over pipes whose `out` has room.
class load_balancer {
 public:
  void attach(pipe& p);
  void detach(pipe& p) noexcept;
  /// `p.out` has room again.
  void activated(pipe& p) noexcept;
  /// The next pipe with room, or null when all are full (or none is attached).
  pipe* pick() noexcept;
  /// Call after pushing to the picked pipe: deactivates it if it became full and moves on.
  void sent(pipe& p) noexcept;
  bool has_room() const noexcept { return active_ > 0; }
  bool empty() const noexcept { return pipes_.empty(); }

 private:
  void swap_slots(std::size_t a, std::size_t b) noexcept;
  std::vector<pipe*> pipes_;
  std::size_t active_ = 0;   // pipes_[0, active_) have room
  std::size_t current_ = 0;  // next to use, within the active ones
};

}  // namespace shardmq::net::zmq::detail
