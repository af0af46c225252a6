// Our sockets against real libzmq sockets over loopback TCP: every pairing of compatible types,
// with us binding and with us connecting; bodies of the sizes where the framing changes,
// multipart messages, envelopes and routing ids, and long ordered streams both ways.

#include "libzmq_peer.hpp"

#include <gtest/gtest.h>

namespace shardmq::net::zmq::testing {
namespace {

using namespace std::chrono_literals;

/// The one engine of the binary (see shared_engine), registered once, here.
[[maybe_unused]] const ::testing::Environment* const engine_environment =
    ::testing::AddGlobalTestEnvironment(new shared_engine);

// --- request and reply over every compatible pairing ---------------------------------------------

/// A client (sends first) and a server (answers) of compatible types; one of them is ours, the
/// other libzmq's. The server echoes each request as it received it, so the envelope a ROUTER
/// sees (routing id, and the delimiter from a REQ) goes back with the body.
struct conversation {
  const char* name;
  socket_type client;
  socket_type server;
  bool ours_is_client;
  const char* client_id;  // the client's routing id; "" for none (the ROUTER makes one up)

  socket_type ours() const { return ours_is_client ? client : server; }
  socket_type theirs() const { return ours_is_client ? server : client; }
  /// A DEALER talking to a REP writes the REQ's empty delimiter itself.
  frames client_envelope() const {
    return client == socket_type::dealer && server == socket_type::rep ? frames(1) : frames();
  }
  /// Checks a request as the server got it: for a ROUTER, the client's routing id (stored in
  /// `id`) and, from a REQ, the empty delimiter, before the body.
  ::testing::AssertionResult check_request(const frames& got, const frames& body, std::string* id) const {
    frames expected = body;
    if (server == socket_type::router) {
      if (got.empty()) return ::testing::AssertionFailure() << "no routing id frame";
      const std::string& seen = got[0];
      if (*client_id != '\0' ? seen != client_id : !is_generated_id(seen)) {
        return ::testing::AssertionFailure() << "routing id of " << seen.size() << " bytes, expected "
                                             << (*client_id != '\0' ? client_id : "a generated one");
      }
      if (id != nullptr) *id = seen;
      frames envelope(1, seen);
      if (client == socket_type::req) envelope.emplace_back();  // [id][empty][body]
      expected = joined(envelope, body);
    }
    return same_frames(got, expected);
  }
  frames reply_for(const frames& body) const { return joined(client_envelope(), body); }
};

std::ostream& operator<<(std::ostream& out, const conversation& c) { return out << c.name; }

const conversation conversations[] = {
    {"ours_req_to_libzmq_rep", socket_type::req, socket_type::rep, true, ""},
    {"libzmq_req_to_ours_rep", socket_type::req, socket_type::rep, false, ""},
    {"ours_named_req_to_libzmq_router", socket_type::req, socket_type::router, true, "our-req"},
    {"ours_anonymous_req_to_libzmq_router", socket_type::req, socket_type::router, true, ""},
    {"libzmq_named_req_to_ours_router", socket_type::req, socket_type::router, false, "lz-req"},
    {"libzmq_anonymous_req_to_ours_router", socket_type::req, socket_type::router, false, ""},
    {"ours_named_dealer_to_libzmq_router", socket_type::dealer, socket_type::router, true, "our-dealer"},
    {"ours_anonymous_dealer_to_libzmq_router", socket_type::dealer, socket_type::router, true, ""},
    {"libzmq_named_dealer_to_ours_router", socket_type::dealer, socket_type::router, false, "lz-dealer"},
    {"libzmq_anonymous_dealer_to_ours_router", socket_type::dealer, socket_type::router, false, ""},
    {"ours_dealer_to_libzmq_rep", socket_type::dealer, socket_type::rep, true, ""},
    {"libzmq_dealer_to_ours_rep", socket_type::dealer, socket_type::rep, false, ""},
    {"ours_pair_to_libzmq_pair", socket_type::pair, socket_type::pair, true, ""},
    {"libzmq_pair_to_ours_pair", socket_type::pair, socket_type::pair, false, ""},
};

/// Each body goes from the client to the server and back; both ends check what they get.
void round_trips(const conversation& c, binder b, const std::vector<frames>& bodies) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, c.ours(), options_with([&](socket_options& o) {
                                  o.routing_id = c.ours_is_client ? c.client_id : "";
                                }));
  libzmq_socket theirs(context, libzmq_type(c.theirs()));
  if (!c.ours_is_client && *c.client_id != '\0') theirs.set(ZMQ_ROUTING_ID, std::string_view(c.client_id));
  link(world, ours, theirs, b);

