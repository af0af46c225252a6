// A sharded socket on two cores against real libzmq peers: every connection is served by the
// shard of the core it was placed on, messages and replies never change cores, and nothing is
// lost or reordered per peer.

#include "libzmq_peer.hpp"

#include <gtest/gtest.h>

#include <asio/redirect_error.hpp>
#include <shardmq/net/zmq/sharded_socket.hpp>

#include <atomic>
#include <future>
#include <set>

namespace shardmq::net::zmq::testing {
namespace {

/// What one core's shard received: the text of each message's frame `frame`, in order.
struct core_log {
  std::vector<std::string> texts;
};

/// On every core, receives from the local shard until it is closed; `answer` (if set) is called
/// with each message on that core and may send through the shard. Returns when all loops run.
template <class Answer>
std::vector<std::future<void>> serve_everywhere(socket_world& world, sharded_socket& sharded,
                                                std::vector<core_log>& logs, std::atomic<int>& total,
                                                std::size_t frame, Answer answer) {
  std::vector<std::future<void>> loops;
  for (unsigned core = 0; core < sharded.shard_count(); ++core) {
    auto done = std::make_shared<std::promise<void>>();
    loops.push_back(done->get_future());
    world.on(core, [&, core, done] {
      zmq::socket& shard = sharded.local();
      asio::co_spawn(
          this_reactor().get_executor(),
          [&shard, &logs, &total, core, frame, answer]() -> asio::awaitable<void> {
            for (;;) {
              std::error_code error;
              message m = co_await shard.async_receive(asio::redirect_error(asio::use_awaitable, error));
              if (error) co_return;  // the sharded socket closed
              logs[core].texts.emplace_back(m[frame].text());
              answer(shard, std::move(m), core);
              total.fetch_add(1);
            }
          },
          [done](std::exception_ptr error) {
            if (error) {
              done->set_exception(error);
            } else {
              done->set_value();
            }
          });
    });
  }
  return loops;
}

void finish_all(std::vector<std::future<void>>& loops) {
  for (auto& loop : loops) {
    ASSERT_EQ(loop.wait_for(std::chrono::milliseconds(wait_ms)), std::future_status::ready);
    loop.get();
  }
}

/// "sender seq" -> sender.
std::string sender_of(const std::string& text) { return text.substr(0, text.find(' ')); }
int sequence_of(const std::string& text) { return std::stoi(text.substr(text.find(' ') + 1)); }

/// Each sender's messages all reached one core, in order, and every sender is complete.
void expect_whole_ordered_streams(const std::vector<core_log>& logs, int senders, int per_sender) {
  std::map<std::string, unsigned> core_of;
  std::map<std::string, int> next;
  for (unsigned core = 0; core < logs.size(); ++core) {
    for (const std::string& text : logs[core].texts) {
      const std::string sender = sender_of(text);
      const auto [where, fresh] = core_of.emplace(sender, core);
      EXPECT_EQ(where->second, core) << sender << " reached two cores";
      EXPECT_EQ(sequence_of(text), next[sender]++) << sender;
    }
  }
  EXPECT_EQ(core_of.size(), static_cast<std::size_t>(senders));
  for (const auto& [sender, count] : next) EXPECT_EQ(count, per_sender) << sender;
}

TEST(zmq_sharded_socket, pull_shards_serve_the_connections_placed_on_their_cores) {
  socket_world world(2);
  sharded_socket pull(*world.stack, socket_type::pull);
  pull.bind("tcp://127.0.0.1:*");
  const std::string endpoint = pull.last_endpoint();
  ASSERT_EQ(endpoint.rfind("tcp://127.0.0.1:", 0), 0u) << endpoint;
  for (unsigned core = 0; core < 2; ++core) {
    EXPECT_EQ(world.on(core, [&] { return pull.local().last_endpoint(); }), endpoint);
  }

  std::vector<core_log> logs(2);
  std::atomic<int> total{0};
  auto loops = serve_everywhere(world, pull, logs, total, 0, [](zmq::socket&, message&&, unsigned) {});

  constexpr int senders = 4;
  constexpr int per_sender = 2000;
  libzmq_context context;
  auto pushers = connected_peers(context, ZMQ_PUSH, senders, endpoint);
  // Round-robin placement over two cores: two connections each, whatever order they come in.
  ASSERT_TRUE(eventually([&] { return pull.stats().peers == senders; }));
  ASSERT_TRUE(send_numbered_streams(pushers, per_sender, "p"));
  EXPECT_TRUE(eventually([&] { return total.load() == senders * per_sender; })) << total.load();
  for (unsigned core = 0; core < 2; ++core) {
    const socket_stats s = world.on(core, [&] { return pull.local().stats(); });
    EXPECT_EQ(s.connections_accepted, 2u) << "core " << core;
    EXPECT_EQ(s.messages_in, 2u * per_sender) << "core " << core;
  }
  const socket_stats sum = pull.stats();
  EXPECT_EQ(sum.messages_in, static_cast<std::uint64_t>(senders * per_sender));
  EXPECT_EQ(sum.connections_accepted, static_cast<std::uint64_t>(senders));
  pull.close();
  finish_all(loops);
  expect_whole_ordered_streams(logs, senders, per_sender);
}

TEST(zmq_sharded_socket, router_shards_answer_their_own_dealers_on_their_own_core) {
  socket_world world(2);
  sharded_socket router(*world.stack, socket_type::router);
  router.bind("tcp://127.0.0.1:*");
  std::vector<core_log> logs(2);
  std::atomic<int> total{0};
  // [id][body] back to the same id, with the core that served it appended.
  auto loops =
      serve_everywhere(world, router, logs, total, 1, [](zmq::socket& shard, message&& m, unsigned core) {
        m.push_back(frame::copy_of("core " + std::to_string(core)));
        EXPECT_FALSE(shard.try_send(m));
      });

  constexpr int dealers = 4;
  constexpr int requests = 500;
  libzmq_context context;
  auto peers = connected_peers(context, ZMQ_DEALER, dealers, router.last_endpoint(), "d");
  ASSERT_TRUE(eventually([&] { return router.stats().peers == dealers; }));
  std::set<std::string> cores_seen;
  ASSERT_TRUE(send_numbered_streams(peers, requests, "d"));
  for (int i = 0; i < dealers; ++i) {
    std::string served_by;
    for (int seq = 0; seq < requests; ++seq) {
      const std::optional<frames> reply = peers[i]->receive();
      ASSERT_TRUE(reply.has_value());
      ASSERT_EQ(reply->size(), 2u);
      EXPECT_EQ((*reply)[0], numbered("d" + std::to_string(i), seq));
      if (served_by.empty()) served_by = (*reply)[1];
      EXPECT_EQ((*reply)[1], served_by) << "dealer " << i << " was answered from two cores";
    }
    cores_seen.insert(served_by);
  }
  EXPECT_EQ(cores_seen.size(), 2u) << "four dealers dealt round-robin over two cores";
  EXPECT_EQ(router.stats().drops, 0u);
  router.close();
  finish_all(loops);
  expect_whole_ordered_streams(logs, dealers, requests);
}

TEST(zmq_sharded_socket, reuseport_shards_take_every_connection_the_kernel_spreads) {
  socket_world world(2);
  sharded_socket pull(*world.stack, socket_type::pull, {}, balance_policy::reuseport);
  pull.bind("tcp://127.0.0.1:*");
  std::vector<core_log> logs(2);
  std::atomic<int> total{0};
  auto loops = serve_everywhere(world, pull, logs, total, 0, [](zmq::socket&, message&&, unsigned) {});
  constexpr int senders = 8;
  constexpr int per_sender = 200;
  libzmq_context context;
  auto pushers = connected_peers(context, ZMQ_PUSH, senders, pull.last_endpoint());
  ASSERT_TRUE(eventually([&] { return pull.stats().peers == senders; }));
  ASSERT_TRUE(send_numbered_streams(pushers, per_sender, "p"));
  EXPECT_TRUE(eventually([&] { return total.load() == senders * per_sender; })) << total.load();
  EXPECT_EQ(pull.stats().connections_accepted, static_cast<std::uint64_t>(senders));
  pull.close();
  finish_all(loops);
  expect_whole_ordered_streams(logs, senders, per_sender);
}

TEST(zmq_sharded_socket, a_closed_sharded_socket_refuses_connections_and_ends_its_shards) {
  socket_world world(2);
  std::string endpoint;
  {
    sharded_socket pull(*world.stack, socket_type::pull);
    pull.bind("tcp://127.0.0.1:*");
    endpoint = pull.last_endpoint();
    pull.close();
    pull.close();  // twice is fine
    EXPECT_THROW(pull.bind("tcp://127.0.0.1:*"), std::logic_error);
    EXPECT_THROW(pull.shard(0), std::logic_error);
  }
  // Nothing listens any more: a connect is refused (libzmq keeps retrying; ours counts nothing).
  asio::io_context io;
  asio::ip::tcp::socket probe(io);
  std::error_code error;
  const auto colon = endpoint.rfind(':');
  probe.connect({asio::ip::make_address("127.0.0.1"),
                 static_cast<unsigned short>(std::stoi(endpoint.substr(colon + 1)))},
                error);
  EXPECT_EQ(error, asio::error::connection_refused);
}

TEST(zmq_sharded_socket, bad_use_is_refused_with_a_clear_error) {
  socket_world world(2);
  sharded_socket rep(*world.stack, socket_type::rep);
  EXPECT_THROW(rep.bind("inproc://shards"), std::invalid_argument);
  EXPECT_THROW(rep.bind("tcp://127.0.0.1"), std::invalid_argument);  // no port
  EXPECT_THROW(rep.local(), std::logic_error);                       // not on a reactor
  EXPECT_THROW(rep.shard(2), std::out_of_range);
  EXPECT_THROW(world.on(0, [&] { sharded_socket inside(*world.stack, socket_type::rep); }), std::logic_error);
  socket_options bad;
  bad.maxmsgsize = -2;
  EXPECT_THROW(sharded_socket(*world.stack, socket_type::pull, bad), std::invalid_argument);
  EXPECT_EQ(rep.shard_count(), 2u);
}

}  // namespace
}  // namespace shardmq::net::zmq::testing
