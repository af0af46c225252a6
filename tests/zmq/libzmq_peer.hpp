#pragma once
// The two sides of the libzmq interop tests: a libzmq socket run in the test thread with every
// wait bounded (ZMQ_RCVTIMEO / ZMQ_SNDTIMEO), our socket on core 0 of one engine shared by the
// whole binary, and the comparisons both use. When the libzmq side gives up, our socket is
// closed so that our side ends too: a broken case fails, it never hangs. libzmq is linked into
// these tests only.

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

inline int libzmq_type(socket_type type) {
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

/// `count` libzmq sockets of `type` connected to `endpoint`; with `id_prefix`, each announces the
/// routing id id_prefix + its index.
inline std::vector<std::unique_ptr<libzmq_socket>> connected_peers(libzmq_context& context, int type,
                                                                   int count, const std::string& endpoint,
                                                                   const std::string& id_prefix = "") {
  std::vector<std::unique_ptr<libzmq_socket>> peers;
  for (int i = 0; i < count; ++i) {
    peers.push_back(std::make_unique<libzmq_socket>(context, type));
    if (!id_prefix.empty()) peers.back()->set(ZMQ_ROUTING_ID, id_prefix + std::to_string(i));
    peers.back()->connect(endpoint);
  }
  return peers;
}

/// "name 12": a message numbered in its sender's stream.
inline std::string numbered(const std::string& name, int seq) { return name + " " + std::to_string(seq); }

/// Each peer sends `per_peer` messages "<prefix><index> <seq>", taking turns. False (after a test
/// failure) when one could not go.
inline bool send_numbered_streams(std::vector<std::unique_ptr<libzmq_socket>>& peers, int per_peer,
                                  const std::string& prefix) {
  for (int seq = 0; seq < per_peer; ++seq) {
    for (std::size_t i = 0; i < peers.size(); ++i) {
      if (!peers[i]->send({numbered(prefix + std::to_string(i), seq)})) return false;
    }
  }
  return true;
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
/// test fails instead of hanging. False when our side did not end normally (the socket may be
/// closed then: skip what reads it).
inline bool finish(socket_world& world, std::future<void>& ours, zmq::socket& s) {
  if (ours.wait_for(std::chrono::milliseconds(wait_ms)) != std::future_status::ready) {
    ADD_FAILURE() << "our side did not finish within " << wait_ms << " ms of the libzmq side; closing it";
    world.on(0, [&] { s.close(); });
  }
  try {
    get_within_deadline(ours);
    return s.is_open();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "our side failed: " << error.what();
    return false;
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

inline message to_message(const frames& parts) {
  message m;
  for (const std::string& part : parts) m.push_back(frame::copy_of(part));
  return m;
}

inline frames joined(const frames& head, const frames& tail) {
  frames all = head;
  all.insert(all.end(), tail.begin(), tail.end());
  return all;
}

/// Frame lists compared without printing megabytes: counts, sizes and the first difference.
inline ::testing::AssertionResult same_frames(const frames& got, const frames& expected) {
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
inline bool is_generated_id(std::string_view id) { return id.size() == 5 && id[0] == '\0'; }

/// Where the framing changes: empty, one byte, the largest short frame, the smallest long
/// frame, and two large bodies (64 KiB goes out as its own slice, 1 MiB spans many reads).
inline constexpr std::size_t sizes[] = {0, 1, 255, 256, 64 * 1024, 1024 * 1024};

inline std::vector<frames> single_frame_bodies() {
  std::vector<frames> bodies;
  for (std::size_t i = 0; i < std::size(sizes); ++i) bodies.push_back(frames(1, pattern(sizes[i], i + 1)));
  return bodies;
}

/// Five frames of mixed sizes, an empty one among them.
inline frames five_frames(std::size_t seed) {
  return {"first", "", pattern(300, seed), pattern(70000, seed + 1), "last"};
}

/// How many messages a long stream carries, each numbered in its only frame.
inline constexpr int stream_length = 100000;

inline frames sequence_body(int i) { return frames(1, std::to_string(i)); }

/// Who binds: our socket, or libzmq's (and ours connects).
enum class binder { ours, libzmq };

inline std::string binder_name(binder b) { return b == binder::ours ? "we_bind" : "we_connect"; }
inline std::ostream& operator<<(std::ostream& out, binder b) { return out << binder_name(b); }

/// Binds one side and connects the other on 127.0.0.1.
inline void link(socket_world& world, zmq::socket& ours, libzmq_socket& theirs, binder b) {
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

}  // namespace shardmq::net::zmq::testing
