// Several libzmq peers on one of our sockets and the other way round, pipelined requests, long
// routing ids, ROUTER to ROUTER, a peer that does not read, and closing with messages queued.

#include "libzmq_peer.hpp"

#include <gtest/gtest.h>

namespace shardmq::net::zmq::testing {
namespace {

using namespace std::chrono_literals;

// --- several peers, pipelined requests ------------------------------------------------------------

/// The number at the end of "name 12".
int sequence_of(const std::string& text) { return std::stoi(text.substr(text.rfind(' ') + 1)); }

TEST(libzmq_peers, our_router_gives_each_libzmq_dealer_its_own_replies_in_order) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::router);
  const std::string endpoint = world.on(0, [&] {
    ours.bind("tcp://127.0.0.1:*");
    return ours.last_endpoint();
  });
  const char* names[] = {"alpha", "beta", "", ""};  // two without Identity: two generated ids
  std::vector<std::unique_ptr<libzmq_socket>> dealers;
  for (const char* name : names) {
    dealers.push_back(std::make_unique<libzmq_socket>(context, ZMQ_DEALER));
    if (*name != '\0') dealers.back()->set(ZMQ_ROUTING_ID, std::string_view(name));
    dealers.back()->connect(endpoint);
  }
  constexpr int per_dealer = 300;
  const int total = per_dealer * static_cast<int>(std::size(names));
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    std::map<std::string, int> next;  // per routing id: the sequence expected next
    for (int i = 0; i < total; ++i) {
      message m = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_EQ(m.size(), 2u);
      const std::string id(m[0].text());
      const int sequence = sequence_of(std::string(m[1].text()));
      EXPECT_EQ(sequence, next[id]++) << "from a peer of " << id.size() << " bytes";
      co_await ours.async_send(std::move(m), asio::use_awaitable);
    }
    EXPECT_EQ(next.size(), std::size(names));
    EXPECT_EQ(next.count("alpha"), 1u);
    EXPECT_EQ(next.count("beta"), 1u);
  });
  for (int i = 0; i < per_dealer; ++i) {
    for (std::size_t d = 0; d < dealers.size(); ++d) {
      dealers[d]->send(frames(1, "dealer" + std::to_string(d) + " " + std::to_string(i)));
    }
  }
  for (std::size_t d = 0; d < dealers.size(); ++d) {
    for (int i = 0; i < per_dealer; ++i) {
      std::optional<frames> reply = dealers[d]->receive();
      if (!reply) break;
      const ::testing::AssertionResult same =
          same_frames(*reply, frames(1, "dealer" + std::to_string(d) + " " + std::to_string(i)));
      if (!same) {
        ADD_FAILURE() << "dealer " << d << ", reply " << i << ": " << same.message();
        break;
      }
    }
  }
  if (!finish(world, done, ours)) return;
  world.on(0, [&] { EXPECT_EQ(ours.stats().drops, 0u); });
}

