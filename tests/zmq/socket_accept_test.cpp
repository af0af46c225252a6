// A bound socket out of descriptors: the failed accepts are counted and retried after a pause
// (not in a tight loop), and the waiting connections are taken once descriptors are free again.

#include "socket_fixture.hpp"

#include <gtest/gtest.h>

#include <asio/ip/tcp.hpp>
#include <shardmq/net/tcp_stack.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace shardmq::net::zmq::testing {
namespace {

using namespace std::chrono_literals;

/// Lowers the soft descriptor limit to the lowest free descriptor number: the next descriptor
/// the process opens fails with EMFILE. Restores the limit when destroyed.
class descriptor_limit {
 public:
  descriptor_limit() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    const int lowest_free = ::open("/dev/null", O_RDONLY);
    ::close(lowest_free);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(lowest_free);
    ok_ = ::setrlimit(RLIMIT_NOFILE, &lowered) == 0;
  }
  ~descriptor_limit() { lift(); }
  descriptor_limit(const descriptor_limit&) = delete;
  descriptor_limit& operator=(const descriptor_limit&) = delete;
  bool ok() const { return ok_; }
  void lift() { ::setrlimit(RLIMIT_NOFILE, &saved_); }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

TEST(zmq_socket_accept, out_of_descriptors_backs_off_and_accepts_once_they_are_free) {
  socket_world world(1);
  zmq::socket pull = world.make(0, socket_type::pull);
  const std::string endpoint = world.on(0, [&] {
    pull.bind("tcp://127.0.0.1:*");
    return pull.last_endpoint();
  });
  const unsigned short port = port_of(endpoint);
  const auto accept_errors = [&] {
    return world.on(0, [&] { return world.stack->counters().accept_errors; });
  };

  // The clients' descriptors exist before the limit drops; connecting them needs no new one.
  constexpr int clients = 3;
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> peers;
  for (int i = 0; i < clients; ++i) {
    peers.emplace_back(io);
    peers.back().open(asio::ip::tcp::v4());
  }
  {
    descriptor_limit limit;
    ASSERT_TRUE(limit.ok());
    for (auto& peer : peers) peer.connect({asio::ip::make_address("127.0.0.1"), port});
    ASSERT_TRUE(eventually(5s, [&] { return accept_errors() >= 1; })) << "the accept never failed";
    // A tight retry loop would fail thousands of times here; one every 50 ms fails a few times.
    std::this_thread::sleep_for(300ms);
    EXPECT_LE(accept_errors(), 20u);
    EXPECT_EQ(world.on(0, [&] { return pull.stats().connections_accepted; }), 0u);
  }
  EXPECT_TRUE(eventually(5s, [&] {
    return world.on(0, [&] { return pull.stats().connections_accepted; }) ==
           static_cast<std::uint64_t>(clients);
  }));
  world.on(0, [&] { pull.close(); });
}

}  // namespace
}  // namespace shardmq::net::zmq::testing