  std::future<void> done;
  if (c.ours_is_client) {
    done = start_ours(world, [&]() -> asio::awaitable<void> {
      for (const frames& body : bodies) {
        co_await ours.async_send(to_message(joined(c.client_envelope(), body)), asio::use_awaitable);
        message reply = co_await ours.async_receive(asio::use_awaitable);
        EXPECT_TRUE(same_frames(texts(reply), c.reply_for(body)));
      }
    });
    for (const frames& body : bodies) {
      std::optional<frames> request = theirs.receive();
      if (!request) break;
      EXPECT_TRUE(c.check_request(*request, body, nullptr));
      if (!theirs.send(*request)) break;
    }
  } else {
    done = start_ours(world, [&]() -> asio::awaitable<void> {
      for (const frames& body : bodies) {
        message request = co_await ours.async_receive(asio::use_awaitable);
        EXPECT_TRUE(c.check_request(texts(request), body, nullptr));
        co_await ours.async_send(std::move(request), asio::use_awaitable);
      }
    });
    for (const frames& body : bodies) {
      if (!theirs.send(joined(c.client_envelope(), body))) break;
      std::optional<frames> reply = theirs.receive();
      if (!reply) break;
      EXPECT_TRUE(same_frames(*reply, c.reply_for(body)));
    }
  }
  if (!finish(world, done, ours)) return;
  world.on(0, [&] {
    EXPECT_EQ(ours.stats().protocol_errors, 0u);
    EXPECT_EQ(ours.stats().handshake_failures, 0u);
    EXPECT_EQ(ours.stats().disconnects, 0u);
  });
}

class libzmq_conversation : public ::testing::TestWithParam<std::tuple<conversation, binder>> {};

TEST_P(libzmq_conversation, every_size_goes_there_and_back_intact) {
  const auto& [c, b] = GetParam();
  round_trips(c, b, single_frame_bodies());
}

TEST_P(libzmq_conversation, five_frame_messages_go_there_and_back_whole) {
  const auto& [c, b] = GetParam();
  std::vector<frames> bodies;
  for (std::size_t seed = 0; seed < 3; ++seed) bodies.push_back(five_frames(seed));
  round_trips(c, b, bodies);
}

