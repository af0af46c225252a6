#include "load_balancer.hpp"

#include <utility>

namespace shardmq::net::zmq::detail {

void load_balancer::swap_slots(std::size_t a, std::size_t b) noexcept {
  if (a == b) return;
  std::swap(pipes_[a], pipes_[b]);
  pipes_[a]->lb_index = a;
  pipes_[b]->lb_index = b;
}

void load_balancer::attach(pipe& p) {
  if (p.lb_index != pipe::npos) return;
  pipes_.push_back(&p);
  p.lb_index = pipes_.size() - 1;
  if (!p.out.full()) activated(p);
}

void load_balancer::detach(pipe& p) noexcept {
  std::size_t index = p.lb_index;
  if (index == pipe::npos) return;
  if (index < active_) {
    --active_;
    swap_slots(index, active_);
    index = active_;
    if (current_ >= active_) current_ = 0;
  }
  swap_slots(index, pipes_.size() - 1);
  pipes_.pop_back();
  p.lb_index = pipe::npos;
}

void load_balancer::activated(pipe& p) noexcept {
  if (p.lb_index == pipe::npos || p.lb_index < active_) return;
  swap_slots(p.lb_index, active_);
  ++active_;
}

pipe* load_balancer::pick() noexcept {
  if (active_ == 0) return nullptr;
  if (current_ >= active_) current_ = 0;
  return pipes_[current_];
}

void load_balancer::sent(pipe& p) noexcept {
  if (p.lb_index == pipe::npos) return;
  if (p.out.full() && p.lb_index < active_) {
    // The slot at current_ now holds the next active pipe (or current_ == active_ wraps).
    --active_;
    swap_slots(p.lb_index, active_);
    return;
  }
  ++current_;
  if (current_ >= active_) current_ = 0;
}

}  // namespace shardmq::net::zmq::detail