TEST(libzmq_peers, our_push_spreads_over_libzmq_pulls_and_our_pull_takes_from_every_push) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket push = world.make(0, socket_type::push);
  zmq::socket pull = world.make(0, socket_type::pull);
  const auto [push_endpoint, pull_endpoint] = world.on(0, [&] {
    push.bind("tcp://127.0.0.1:*");
    pull.bind("tcp://127.0.0.1:*");
    return std::pair(push.last_endpoint(), pull.last_endpoint());
  });
  constexpr int peers = 3;
  constexpr int per_peer = 200;
  std::vector<std::unique_ptr<libzmq_socket>> pulls;
  std::vector<std::unique_ptr<libzmq_socket>> pushes;
  for (int i = 0; i < peers; ++i) {
    pulls.push_back(std::make_unique<libzmq_socket>(context, ZMQ_PULL));
    pulls.back()->connect(push_endpoint);
    pushes.push_back(std::make_unique<libzmq_socket>(context, ZMQ_PUSH));
    pushes.back()->connect(pull_endpoint);
  }
  ASSERT_TRUE(eventually([&] { return world.on(0, [&] { return push.stats().peers; }) == peers; }));
  // Ours pushes to every libzmq PULL in turn; ours pulls from every libzmq PUSH.
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < peers * per_peer; ++i) {
      co_await push.async_send(to_message(frames(1, "ours " + std::to_string(i))), asio::use_awaitable);
    }
    std::map<std::string, int> next;
    for (int i = 0; i < peers * per_peer; ++i) {
      message m = co_await pull.async_receive(asio::use_awaitable);
      const std::string text(m[0].text());
      const std::string sender = text.substr(0, text.rfind(' '));
      EXPECT_EQ(sequence_of(text), next[sender]++) << sender;
    }
    EXPECT_EQ(next.size(), static_cast<std::size_t>(peers));
  });
  for (int i = 0; i < per_peer; ++i) {
    for (int p = 0; p < peers; ++p)
      pushes[p]->send(frames(1, "push" + std::to_string(p) + " " + std::to_string(i)));
  }
  int received = 0;
  for (int p = 0; p < peers; ++p) {
    // Round robin over peers that were all connected: each gets every third message, in order.
    int last = -1;
    for (int i = 0; i < per_peer; ++i) {
      std::optional<frames> m = pulls[p]->receive();
      if (!m) break;
      const int sequence = sequence_of(m->at(0));
      EXPECT_GT(sequence, last) << "pull " << p;
      last = sequence;
      ++received;
    }
  }
  EXPECT_EQ(received, peers * per_peer);
  finish(world, done, pull);
}

TEST(libzmq_peers, our_rep_answers_pipelined_requests_of_a_libzmq_dealer_in_order) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::rep);
  libzmq_socket theirs(context, ZMQ_DEALER);
  link(world, ours, theirs, binder::ours);
  constexpr int requests = 500;
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < requests; ++i) {
      message request = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_TRUE(same_frames(texts(request), frames(1, "request " + std::to_string(i))));
      co_await ours.async_send(to_message(frames(1, "reply " + std::to_string(i))), asio::use_awaitable);
    }
  });
  // All requests go out before the first reply is read: our REP sees them queued.
  for (int i = 0; i < requests; ++i) theirs.send(strings("", "request " + std::to_string(i)));
  for (int i = 0; i < requests; ++i) {
    std::optional<frames> reply = theirs.receive();
    if (!reply) break;
    const ::testing::AssertionResult same = same_frames(*reply, strings("", "reply " + std::to_string(i)));
    if (!same) {
      ADD_FAILURE() << "reply " << i << ": " << same.message();
      break;
    }
  }
  finish(world, done, ours);
}

TEST(libzmq_peers, a_libzmq_rep_answers_pipelined_requests_of_our_dealer_in_order) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::dealer);
  libzmq_socket theirs(context, ZMQ_REP);
  link(world, ours, theirs, binder::libzmq);
  constexpr int requests = 500;
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < requests; ++i) {
      co_await ours.async_send(to_message(strings("", "request " + std::to_string(i))), asio::use_awaitable);
    }
    for (int i = 0; i < requests; ++i) {
      message reply = co_await ours.async_receive(asio::use_awaitable);
      const ::testing::AssertionResult same =
          same_frames(texts(reply), strings("", "reply " + std::to_string(i)));
      if (!same) {
        ADD_FAILURE() << "reply " << i << ": " << same.message();
        co_return;
      }
    }
  });
  for (int i = 0; i < requests; ++i) {
    std::optional<frames> request = theirs.receive();
    if (!request) break;
    EXPECT_TRUE(same_frames(*request, frames(1, "request " + std::to_string(i))));
    if (!theirs.send(frames(1, "reply " + std::to_string(i)))) break;
  }
  finish(world, done, ours);
}

