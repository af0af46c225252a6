// Our codec against bytes a real libzmq (the system's libzmq3-dev) puts on and takes off the
// wire: a plain loopback TCP socket plays our side, libzmq sockets the other. libzmq is linked
// into this test only, never into the library.

#include <gtest/gtest.h>
#include <zmq.h>
#include <shardmq/alloc/buffer_pool.hpp>
#include <shardmq/net/zmtp/command.hpp>
#include <shardmq/net/zmtp/frame_decoder.hpp>
#include <shardmq/net/zmtp/frame_encoder.hpp>
#include <shardmq/net/zmtp/greeting.hpp>

#include "byte_dump.hpp"
#include "frame_stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace shardmq::net::zmtp {
namespace {

using testing::bytes_of;
using testing::decoded;

constexpr int wait_ms = 5000;  // every wait on the peer is bounded by this

// A loopback TCP socket playing the shardmq side.
class raw_socket {
 public:
  explicit raw_socket(int fd = -1) : fd_(fd) {}
  raw_socket(raw_socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ~raw_socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

  // A listener on 127.0.0.1 with an ephemeral port; returns the port.
  static raw_socket listen_loopback(int& port) {
    raw_socket s(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(s.fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(s.fd_, 4), 0);
    socklen_t size = sizeof address;
    ::getsockname(s.fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port = ntohs(address.sin_port);
    return s;
  }
  static raw_socket connect_loopback(int port) {
    raw_socket s(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    EXPECT_EQ(::connect(s.fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    return s;
  }
  raw_socket accept_one() const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, wait_ms) != 1) return raw_socket();
    return raw_socket(::accept(fd_, nullptr, nullptr));
  }
  void write_all(std::span<const std::byte> bytes) const {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      ASSERT_GT(n, 0);
      bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
  }
  // Appends what arrives within `ms`; false at end of stream or timeout.
  bool read_some(std::vector<std::byte>& into, int ms = wait_ms) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return false;
    std::byte buffer[65536];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    into.insert(into.end(), buffer, buffer + n);
    return true;
  }

 private:
  int fd_;
};

// What the peer sent: greeting, then frames, read from a growing capture.
struct peer_stream {
  explicit peer_stream(alloc::buffer_pool& pool) : decoder(pool) {}
  greeting_reader greeting;
  frame_decoder decoder;
  std::vector<decoded> frames;
  std::size_t parsed = 0;

  void consume(const std::vector<std::byte>& captured) {
    std::span<const std::byte> input = std::span(captured).subspan(parsed);
    parsed = captured.size();
    if (!greeting.done()) input = input.subspan(greeting.feed(input));
    ASSERT_FALSE(greeting.failed()) << greeting.error().reason;
    if (!greeting.done()) return;
    decoded_frame out;
    decode_status status;
    while ((status = decoder.decode(input, out)) == decode_status::frame)
      frames.push_back(testing::to_decoded(out));
    ASSERT_NE(status, decode_status::error) << decoder.error().reason;
  }
};

// Reads until `done` holds or the bounded wait ends.
template <class Done>
void read_until(const raw_socket& socket, std::vector<std::byte>& captured, peer_stream& stream, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (!socket.read_some(captured, 200)) continue;
    stream.consume(captured);
  }
}

ready_metadata ready_of(const decoded& frame) {
  command cmd;
  EXPECT_FALSE(parse_command(bytes_of(frame.body), cmd));
  EXPECT_EQ(cmd.name, command_name::ready);
  ready_metadata meta;
  EXPECT_FALSE(parse_ready(cmd.data, meta));
  return meta;
}

std::vector<std::byte> our_handshake(socket_type type) {
  const auto greeting = make_greeting();
  std::vector<std::byte> out(greeting.begin(), greeting.end());
  std::vector<std::byte> ready(ready_frame_size(type, {}));
  write_ready(ready, type);
  out.insert(out.end(), ready.begin(), ready.end());
  return out;
}

struct zmq_context {
  void* context = zmq_ctx_new();
  ~zmq_context() { zmq_ctx_term(context); }
};

// A libzmq socket that lingers 0 ms so the test never hangs in zmq_ctx_term.
struct libzmq_socket {
  libzmq_socket(zmq_context& ctx, int type) : socket(::zmq_socket(ctx.context, type)) {
    const int zero = 0;
    zmq_setsockopt(socket, ZMQ_LINGER, &zero, sizeof zero);
    const int timeout = wait_ms;
    zmq_setsockopt(socket, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(socket, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
  }
  ~libzmq_socket() { zmq_close(socket); }
  void* socket;
};

/// Binds a libzmq socket to an ephemeral loopback port and returns the port (0 on failure).
int bind_ephemeral(libzmq_socket& socket) {
  if (zmq_bind(socket.socket, "tcp://127.0.0.1:*") != 0) return 0;
  char endpoint[256];
  std::size_t endpoint_size = sizeof endpoint;
  zmq_getsockopt(socket.socket, ZMQ_LAST_ENDPOINT, endpoint, &endpoint_size);
  const std::string text(endpoint);
  return std::stoi(text.substr(text.rfind(':') + 1));
}

TEST(libzmq_interop, we_parse_the_greeting_ready_ping_and_multipart_message_of_a_libzmq_dealer) {
  alloc::buffer_pool pool;
  pool.bind_to_this_thread();
  int port = 0;
  const raw_socket listener = raw_socket::listen_loopback(port);
  zmq_context ctx;
  {
    libzmq_socket dealer(ctx, ZMQ_DEALER);
    ASSERT_EQ(zmq_setsockopt(dealer.socket, ZMQ_ROUTING_ID, "peer-1", 6), 0);
    const int heartbeat_ivl = 50, heartbeat_ttl = 3000;
    zmq_setsockopt(dealer.socket, ZMQ_HEARTBEAT_IVL, &heartbeat_ivl, sizeof heartbeat_ivl);
    zmq_setsockopt(dealer.socket, ZMQ_HEARTBEAT_TTL, &heartbeat_ttl, sizeof heartbeat_ttl);
    ASSERT_EQ(zmq_connect(dealer.socket, ("tcp://127.0.0.1:" + std::to_string(port)).c_str()), 0);
    const std::string big(300, 'B');
    ASSERT_EQ(zmq_send(dealer.socket, "hello", 5, ZMQ_SNDMORE), 5);
    ASSERT_EQ(zmq_send(dealer.socket, "", 0, ZMQ_SNDMORE), 0);
    ASSERT_EQ(zmq_send(dealer.socket, big.data(), big.size(), 0), 300);

    const raw_socket connection = listener.accept_one();
    ASSERT_GE(connection.fd(), 0) << "libzmq did not connect";
    connection.write_all(our_handshake(socket_type::router));

    std::vector<std::byte> captured;
    peer_stream stream(pool);
    const auto has_ping = [&] {
      for (const decoded& f : stream.frames)
        if (f.command && f.body.starts_with("\x04PING")) return true;
      return false;
    };
    read_until(connection, captured, stream, [&] { return stream.frames.size() >= 4 && has_ping(); });

    ASSERT_TRUE(stream.greeting.done());
    EXPECT_EQ(stream.greeting.peer().major, 3);
    EXPECT_EQ(stream.greeting.peer().minor, 1) << "libzmq 4.3.3+ announces ZMTP 3.1";
    EXPECT_FALSE(stream.greeting.peer().as_server);
    // Byte for byte ours but for the padding, where libzmq puts identity length + 1 ("peer-1": 7).
    std::vector<std::byte> theirs(captured.begin(), captured.begin() + greeting_size);
    EXPECT_EQ(theirs[8], std::byte{7});
    theirs[8] = std::byte{1};
    EXPECT_EQ(testing::to_hex(theirs), testing::to_hex(make_greeting()));

    ASSERT_GE(stream.frames.size(), 4u);
    EXPECT_TRUE(stream.frames[0].command);
    const ready_metadata meta = ready_of(stream.frames[0]);
    EXPECT_EQ(meta.socket_type, "DEALER");
    ASSERT_TRUE(meta.has_identity);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(meta.identity.data()), meta.identity.size()),
              "peer-1");
    EXPECT_FALSE(check_peer_socket_type(socket_type::router, meta));
    EXPECT_EQ(check_peer_socket_type(socket_type::pull, meta).code, errc::incompatible_socket_type);

    // The message, then PINGs (libzmq may interleave a PING only between whole messages).
    std::vector<decoded> data;
    for (const decoded& f : stream.frames)
      if (!f.command) data.push_back(f);
    ASSERT_EQ(data.size(), 3u);
    EXPECT_EQ(data[0], (decoded{"hello", true, false}));
    EXPECT_EQ(data[1], (decoded{"", true, false}));
    EXPECT_EQ(data[2], (decoded{big, false, false}));
    ASSERT_TRUE(has_ping());
    for (const decoded& f : stream.frames) {
      if (!f.command || !f.body.starts_with("\x04PING")) continue;
      command cmd;
      ASSERT_FALSE(parse_command(bytes_of(f.body), cmd));
      ping p;
      ASSERT_FALSE(parse_ping(cmd.data, p));
      EXPECT_EQ(p.ttl_deciseconds, 30) << "ZMQ_HEARTBEAT_TTL 3000 ms travels as 30 deciseconds";
      EXPECT_TRUE(p.context.empty());
      break;
    }

    // The capture decodes the same however it is cut.
    const std::size_t stream_end = stream.parsed;
    const std::span<const std::byte> frames_bytes =
        std::span(captured).subspan(greeting_size, stream_end - greeting_size);
    const std::vector<decoded> whole = testing::decode_all(pool, frames_bytes);
    for (std::size_t cut = 1; cut < frames_bytes.size(); ++cut) {
      ASSERT_EQ(testing::decode_two_parts(pool, frames_bytes, cut, true), whole) << cut;
    }
    EXPECT_EQ(testing::decode_all(pool, frames_bytes, 1), whole);
    for (std::size_t cut = 1; cut < greeting_size; ++cut) {
      greeting_reader reader;
      reader.feed(std::span(captured).first(cut));
      reader.feed(std::span(captured).subspan(cut, greeting_size - cut));
      ASSERT_TRUE(reader.done()) << cut;
    }
  }
  alloc::buffer_pool::unbind_this_thread();
}

TEST(libzmq_interop, a_libzmq_pull_receives_short_long_and_multipart_frames_we_encode) {
  zmq_context ctx;
  libzmq_socket pull(ctx, ZMQ_PULL);
  const int port = bind_ephemeral(pull);
  ASSERT_GT(port, 0);

  const raw_socket connection = raw_socket::connect_loopback(port);
  connection.write_all(our_handshake(socket_type::push));

  // libzmq's own READY as a PULL: Socket-Type only. Messages may go only after it arrived:
  // libzmq 4.3.4 takes a data frame that reaches it before it has sent its own READY for a
  // handshake command and drops the connection (ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND).
  alloc::buffer_pool pool;
  pool.bind_to_this_thread();
  std::vector<std::byte> captured;
  peer_stream stream(pool);
  read_until(connection, captured, stream, [&] { return !stream.frames.empty(); });
  ASSERT_FALSE(stream.frames.empty());
  const ready_metadata meta = ready_of(stream.frames[0]);
  EXPECT_EQ(meta.socket_type, "PULL");
  EXPECT_FALSE(meta.has_identity) << "libzmq sends Identity only for REQ, DEALER and ROUTER";

  const std::string short_body(255, 's');
  const std::string long_body(70000, 'l');
  zmq::message multipart;
  multipart.push_back(zmq::frame::copy_of(std::string_view("part-1")));
  multipart.push_back(zmq::frame());
  multipart.push_back(zmq::frame::copy_of(std::string_view("part-3")));
  std::vector<std::byte> out;
  for (const std::string* body : {&short_body, &long_body}) {
    std::vector<std::byte> frame(encoded_frame_size(body->size()));
    write_frame(frame, bytes_of(*body), false);
    out.insert(out.end(), frame.begin(), frame.end());
  }
  std::vector<std::byte> message_bytes(encoded_message_size(multipart));
  write_message(message_bytes, multipart);
  out.insert(out.end(), message_bytes.begin(), message_bytes.end());
  connection.write_all(out);

  std::vector<char> buffer(100000);
  const auto receive = [&](int& more) {
    const int n = zmq_recv(pull.socket, buffer.data(), buffer.size(), 0);
    more = 0;
    std::size_t size = sizeof more;
    zmq_getsockopt(pull.socket, ZMQ_RCVMORE, &more, &size);
    return n < 0 ? std::string("<zmq_recv failed>") : std::string(buffer.data(), static_cast<std::size_t>(n));
  };
  int more = 0;
  EXPECT_TRUE(receive(more) == short_body) << "255-byte frame";
  EXPECT_EQ(more, 0);
  EXPECT_TRUE(receive(more) == long_body) << "70000-byte frame, long form";
  EXPECT_EQ(receive(more), "part-1");
  EXPECT_EQ(more, 1);
  EXPECT_EQ(receive(more), "");
  EXPECT_EQ(more, 1);
  EXPECT_EQ(receive(more), "part-3");
  EXPECT_EQ(more, 0);

  alloc::buffer_pool::unbind_this_thread();
}

TEST(libzmq_interop, libzmq_closes_a_peer_of_an_incompatible_socket_type_without_error) {
  zmq_context ctx;
  libzmq_socket pull(ctx, ZMQ_PULL);
  const int port = bind_ephemeral(pull);
  ASSERT_GT(port, 0);
  const raw_socket connection = raw_socket::connect_loopback(port);
  connection.write_all(our_handshake(socket_type::dealer));
  std::vector<std::byte> captured;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    pollfd p{connection.fd(), POLLIN, 0};
    if (::poll(&p, 1, 200) != 1) continue;
    closed = !connection.read_some(captured, 0);
  }
  EXPECT_TRUE(closed) << "libzmq kept a DEALER peer on a PULL socket";
  // Whatever it sent before closing (greeting, READY) holds no ERROR command.
  alloc::buffer_pool pool;
  peer_stream stream(pool);
  stream.consume(captured);
  for (const decoded& f : stream.frames)
    EXPECT_FALSE(f.command && f.body.starts_with("\x05"
                                                 "ERROR"));
}

}  // namespace
}  // namespace shardmq::net::zmtp
