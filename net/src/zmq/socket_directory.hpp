#pragma once
// Every open socket of the process, so that each core's stats source can find the sockets whose
// home it is. Guarded by a mutex: sockets come and go on several cores, and the stats source
// reads only the sockets of the core it runs on (their home thread).

#include <mutex>
#include <vector>

namespace shardmq::net::zmq::detail {

class socket_core;

class socket_directory {
 public:
  static socket_directory& instance();
  void add(socket_core& socket);
  void remove(socket_core& socket) noexcept;
  /// Calls `fn(socket)` for each socket whose home is `core` of `owner`, under the lock.
  template <class Fn>
  void for_each_on(const void* owner, unsigned core, Fn&& fn);

 private:
  std::mutex mutex_;
  std::vector<socket_core*> sockets_;
};

}  // namespace shardmq::net::zmq::detail