TEST(libzmq_peers, routing_ids_of_255_bytes_work_both_ways) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  const std::string our_id = "o" + pattern(254, 1);
  const std::string their_id = "t" + pattern(254, 2);
  zmq::socket router = world.make(0, socket_type::router);
  zmq::socket dealer =
      world.make(0, socket_type::dealer, options_with([&](socket_options& o) { o.routing_id = our_id; }));
  libzmq_socket their_dealer(context, ZMQ_DEALER);
  their_dealer.set(ZMQ_ROUTING_ID, std::string_view(their_id));
  libzmq_socket their_router(context, ZMQ_ROUTER);
  link(world, router, their_dealer, binder::ours);
  link(world, dealer, their_router, binder::libzmq);
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    message m = co_await router.async_receive(asio::use_awaitable);
    EXPECT_TRUE(same_frames(texts(m), strings(their_id, "to our router")));
    co_await router.async_send(std::move(m), asio::use_awaitable);
    co_await dealer.async_send(to_message(frames(1, "to their router")), asio::use_awaitable);
    EXPECT_TRUE(
        same_frames(texts(co_await dealer.async_receive(asio::use_awaitable)), frames(1, "to their router")));
  });
  their_dealer.send(frames(1, "to our router"));
  std::optional<frames> echo = their_dealer.receive();
  EXPECT_TRUE(echo && same_frames(*echo, frames(1, "to our router")));
  std::optional<frames> request = their_router.receive();
  if (request) {
    EXPECT_TRUE(same_frames(*request, strings(our_id, "to their router")));
    their_router.send(*request);
  }
  finish(world, done, router);
}

TEST(libzmq_peers, we_keep_reading_while_the_peer_does_not_read_what_we_send) {
  // The libzmq PAIR sends everything before it reads anything; ours sends and reads at once. With
  // libzmq on both ends this works: each side's I/O thread reads into its pipe whatever the
  // other's application does. Ours must not stop reading because its own writes are stuck.
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours =
      world.make(0, socket_type::pair, options_with([](socket_options& o) { o.sndhwm = o.rcvhwm = 10; }));
  libzmq_socket theirs(context, ZMQ_PAIR);
  theirs.set(ZMQ_SNDHWM, 10);
  theirs.set(ZMQ_RCVHWM, 10);
  link(world, ours, theirs, binder::ours);
  constexpr int total = 200;  // 64 KiB each: 12.5 MiB each way, far beyond the socket buffers
  std::future<void> sending = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < total; ++i)
      co_await ours.async_send(to_message(frames(1, pattern(65536, i))), asio::use_awaitable);
  });
  std::future<void> receiving = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < total; ++i) {
      message m = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_EQ(m[0].text(), pattern(65536, total + i)) << i;
    }
  });
  int sent = 0;
  for (; sent < total; ++sent) {
    if (!theirs.send(frames(1, pattern(65536, total + sent)))) break;
  }
  EXPECT_EQ(sent, total) << "the libzmq side could not send: we stopped reading";
  for (int i = 0; i < total && sent == total; ++i) {
    std::optional<frames> m = theirs.receive();
    if (!m) break;
    EXPECT_TRUE(same_frames(*m, frames(1, pattern(65536, i)))) << i;
  }
  finish(world, receiving, ours);
  finish(world, sending, ours);
}

TEST(libzmq_peers, our_rep_returns_the_whole_envelope_of_a_request) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::rep);
  // A DEALER posing as a broker (two routing hops before the delimiter), and a REQ that tags its
  // requests with an id frame before the delimiter (ZMQ_REQ_CORRELATE).
  libzmq_socket broker(context, ZMQ_DEALER);
  libzmq_socket correlating(context, ZMQ_REQ);
  correlating.set(ZMQ_REQ_CORRELATE, 1);
  correlating.set(ZMQ_REQ_RELAXED, 1);
  link(world, ours, broker, binder::ours);
  correlating.connect(world.on(0, [&] { return ours.last_endpoint(); }));
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 2; ++i) {
      message request = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_EQ(request.size(), 1u);
      co_await ours.async_send(to_message(frames(1, "re: " + std::string(request[0].text()))),
                               asio::use_awaitable);
    }
  });
  broker.send(strings("hop1", "hop2", "", "from the broker"));
  std::optional<frames> reply = broker.receive();
  EXPECT_TRUE(reply && same_frames(*reply, strings("hop1", "hop2", "", "re: from the broker")));
  correlating.send(frames(1, "correlated"));
  reply = correlating.receive();  // libzmq checks the request id that came back
  EXPECT_TRUE(reply && same_frames(*reply, frames(1, "re: correlated")));
  finish(world, done, ours);
}

