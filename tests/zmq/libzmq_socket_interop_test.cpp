// Our sockets against real libzmq sockets (the system's libzmq3-dev) over loopback TCP: every
// pairing of compatible types, with us binding and with us connecting; bodies of the sizes where
// the framing changes, multipart messages, long ordered streams, envelopes and routing ids,
// several peers, high-water marks of one, closing with messages queued, heartbeats, and a libzmq
// peer that restarts. Our sockets run on a reactor core of one engine shared by the binary; the
// libzmq socket runs in the test thread with every wait bounded (ZMQ_RCVTIMEO / ZMQ_SNDTIMEO), and
// when the libzmq side gives up, our socket is closed so that our side ends too: a broken case
// fails, it never hangs. libzmq is linked into this test only.

#include "socket_fixture.hpp"

#include <gtest/gtest.h>
#include <zmq.h>
#include <shardmq/timer/sleep.hpp>

#include <chrono>
#include <cstring>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace shardmq::net::zmq::testing {
namespace {

using namespace std::chrono_literals;

constexpr int wait_ms = 5000;  // every wait on either side is bounded by this
using frames = std::vector<std::string>;

// --- the libzmq side --------------------------------------------------------------------------

/// A libzmq context for one test.
class libzmq_context {
 public:
  libzmq_context() : context_(zmq_ctx_new()) {}
  ~libzmq_context() { zmq_ctx_term(context_); }
  libzmq_context(const libzmq_context&) = delete;
  libzmq_context& operator=(const libzmq_context&) = delete;
  void* get() const { return context_; }

 private:
  void* context_;
};

/// A libzmq socket in the test thread: no linger, and sends and receives that give up (with a
/// test failure) after wait_ms.
class libzmq_socket {
 public:
  libzmq_socket(libzmq_context& context, int type) : socket_(zmq_socket(context.get(), type)) {
    EXPECT_NE(socket_, nullptr) << zmq_strerror(zmq_errno());
    set(ZMQ_LINGER, 0);
    set(ZMQ_RCVTIMEO, wait_ms);
    set(ZMQ_SNDTIMEO, wait_ms);
  }
  ~libzmq_socket() { close(); }
  libzmq_socket(const libzmq_socket&) = delete;
  libzmq_socket& operator=(const libzmq_socket&) = delete;

  void close() {
    if (socket_ != nullptr) zmq_close(socket_);
    socket_ = nullptr;
  }
  void set(int option, int value) {
    EXPECT_EQ(zmq_setsockopt(socket_, option, &value, sizeof value), 0) << zmq_strerror(zmq_errno());
  }
  void set(int option, std::string_view value) {
    EXPECT_EQ(zmq_setsockopt(socket_, option, value.data(), value.size()), 0) << zmq_strerror(zmq_errno());
  }
  /// Binds (an ephemeral port by default) and returns the endpoint with the real port.
  std::string bind(const std::string& endpoint = "tcp://127.0.0.1:*") {
    EXPECT_EQ(zmq_bind(socket_, endpoint.c_str()), 0) << endpoint << ": " << zmq_strerror(zmq_errno());
    char bound[256] = {};
    std::size_t size = sizeof bound;
    EXPECT_EQ(zmq_getsockopt(socket_, ZMQ_LAST_ENDPOINT, bound, &size), 0);
    return bound;
  }
  void* get() const { return socket_; }
  /// Binds without a test failure: false when the address is taken.
  bool try_bind(const std::string& endpoint) { return zmq_bind(socket_, endpoint.c_str()) == 0; }
  void connect(const std::string& endpoint) {
    EXPECT_EQ(zmq_connect(socket_, endpoint.c_str()), 0) << endpoint << ": " << zmq_strerror(zmq_errno());
  }
  /// False (after a test failure) when the message could not go within wait_ms.
  bool send(const frames& parts) {
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const int flags = i + 1 < parts.size() ? ZMQ_SNDMORE : 0;
      if (zmq_send(socket_, parts[i].data(), parts[i].size(), flags) < 0) {
        ADD_FAILURE() << "libzmq send: " << zmq_strerror(zmq_errno());
        return false;
      }
    }
    return true;
  }
  /// Nothing (after a test failure) when no whole message arrived within wait_ms.
  std::optional<frames> receive() {
    frames parts;
    int more = 1;
    while (more != 0) {
      zmq_msg_t part;
      zmq_msg_init(&part);
      if (zmq_msg_recv(&part, socket_, 0) < 0) {
        ADD_FAILURE() << "libzmq receive: " << zmq_strerror(zmq_errno()) << " (after " << parts.size()
                      << " frames)";
        zmq_msg_close(&part);
        return std::nullopt;
      }
      parts.emplace_back(static_cast<const char*>(zmq_msg_data(&part)), zmq_msg_size(&part));
      more = zmq_msg_more(&part);
      zmq_msg_close(&part);
    }
    return parts;
  }

