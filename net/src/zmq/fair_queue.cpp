#include "fair_queue.hpp"

#include <utility>

namespace shardmq::net::zmq::detail {

void fair_queue::swap_slots(std::size_t a, std::size_t b) noexcept {
  if (a == b) return;
  std::swap(pipes_[a], pipes_[b]);
  pipes_[a]->fq_index = a;
  pipes_[b]->fq_index = b;
}

void fair_queue::attach(pipe& p) {
  if (p.fq_index != pipe::npos) return;
  pipes_.push_back(&p);
  p.fq_index = pipes_.size() - 1;
  if (!p.in.empty()) activated(p);
}

void fair_queue::detach(pipe& p) noexcept {
  std::size_t index = p.fq_index;
  if (index == pipe::npos) return;
  if (index < active_) {
    --active_;
    swap_slots(index, active_);
    index = active_;
    if (current_ >= active_) current_ = 0;
  }
  swap_slots(index, pipes_.size() - 1);
  pipes_.pop_back();
  p.fq_index = pipe::npos;
}

void fair_queue::activated(pipe& p) noexcept {
  if (p.fq_index == pipe::npos || p.fq_index < active_) return;
  swap_slots(p.fq_index, active_);
  ++active_;
}

pipe* fair_queue::pick() noexcept {
  if (active_ == 0) return nullptr;
  if (current_ >= active_) current_ = 0;
  return pipes_[current_];
}

void fair_queue::received(pipe& p) noexcept {
  if (p.fq_index == pipe::npos) return;
  if (p.in.empty() && p.fq_index < active_) {
    --active_;
    swap_slots(p.fq_index, active_);
    return;
  }
  ++current_;
  if (current_ >= active_) current_ = 0;
}

}  // namespace shardmq::net::zmq::detail
