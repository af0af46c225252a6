#include "inproc_registry.hpp"

#include "socket_core.hpp"

#include <system_error>

namespace shardmq::net::zmq::detail {

void inproc_link::move_messages(pipe& from, pipe& to) {
  if (from.out.empty() || to.in.full()) return;
  const bool from_was_full = from.out.full();
  const bool to_was_empty = to.in.empty();
  while (!from.out.empty() && !to.in.full()) to.in.push(from.out.pop());
  if (to_was_empty && !to.in.empty()) to.owner().pipe_in_ready(to);
  if (from_was_full && !from.out.full()) from.owner().pipe_out_space(from);
}

void inproc_link::end::out_ready(pipe& p) {
  if (other != nullptr) move_messages(p, *other);
}

void inproc_link::end::in_space(pipe& p) {
  if (other != nullptr) move_messages(*other, p);
}

void inproc_link::end::pipe_destroyed(pipe& p) noexcept { link.break_link(p); }

void inproc_link::break_link(pipe& closing) noexcept {
  end& near = a_.self == &closing ? a_ : b_;
  end& far = a_.self == &closing ? b_ : a_;
  pipe* far_pipe = far.self;
  near.self = near.other = nullptr;
  far.other = nullptr;
  if (far_pipe != nullptr) {
    far_pipe->peer = nullptr;
    far.self = nullptr;
    far_pipe->owner().detach_pipe(*far_pipe);
  }
  delete this;
}

inproc_registry& inproc_registry::instance() {
  static inproc_registry registry;
  return registry;
}

void inproc_registry::bind(const std::string& name, socket_core& socket) {
  std::lock_guard lock(mutex_);
  if (!names_.emplace(name, entry{&socket, socket.home_core()}).second) {
    throw std::system_error(std::make_error_code(std::errc::address_in_use), "shardmq: inproc://" + name);
  }
}

inproc_registry::entry inproc_registry::find(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = names_.find(name);
  return it == names_.end() ? entry{} : it->second;
}

void inproc_registry::unbind_all(socket_core& socket) noexcept {
  std::lock_guard lock(mutex_);
  for (auto it = names_.begin(); it != names_.end();) {
    it = it->second.socket == &socket ? names_.erase(it) : std::next(it);
  }
}

}  // namespace shardmq::net::zmq::detail