 private:
  void* socket_;
};

int libzmq_type(socket_type type) {
  switch (type) {
    case socket_type::pair:
      return ZMQ_PAIR;
    case socket_type::req:
      return ZMQ_REQ;
    case socket_type::rep:
      return ZMQ_REP;
    case socket_type::dealer:
      return ZMQ_DEALER;
    case socket_type::router:
      return ZMQ_ROUTER;
    case socket_type::pull:
      return ZMQ_PULL;
    case socket_type::push:
      return ZMQ_PUSH;
    default:
      throw std::invalid_argument("no libzmq type for this test");
  }
}

// --- our side ---------------------------------------------------------------------------------

/// One engine for the whole binary: starting one takes 20-80 ms here (reactor threads, buffer
/// warm-up), longer than most cases run. Each test's sockets are closed at its end; the engine
/// carries on, which also shows sockets coming and going on a long-lived core.
class shared_engine : public ::testing::Environment {
 public:
  void SetUp() override { world_ = std::make_unique<socket_world>(1); }
  void TearDown() override { world_.reset(); }
  static socket_world& world() { return *world_; }

 private:
  static inline std::unique_ptr<socket_world> world_;
};

[[maybe_unused]] const ::testing::Environment* const engine_environment =
    ::testing::AddGlobalTestEnvironment(new shared_engine);

/// Starts the coroutine `make_coroutine()` on core 0 and returns at once; finish() waits for it.
/// co_spawn keeps the lambda (and so its captures) alive until the coroutine ends.
template <class MakeCoroutine>
std::future<void> start_ours(socket_world& world, MakeCoroutine make_coroutine) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  world.on(0, [&] {
    asio::co_spawn(this_reactor().get_executor(), std::move(make_coroutine),
                   [done](std::exception_ptr error) {
                     if (error) {
                       done->set_exception(error);
                     } else {
                       done->set_value();
                     }
                   });
  });
  return finished;
}

/// Waits for our side. Still running wait_ms after the libzmq side finished means it waits for
/// something that will not come: closing the socket ends its operation (socket_closed), so the
/// test fails instead of hanging.
void finish(socket_world& world, std::future<void>& ours, zmq::socket& s) {
  if (ours.wait_for(std::chrono::milliseconds(wait_ms)) != std::future_status::ready) {
    ADD_FAILURE() << "our side did not finish within " << wait_ms << " ms of the libzmq side; closing it";
    world.on(0, [&] { s.close(); });
  }
  try {
    get_within_deadline(ours);
  } catch (const std::exception& error) {
    ADD_FAILURE() << "our side failed: " << error.what();
  }
}

/// Polls `done` (every 2 ms) for up to wait_ms.
template <class Predicate>
bool eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

message to_message(const frames& parts) {
  message m;
  for (const std::string& part : parts) m.push_back(frame::copy_of(part));
  return m;
}

frames joined(const frames& head, const frames& tail) {
  frames all = head;
  all.insert(all.end(), tail.begin(), tail.end());
  return all;
}

/// Frame lists compared without printing megabytes: counts, sizes and the first difference.
::testing::AssertionResult same_frames(const frames& got, const frames& expected) {
  std::ostringstream diff;
  if (got.size() != expected.size()) diff << got.size() << " frames, expected " << expected.size() << "; ";
  for (std::size_t i = 0; i < std::min(got.size(), expected.size()); ++i) {
    if (got[i] == expected[i]) continue;
    diff << "frame " << i << ": " << got[i].size() << " bytes, expected " << expected[i].size();
    if (got[i].size() <= 64 && expected[i].size() <= 64)
      diff << " (\"" << got[i] << "\" vs \"" << expected[i] << "\")";
    return ::testing::AssertionFailure() << diff.str();
  }
  if (got.size() != expected.size()) return ::testing::AssertionFailure() << diff.str();
  return ::testing::AssertionSuccess();
}

