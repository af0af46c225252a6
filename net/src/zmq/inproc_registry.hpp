#pragma once
// inproc:// names of one process, and the link that joins two sockets' pipes without a codec.
// Both sockets must live on the same core for now; across cores a connect is refused with a
// clear error.

#include "pipe.hpp"

#include <map>
#include <mutex>
#include <string>

namespace shardmq::net::zmq::detail {

class socket_core;

/// Joins pipe `a` of one socket to pipe `b` of another on the same core: what one socket queues
/// on its `out` moves to the other's `in` while that has room (so the two high-water marks add
/// up, as in libzmq).
class inproc_link final {
 public:
  /// Sets both pipes' peers to this link.
  inproc_link(pipe& a, pipe& b) noexcept : a_(*this, a, b), b_(*this, b, a) {
    a.peer = &a_;
    b.peer = &b_;
  }
  /// Detaches both ends (one socket closes); the other socket sees its peer leave.
  void break_link(pipe& closing) noexcept;

 private:
  struct end final : pipe_peer {
    end(inproc_link& link, pipe& self, pipe& other) noexcept : link(link), self(&self), other(&other) {}
    void out_ready(pipe& p) override;
    void in_space(pipe& p) override;
    void pipe_destroyed(pipe& p) noexcept override;
    inproc_link& link;
    pipe* self;
    pipe* other;
  };
  static void move_messages(pipe& from, pipe& to);
  end a_;
  end b_;
};

/// The process's inproc names. Thread-safe (sockets on several cores register).
class inproc_registry {
 public:
  static inproc_registry& instance();
  /// std::system_error(address_in_use) when the name is taken.
  void bind(const std::string& name, socket_core& socket);
  struct entry {
    socket_core* socket = nullptr;
    unsigned core = 0;  // read this before touching `socket`: it may live on another core
  };
  /// The socket bound to `name` (socket null when none).
  entry find(const std::string& name);
  void unbind_all(socket_core& socket) noexcept;

 private:
  std::mutex mutex_;
  std::map<std::string, entry> names_;
};

}  // namespace shardmq::net::zmq::detail
