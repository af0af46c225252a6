#pragma once
// Sends go to the peers in turn, skipping those at their high-water mark (libzmq's lb).

#include "pipe_rotation.hpp"

namespace shardmq::net::zmq::detail {

/// Round-robin over pipes whose `out` has room.
class load_balancer {
 public:
  void attach(pipe& p) { pipes_.attach(p, !p.out.full()); }
  void detach(pipe& p) noexcept { pipes_.detach(p); }
  /// `p.out` has room again.
  void activated(pipe& p) noexcept { pipes_.activate(p); }
  /// The next pipe with room, or null when all are full (or none is attached).
  pipe* pick() noexcept { return pipes_.pick(); }
  /// Call after pushing to the picked pipe.
  void sent(pipe& p) noexcept { pipes_.used(p, !p.out.full()); }
  bool has_room() const noexcept { return pipes_.any_usable(); }
  bool empty() const noexcept { return pipes_.empty(); }

 private:
  pipe_rotation<&pipe::lb_index> pipes_;
};

}  // namespace shardmq::net::zmq::detail