/// A 5-byte routing id starting with 0: the one a ROUTER makes up for a peer without Identity.
bool is_generated_id(std::string_view id) { return id.size() == 5 && id[0] == '\0'; }

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
  /// What the server receives before the body; `id` is the routing id it saw (ROUTER only).
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

/// Who binds: our socket, or libzmq's (and ours connects).
enum class binder { ours, libzmq };

std::string binder_name(binder b) { return b == binder::ours ? "we_bind" : "we_connect"; }
std::ostream& operator<<(std::ostream& out, binder b) { return out << binder_name(b); }

/// Binds one side and connects the other on 127.0.0.1.
void link(socket_world& world, zmq::socket& ours, libzmq_socket& theirs, binder b) {
  if (b == binder::ours) {
    theirs.connect(world.on(0, [&] {
      ours.bind("tcp://127.0.0.1:*");
      return ours.last_endpoint();
    }));
  } else {
    const std::string endpoint = theirs.bind();
    world.on(0, [&] { ours.connect(endpoint); });
  }
}

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
  finish(world, done, ours);
  world.on(0, [&] {
    EXPECT_EQ(ours.stats().protocol_errors, 0u);
    EXPECT_EQ(ours.stats().handshake_failures, 0u);
    EXPECT_EQ(ours.stats().disconnects, 0u);
  });
}

/// Where the framing changes: empty, one byte, the largest short frame, the smallest long
/// frame, and two large bodies (64 KiB goes out as its own slice, 1 MiB spans many reads).
const std::size_t sizes[] = {0, 1, 255, 256, 64 * 1024, 1024 * 1024};

std::vector<frames> single_frame_bodies() {
  std::vector<frames> bodies;
  for (std::size_t i = 0; i < std::size(sizes); ++i) bodies.push_back(frames(1, pattern(sizes[i], i + 1)));
  return bodies;
}

/// Five frames of mixed sizes, an empty one among them.
frames five_frames(std::size_t seed) {
  return {"first", "", pattern(300, seed), pattern(70000, seed + 1), "last"};
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

constexpr int stream_length = 100000;

frames sequence_body(int i) { return frames(1, std::to_string(i)); }

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
  finish(world, done, ours);
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

// --- PUSH and PULL ------------------------------------------------------------------------------

/// Which side pushes.
struct pipeline {
  const char* name;
  bool ours_pushes;
};

std::ostream& operator<<(std::ostream& out, const pipeline& p) { return out << p.name; }

const pipeline pipelines[] = {{"ours_push_to_libzmq_pull", true}, {"libzmq_push_to_ours_pull", false}};

/// Sends every message from the pusher; the puller checks each in order.
void push_all(const pipeline& p, binder b, const std::vector<frames>& messages, std::uint32_t hwm = 0) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  socket_options options;
  if (hwm != 0) options.sndhwm = options.rcvhwm = hwm;
  zmq::socket ours = world.make(0, p.ours_pushes ? socket_type::push : socket_type::pull, options);
  libzmq_socket theirs(context, p.ours_pushes ? ZMQ_PULL : ZMQ_PUSH);
  if (hwm != 0) {
    theirs.set(ZMQ_SNDHWM, static_cast<int>(hwm));
    theirs.set(ZMQ_RCVHWM, static_cast<int>(hwm));
  }
  link(world, ours, theirs, b);
  std::future<void> done;
  if (p.ours_pushes) {
    done = start_ours(world, [&]() -> asio::awaitable<void> {
      for (const frames& m : messages) co_await ours.async_send(to_message(m), asio::use_awaitable);
    });
    for (std::size_t i = 0; i < messages.size(); ++i) {
      std::optional<frames> m = theirs.receive();
      if (!m) break;
      const ::testing::AssertionResult same = same_frames(*m, messages[i]);
      if (!same) {
        ADD_FAILURE() << "libzmq, message " << i << ": " << same.message();
        break;
      }
    }
  } else {
    done = start_ours(world, [&]() -> asio::awaitable<void> {
      for (std::size_t i = 0; i < messages.size(); ++i) {
        message m = co_await ours.async_receive(asio::use_awaitable);
        const ::testing::AssertionResult same = same_frames(texts(m), messages[i]);
        if (!same) {
          ADD_FAILURE() << "ours, message " << i << ": " << same.message();
          co_return;
        }
      }
    });
    for (const frames& m : messages) {
      if (!theirs.send(m)) break;
    }
  }
  finish(world, done, ours);
  world.on(0, [&] {
    const socket_stats& stats = ours.stats();
    EXPECT_EQ(p.ours_pushes ? stats.messages_out : stats.messages_in, messages.size());
    EXPECT_EQ(stats.protocol_errors, 0u);
    EXPECT_EQ(stats.disconnects, 0u);
  });
}

