#pragma once
// An accepted descriptor handed from the accepting core to the one it was placed on.

#include <shardmq/net/tcp_stack.hpp>

#include <unistd.h>

#include <utility>

namespace shardmq::net::detail {

/// An accepted descriptor on its way to another core: closed (and its placement given back) if
/// the hand-off is aborted because the engine stops.
class descriptor_in_transit {
 public:
  descriptor_in_transit(int fd, tcp_stack& stack, unsigned core) : fd_(fd), stack_(&stack), core_(core) {}
  descriptor_in_transit(descriptor_in_transit&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), stack_(other.stack_), core_(other.core_) {}
  descriptor_in_transit& operator=(descriptor_in_transit&&) = delete;
  ~descriptor_in_transit() {
    if (fd_ < 0) return;
    ::close(fd_);
    stack_->unplace(core_);
  }
  int take() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_;
  tcp_stack* stack_;
  unsigned core_;
};

}  // namespace shardmq::net::detail
