#pragma once
// The pipes a socket takes turns over, with the usable ones (room to send, or a message to
// receive) at the front of the array so that finding the next one is O(1): the shared core of
// libzmq's lb and fq. `Index` is the pipe's own record of its slot, one per rotation.

#include "pipe.hpp"

#include <cstddef>
#include <utility>
#include <vector>

namespace shardmq::net::zmq::detail {

template <std::size_t pipe::*Index>
class pipe_rotation {
 public:
  void attach(pipe& p, bool usable) {
    if (p.*Index != pipe::npos) return;
    pipes_.push_back(&p);
    p.*Index = pipes_.size() - 1;
    if (usable) activate(p);
  }

  void detach(pipe& p) noexcept {
    std::size_t index = p.*Index;
    if (index == pipe::npos) return;
    if (index < active_) {
      --active_;
      swap_slots(index, active_);
      index = active_;
      if (current_ >= active_) current_ = 0;
    }
    swap_slots(index, pipes_.size() - 1);
    pipes_.pop_back();
    p.*Index = pipe::npos;
  }

  /// `p` became usable.
  void activate(pipe& p) noexcept {
    if (p.*Index == pipe::npos || p.*Index < active_) return;
    swap_slots(p.*Index, active_);
    ++active_;
  }

  /// The next usable pipe, or null.
  pipe* pick() noexcept {
    if (active_ == 0) return nullptr;
    if (current_ >= active_) current_ = 0;
    return pipes_[current_];
  }

  /// After using the picked pipe: it leaves the usable ones if it is no longer usable (the slot
  /// then holds the next one), else the turn moves on.
  void used(pipe& p, bool still_usable) noexcept {
    if (p.*Index == pipe::npos) return;
    if (!still_usable && p.*Index < active_) {
      --active_;
      swap_slots(p.*Index, active_);
      return;
    }
    ++current_;
    if (current_ >= active_) current_ = 0;
  }

  bool any_usable() const noexcept { return active_ > 0; }
  bool empty() const noexcept { return pipes_.empty(); }

 private:
  void swap_slots(std::size_t a, std::size_t b) noexcept {
    if (a == b) return;
    std::swap(pipes_[a], pipes_[b]);
    pipes_[a]->*Index = a;
    pipes_[b]->*Index = b;
  }

  std::vector<pipe*> pipes_;
  std::size_t active_ = 0;   // pipes_[0, active_) are usable
  std::size_t current_ = 0;  // the next to use, within the usable ones
};

}  // namespace shardmq::net::zmq::detail