std::string conversation_name(const ::testing::TestParamInfo<std::tuple<conversation, binder>>& info) {
  return std::string(std::get<0>(info.param).name) + "_" + binder_name(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(pairings, libzmq_conversation,
                         ::testing::Combine(::testing::ValuesIn(conversations),
                                            ::testing::Values(binder::ours, binder::libzmq)),
                         conversation_name);

// --- long streams: nothing lost, nothing reordered ------------------------------------------------

/// What a server sends to the client: the body, after the client's routing id for a ROUTER.
frames server_message(const conversation& c, const std::string& id, const frames& body) {
  return c.server == socket_type::router ? joined(frames(1, id), body) : body;
}

/// stream_length messages from the client to the server, then as many back; a ROUTER that sends
/// waits at the high-water mark (ROUTER_MANDATORY) instead of dropping.
void stream_both_ways(const conversation& c, binder b) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, c.ours(), options_with([&](socket_options& o) {
                                  o.routing_id = c.ours_is_client ? c.client_id : "";
                                  o.router_mandatory = c.ours() == socket_type::router;
                                }));
  libzmq_socket theirs(context, libzmq_type(c.theirs()));
  if (!c.ours_is_client && *c.client_id != '\0') theirs.set(ZMQ_ROUTING_ID, std::string_view(c.client_id));
  if (c.theirs() == socket_type::router) theirs.set(ZMQ_ROUTER_MANDATORY, 1);
  link(world, ours, theirs, b);

  std::future<void> done;
  if (c.ours_is_client) {
    done = start_ours(world, [&]() -> asio::awaitable<void> {
      for (int i = 0; i < stream_length; ++i) {
        co_await ours.async_send(to_message(joined(c.client_envelope(), sequence_body(i))),
                                 asio::use_awaitable);
      }
      for (int i = 0; i < stream_length; ++i) {
        message m = co_await ours.async_receive(asio::use_awaitable);
        const ::testing::AssertionResult same = same_frames(texts(m), sequence_body(i));
        if (!same) {
          ADD_FAILURE() << "ours, message " << i << ": " << same.message();
          co_return;
        }
      }
    });
    std::string id;
    int received = 0;
    for (; received < stream_length; ++received) {
      std::optional<frames> m = theirs.receive();
      if (!m) break;
      const ::testing::AssertionResult expected = c.check_request(*m, sequence_body(received), &id);
      if (!expected) {
        ADD_FAILURE() << "libzmq, message " << received << ": " << expected.message();
        break;
      }
    }
    for (int i = 0; i < stream_length && received == stream_length; ++i) {
      if (!theirs.send(server_message(c, id, sequence_body(i)))) break;
    }
  } else {
    done = start_ours(world, [&]() -> asio::awaitable<void> {
      std::string id;
      for (int i = 0; i < stream_length; ++i) {
        message m = co_await ours.async_receive(asio::use_awaitable);
        const ::testing::AssertionResult expected = c.check_request(texts(m), sequence_body(i), &id);
        if (!expected) {
          ADD_FAILURE() << "ours, message " << i << ": " << expected.message();
          co_return;
        }
      }
      for (int i = 0; i < stream_length; ++i) {
        co_await ours.async_send(to_message(server_message(c, id, sequence_body(i))), asio::use_awaitable);
      }
    });
    int sent = 0;
    for (; sent < stream_length; ++sent) {
      if (!theirs.send(joined(c.client_envelope(), sequence_body(sent)))) break;
    }
    for (int i = 0; i < stream_length && sent == stream_length; ++i) {
      std::optional<frames> m = theirs.receive();
      if (!m) break;
      const ::testing::AssertionResult same = same_frames(*m, sequence_body(i));
      if (!same) {
        ADD_FAILURE() << "libzmq, message " << i << ": " << same.message();
        break;
      }
    }
  }
  if (!finish(world, done, ours)) return;
  world.on(0, [&] {
    EXPECT_EQ(ours.stats().messages_in, static_cast<std::uint64_t>(stream_length));
    EXPECT_EQ(ours.stats().messages_out, static_cast<std::uint64_t>(stream_length));
    EXPECT_EQ(ours.stats().drops, 0u);
    EXPECT_EQ(ours.stats().disconnects, 0u);
  });
}

const conversation streams[] = {
    conversations[6],  // ours_named_dealer_to_libzmq_router
    conversations[8],  // libzmq_named_dealer_to_ours_router
};

class libzmq_stream : public ::testing::TestWithParam<std::tuple<conversation, binder>> {};

TEST_P(libzmq_stream, a_hundred_thousand_messages_each_way_arrive_in_order) {
  const auto& [c, b] = GetParam();
  stream_both_ways(c, b);
}

INSTANTIATE_TEST_SUITE_P(pairings, libzmq_stream,
                         ::testing::Combine(::testing::ValuesIn(streams),
                                            ::testing::Values(binder::ours, binder::libzmq)),
                         conversation_name);

}  // namespace
}  // namespace shardmq::net::zmq::testing