class libzmq_router_to_router : public ::testing::TestWithParam<binder> {};

TEST_P(libzmq_router_to_router, each_router_reaches_the_other_by_its_routing_id) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::router, options_with([](socket_options& o) {
                                  o.routing_id = "our-router";
                                  o.router_mandatory = true;
                                }));
  libzmq_socket theirs(context, ZMQ_ROUTER);
  theirs.set(ZMQ_ROUTING_ID, std::string_view("their-router"));
  theirs.set(ZMQ_ROUTER_MANDATORY, 1);
  link(world, ours, theirs, GetParam());
  // Until the handshake is done neither knows the other: a mandatory ROUTER says unreachable.
  bool sent = false;
  eventually([&] {
    sent = zmq_send(theirs.get(), "our-router", 10, ZMQ_SNDMORE | ZMQ_DONTWAIT) == 10;
    return sent;
  });
  ASSERT_TRUE(sent) << zmq_strerror(zmq_errno());
  theirs.send(frames(1, "to ours"));
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    message m = co_await ours.async_receive(asio::use_awaitable);
    EXPECT_TRUE(same_frames(texts(m), strings("their-router", "to ours")));
    co_await ours.async_send(to_message(strings("their-router", "to theirs")), asio::use_awaitable);
  });
  std::optional<frames> m = theirs.receive();
  EXPECT_TRUE(m && same_frames(*m, strings("our-router", "to theirs")));
  finish(world, done, ours);
}

INSTANTIATE_TEST_SUITE_P(sides, libzmq_router_to_router, ::testing::Values(binder::ours, binder::libzmq),
                         [](const ::testing::TestParamInfo<binder>& info) {
                           return binder_name(info.param);
                         });

// --- closing with messages still queued ------------------------------------------------------------

TEST(libzmq_linger, what_our_push_queued_before_closing_still_reaches_the_libzmq_pull) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::push);
  libzmq_socket theirs(context, ZMQ_PULL);
  link(world, ours, theirs, binder::libzmq);
  constexpr int total = 20000;
  // Sends everything, then closes at once: most messages are still in our pipe and write queue.
  world.run(0, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < total; ++i)
      co_await ours.async_send(to_message(sequence_body(i)), asio::use_awaitable);
    ours.close();
  });
  for (int i = 0; i < total; ++i) {
    std::optional<frames> m = theirs.receive();
    if (!m) {
      ADD_FAILURE() << "lost from message " << i << " on";
      break;
    }
    if (!same_frames(*m, sequence_body(i))) {
      ADD_FAILURE() << "message " << i << ": " << same_frames(*m, sequence_body(i)).message();
      break;
    }
  }
}

TEST(libzmq_linger, what_a_libzmq_push_sent_before_closing_reaches_our_pull) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours =
      world.make(0, socket_type::pull, options_with([](socket_options& o) { o.rcvhwm = 100; }));
  auto theirs = std::make_unique<libzmq_socket>(context, ZMQ_PUSH);
  theirs->set(ZMQ_LINGER, wait_ms);  // libzmq writes what it queued before it closes
  link(world, ours, *theirs, binder::ours);
  // 20 MB: more than the socket buffers hold, so our reading pauses at rcvhwm again and again,
  // and the peer's FIN arrives behind data we have not read yet.
  constexpr int total = 20000;
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < total; ++i) {
      message m = co_await ours.async_receive(asio::use_awaitable);
      const ::testing::AssertionResult same = same_frames(texts(m), frames(1, pattern(1000, i)));
      if (!same) {
        ADD_FAILURE() << "message " << i << ": " << same.message();
        co_return;
      }
      if (i % 1000 == 0) co_await sleep_for(1ms, asio::use_awaitable);  // a slow reader
    }
  });
  for (int i = 0; i < total; ++i) {
    if (!theirs->send(frames(1, pattern(1000, i)))) break;
  }
  theirs.reset();  // returns at once; libzmq's I/O thread writes the rest, then closes
  finish(world, done, ours);
}

}  // namespace
}  // namespace shardmq::net::zmq::testing