class libzmq_pipeline : public ::testing::TestWithParam<std::tuple<pipeline, binder>> {};

TEST_P(libzmq_pipeline, every_size_arrives_intact) {
  const auto& [p, b] = GetParam();
  push_all(p, b, single_frame_bodies());
}

TEST_P(libzmq_pipeline, five_frame_messages_arrive_whole) {
  const auto& [p, b] = GetParam();
  std::vector<frames> messages;
  for (std::size_t seed = 0; seed < 3; ++seed) messages.push_back(five_frames(seed));
  push_all(p, b, messages);
}

TEST_P(libzmq_pipeline, sizes_around_our_buffer_boundaries_arrive_intact) {
  const auto& [p, b] = GetParam();
  // Our inline frame limit (32), the write batch's copy limit (8 KiB), the batch and read buffer
  // (16 KiB), the largest pooled buffer (64 KiB), and an oversized one.
  const std::size_t boundaries[] = {31,    32,    33,    8191,  8192,
                                    8193,  16383, 16384, 16385, 65535,
                                    65536, 65537, 16000, 24000, 2 * 1024 * 1024 + 3};
  std::vector<frames> messages;
  for (std::size_t i = 0; i < std::size(boundaries); ++i) {
    messages.push_back(frames(1, pattern(boundaries[i], i)));
  }
  push_all(p, b, messages);
}

TEST_P(libzmq_pipeline, a_message_of_two_hundred_frames_arrives_whole) {
  const auto& [p, b] = GetParam();
  // More frames than one gathered write takes (64 buffers), big and small ones mixed.
  frames parts;
  for (std::size_t i = 0; i < 200; ++i) parts.push_back(pattern(i % 3 == 0 ? 9000 + i : i % 40, i));
  std::vector<frames> messages(2, parts);
  push_all(p, b, messages);
}

TEST_P(libzmq_pipeline, high_water_marks_of_one_lose_and_reorder_nothing) {
  const auto& [p, b] = GetParam();
  // Every message waits for room on both sides: our sends and reads stop and resume constantly,
  // with many messages in one read.
  std::vector<frames> messages;
  for (int i = 0; i < 5000; ++i) messages.push_back(i % 100 == 0 ? five_frames(i) : sequence_body(i));
  push_all(p, b, messages, 1);
}

TEST_P(libzmq_pipeline, a_hundred_thousand_messages_arrive_in_order) {
  const auto& [p, b] = GetParam();
  std::vector<frames> messages;
  messages.reserve(stream_length);
  for (int i = 0; i < stream_length; ++i) messages.push_back(sequence_body(i));
  push_all(p, b, messages);
}

std::string pipeline_name(const ::testing::TestParamInfo<std::tuple<pipeline, binder>>& info) {
  return std::string(std::get<0>(info.param).name) + "_" + binder_name(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(directions, libzmq_pipeline,
                         ::testing::Combine(::testing::ValuesIn(pipelines),
                                            ::testing::Values(binder::ours, binder::libzmq)),
                         pipeline_name);

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
  finish(world, done, ours);
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

// --- heartbeats -----------------------------------------------------------------------------------

class libzmq_heartbeat : public ::testing::TestWithParam<binder> {};

TEST_P(libzmq_heartbeat, we_answer_libzmq_pings_and_keep_the_connection) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::router);
  libzmq_socket theirs(context, ZMQ_DEALER);
  // libzmq pings every 50 ms and drops the connection when nothing comes back within 50 ms (the
  // timeout defaults to the interval).
  theirs.set(ZMQ_HEARTBEAT_IVL, 50);
  theirs.set(ZMQ_ROUTING_ID, std::string_view("beating"));
  link(world, ours, theirs, GetParam());
  constexpr int rounds = 6;
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < rounds; ++i) {
      message m = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_TRUE(same_frames(texts(m), strings("beating", "beat " + std::to_string(i))));
      co_await ours.async_send(std::move(m), asio::use_awaitable);
    }
  });
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) {
    if (i > 0) std::this_thread::sleep_for(70ms);  // quiet: only PINGs and PONGs cross
    if (!theirs.send(frames(1, "beat " + std::to_string(i)))) break;
    std::optional<frames> reply = theirs.receive();
    if (!reply) break;
    EXPECT_TRUE(same_frames(*reply, frames(1, "beat " + std::to_string(i))));
  }
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  finish(world, done, ours);
  world.on(0, [&] {
    const socket_stats& stats = ours.stats();
    EXPECT_EQ(stats.disconnects, 0u) << "libzmq dropped us: our PONGs did not come in time";
    EXPECT_EQ(stats.connections_accepted + stats.connections_made, 1u);
    EXPECT_EQ(stats.protocol_errors, 0u);
  });
}

