#pragma once
// Receives take from the peers in turn, one message each, skipping those with nothing queued
// (libzmq's fq).

#include "pipe_rotation.hpp"

namespace shardmq::net::zmq::detail {

/// Round-robin over pipes whose `in` has messages.
class fair_queue {
 public:
  void attach(pipe& p) { pipes_.attach(p, !p.in.empty()); }
  void detach(pipe& p) noexcept { pipes_.detach(p); }
  /// `p.in` got a message (it was empty).
  void activated(pipe& p) noexcept { pipes_.activate(p); }
  /// The pipe to read next, or null when none has a message.
  pipe* pick() noexcept { return pipes_.pick(); }
  /// Call after taking from the picked pipe.
  void received(pipe& p) noexcept { pipes_.used(p, !p.in.empty()); }
  bool has_message() const noexcept { return pipes_.any_usable(); }

 private:
  pipe_rotation<&pipe::fq_index> pipes_;
};

}  // namespace shardmq::net::zmq::detail