TEST_P(libzmq_heartbeat, libzmq_answers_our_pings_on_a_quiet_connection) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::dealer, options_with([](socket_options& o) {
                                  o.heartbeat_ivl = 50ms;
                                  o.heartbeat_ttl = 300ms;  // libzmq drops us after 300 ms of silence
                                  o.routing_id = "pinger";
                                }));
  libzmq_socket theirs(context, ZMQ_ROUTER);
  link(world, ours, theirs, GetParam());
  constexpr int rounds = 3;
  std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < rounds; ++i) {
      if (i > 0) co_await sleep_for(150ms, asio::use_awaitable);  // quiet: only PINGs and PONGs
      co_await ours.async_send(to_message(frames(1, "ping " + std::to_string(i))), asio::use_awaitable);
      message m = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_TRUE(same_frames(texts(m), frames(1, "pong " + std::to_string(i))));
    }
  });
  for (int i = 0; i < rounds; ++i) {
    std::optional<frames> request = theirs.receive();
    if (!request) break;
    EXPECT_TRUE(same_frames(*request, strings("pinger", "ping " + std::to_string(i))));
    if (!theirs.send(strings("pinger", "pong " + std::to_string(i)))) break;
  }
  finish(world, done, ours);
  world.on(0, [&] {
    const socket_stats& stats = ours.stats();
    EXPECT_EQ(stats.disconnects, 0u) << "we dropped libzmq: its PONGs did not count";
    EXPECT_EQ(stats.protocol_errors, 0u);
  });
}

INSTANTIATE_TEST_SUITE_P(sides, libzmq_heartbeat, ::testing::Values(binder::ours, binder::libzmq),
                         [](const ::testing::TestParamInfo<binder>& info) {
                           return binder_name(info.param);
                         });

// --- a libzmq peer that restarts ----------------------------------------------------------------

/// Binds `s` to `endpoint`, retrying while the closed socket before it still holds the port
/// (libzmq closes its listener in its I/O thread, after zmq_close has returned).
void rebind(libzmq_socket& s, const std::string& endpoint) {
  EXPECT_TRUE(eventually([&] { return s.try_bind(endpoint); })) << "cannot bind " << endpoint << " again";
}

/// Queues `parts` on our socket (a send below the high-water mark completes at once).
void send_from_ours(socket_world& world, zmq::socket& ours, const frames& parts) {
  world.run(0, [&]() -> asio::awaitable<void> {
    co_await ours.async_send(to_message(parts), asio::use_awaitable);
  });
}

std::uint64_t disconnects_of(socket_world& world, zmq::socket& ours) {
  return world.on(0, [&] { return ours.stats().disconnects; });
}

TEST(libzmq_restart, our_connecting_push_reaches_the_restarted_pull) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::push);
  auto theirs = std::make_unique<libzmq_socket>(context, ZMQ_PULL);
  const std::string endpoint = theirs->bind();
  world.on(0, [&] { ours.connect(endpoint); });
  send_from_ours(world, ours, frames(1, "before"));
  std::optional<frames> before = theirs->receive();
  EXPECT_TRUE(before && same_frames(*before, frames(1, "before")));

  theirs.reset();
  ASSERT_TRUE(eventually([&] { return disconnects_of(world, ours) >= 1; })) << "we did not see the close";
  theirs = std::make_unique<libzmq_socket>(context, ZMQ_PULL);
  rebind(*theirs, endpoint);
  for (int i = 0; i < 3; ++i) send_from_ours(world, ours, frames(1, "after " + std::to_string(i)));
  for (int i = 0; i < 3; ++i) {
    std::optional<frames> after = theirs->receive();
    ASSERT_TRUE(after);
    EXPECT_TRUE(same_frames(*after, frames(1, "after " + std::to_string(i))));
  }
  world.on(0, [&] { EXPECT_GE(ours.stats().reconnect_attempts, 1u); });
}

TEST(libzmq_restart, our_connecting_dealer_talks_to_the_restarted_router) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::dealer,
                                options_with([](socket_options& o) { o.routing_id = "our-dealer"; }));
  auto theirs = std::make_unique<libzmq_socket>(context, ZMQ_ROUTER);
  const std::string endpoint = theirs->bind();
  world.on(0, [&] { ours.connect(endpoint); });
  auto exchange = [&](const std::string& text) {
    std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
      co_await ours.async_send(to_message(frames(1, text)), asio::use_awaitable);
      message reply = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_TRUE(same_frames(texts(reply), frames(1, "re: " + text)));
    });
    std::optional<frames> request = theirs->receive();
    if (request) {
      EXPECT_TRUE(same_frames(*request, strings("our-dealer", text)));
      theirs->send(strings("our-dealer", "re: " + text));
    }
    finish(world, done, ours);
  };
  exchange("before");
  theirs.reset();
  ASSERT_TRUE(eventually([&] { return disconnects_of(world, ours) >= 1; })) << "we did not see the close";
  theirs = std::make_unique<libzmq_socket>(context, ZMQ_ROUTER);
  rebind(*theirs, endpoint);
  exchange("after");
  world.on(0, [&] { EXPECT_GE(ours.stats().reconnect_attempts, 1u); });
}

TEST(libzmq_restart, our_bound_pull_hears_the_restarted_push) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::pull);
  const std::string endpoint = world.on(0, [&] {
    ours.bind("tcp://127.0.0.1:*");
    return ours.last_endpoint();
  });
  auto receive_one = [&](const std::string& text) {
    auto theirs = std::make_unique<libzmq_socket>(context, ZMQ_PUSH);
    theirs->connect(endpoint);
    std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
      message m = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_TRUE(same_frames(texts(m), frames(1, text)));
    });
    theirs->send(frames(1, text));
    finish(world, done, ours);
    return theirs;
  };
  auto first = receive_one("first");
  first.reset();
  ASSERT_TRUE(eventually([&] { return disconnects_of(world, ours) >= 1; })) << "we did not see the close";
  auto second = receive_one("second");
  world.on(0, [&] { EXPECT_EQ(ours.stats().connections_accepted, 2u); });
}

TEST(libzmq_restart, our_bound_router_takes_the_same_routing_id_again) {
  socket_world& world = shared_engine::world();
  libzmq_context context;
  zmq::socket ours = world.make(0, socket_type::router);
  const std::string endpoint = world.on(0, [&] {
    ours.bind("tcp://127.0.0.1:*");
    return ours.last_endpoint();
  });
  auto exchange = [&](const std::string& text) {
    auto theirs = std::make_unique<libzmq_socket>(context, ZMQ_DEALER);
    theirs->set(ZMQ_ROUTING_ID, std::string_view("returning"));
    theirs->connect(endpoint);
    std::future<void> done = start_ours(world, [&]() -> asio::awaitable<void> {
      message m = co_await ours.async_receive(asio::use_awaitable);
      EXPECT_TRUE(same_frames(texts(m), strings("returning", text)));
      co_await ours.async_send(std::move(m), asio::use_awaitable);
    });
    theirs->send(frames(1, text));
    std::optional<frames> echo = theirs->receive();
    EXPECT_TRUE(echo && same_frames(*echo, frames(1, text)));
    finish(world, done, ours);
    return theirs;
  };
  auto first = exchange("first");
  first.reset();
  // Once we have seen the old connection go, the id is free for the new one.
  ASSERT_TRUE(eventually([&] { return disconnects_of(world, ours) >= 1; })) << "we did not see the close";
  auto second = exchange("second");
  world.on(0, [&] { EXPECT_EQ(ours.stats().handshake_failures, 0u); });
}

}  // namespace
}  // namespace shardmq::net::zmq::testing
