// The NULL-mechanism session: our opening bytes, the peer's handshake and traffic read from any
// split (PING answered, PONG and unknown commands dropped, SUBSCRIBE/CANCEL surfaced), and each
// way a peer can break the protocol.

#include <gtest/gtest.h>
#include <shardmq/net/zmtp/command.hpp>
#include <shardmq/net/zmtp/frame_encoder.hpp>
#include <shardmq/net/zmtp/greeting.hpp>
#include <shardmq/net/zmtp/null_session.hpp>

#include "byte_dump.hpp"

#include <cstring>
#include <ostream>
#include <string>
#include <vector>

namespace shardmq::net::zmtp {
namespace {

using testing::bytes_of;
using testing::from_hex;
using testing::to_hex;

// What a libzmq DEALER with identity "peer-1" sends: greeting, READY, then traffic.
std::vector<std::byte> dealer_stream() {
  std::vector<std::byte> stream;
  const auto append = [&](std::span<const std::byte> bytes) {
    stream.insert(stream.end(), bytes.begin(), bytes.end());
  };
  auto greeting = make_greeting();
  greeting[8] = std::byte{7};  // libzmq: identity length + 1
  append(greeting);
  std::vector<std::byte> ready(ready_frame_size(socket_type::dealer, bytes_of("peer-1")));
  write_ready(ready, socket_type::dealer, bytes_of("peer-1"));
  append(ready);
  append(from_hex("04 09 04 50 49 4E 47 00 1E 43 58"));           // PING ttl 3 s, context "CX"
  append(from_hex("04 05 04 50 4F 4E 47"));                       // PONG
  append(from_hex("04 06 05 48 45 4C 4C 4F"));                    // HELLO: unknown here, dropped
  append(from_hex("01 05 68 65 6C 6C 6F 00 01 41"));              // "hello" MORE, "A"
  append(from_hex("04 0C 09 53 55 42 53 43 52 49 42 45 41 42"));  // SUBSCRIBE "AB"
  append(from_hex("04 09 06 43 41 4E 43 45 4C 41 42"));           // CANCEL "AB"
  return stream;
}

struct event_record {
  session_event event;
  std::string body;
  bool more = false;
  bool operator==(const event_record&) const = default;
};
std::ostream& operator<<(std::ostream& out, const event_record& r) {
  return out << "{" << static_cast<int>(r.event) << " '" << r.body << "'" << (r.more ? " more" : "") << "}";
}

// Events of a ROUTER session fed `stream` `chunk` bytes at a time; PONG output collected.
std::vector<event_record> run(null_session& session, std::span<const std::byte> stream, std::size_t chunk,
                              std::string* control = nullptr) {
  std::vector<event_record> events;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    std::span<const std::byte> input = stream.subspan(at, std::min(chunk, stream.size() - at));
    for (;;) {
      decoded_frame out;
      const session_event event = session.read(input, out);
      if (event == session_event::need_more) break;
      events.push_back({event, std::string(out.body.text()), out.more});
      if (event == session_event::error) return events;
    }
    if (control != nullptr && !session.control_output().empty()) {
      *control += to_hex(session.control_output());
      session.control_written();
    }
  }
  return events;
}

TEST(null_session, opens_with_our_greeting_and_ready) {
  alloc::buffer_pool pool;
  null_session session(pool, socket_type::dealer);
  const auto greeting = make_greeting();
  EXPECT_EQ(to_hex(session.handshake_bytes().first(greeting_size)), to_hex(greeting));
  EXPECT_EQ(to_hex(session.handshake_bytes().subspan(greeting_size)),
            "04 29 05 52 45 41 44 59 0B 53 6F 63 6B 65 74 2D 54 79 70 65 00 00 00 06 44 45 41 4C 45 52 "
            "08 49 64 65 6E 74 69 74 79 00 00 00 00");
  EXPECT_THROW(null_session(pool, socket_type::dealer, from_hex("00 01")), std::length_error);
}

TEST(null_session, reads_a_dealer_from_any_split_answering_ping_and_dropping_pong_and_unknown_commands) {
  alloc::buffer_pool pool;
  pool.bind_to_this_thread();
  const std::vector<std::byte> stream = dealer_stream();
  const std::vector<event_record> expected{{session_event::ready, "", false},
                                           {session_event::frame, "hello", true},
                                           {session_event::frame, "A", false},
                                           {session_event::subscribe, "AB", false},
                                           {session_event::cancel, "AB", false}};
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}, stream.size()}) {
    null_session session(pool, socket_type::router);
    std::string control;
    EXPECT_EQ(run(session, stream, chunk, &control), expected) << chunk;
    EXPECT_EQ(control, "04 07 04 50 4F 4E 47 43 58") << "PONG echoes the context";
    EXPECT_TRUE(session.ready());
    EXPECT_EQ(session.peer_type(), socket_type::dealer);
    EXPECT_EQ(testing::to_hex(session.peer_identity()), to_hex(bytes_of("peer-1")));
    EXPECT_EQ(session.peer_ttl_deciseconds(), 30);
    EXPECT_EQ(session.pings_received(), 1u);
    EXPECT_TRUE(session.peer_greeting_info().speaks_3_1());
    EXPECT_FALSE(session.finish());
  }
  alloc::buffer_pool::unbind_this_thread();
}

// A connection times the peer out from a PING with a TTL only while nothing has followed it
// (libzmq's rule), so the session says whether the last frame was such a PING.
TEST(null_session, tells_whether_the_last_frame_was_a_ping_with_a_ttl) {
  alloc::buffer_pool pool;
  pool.bind_to_this_thread();
  {
    std::vector<std::byte> stream = dealer_stream();
    stream.resize(greeting_size + ready_frame_size(socket_type::dealer, bytes_of("peer-1")));
    null_session session(pool, socket_type::router);
    std::span<const std::byte> input = stream;
    decoded_frame out;
    ASSERT_EQ(session.read(input, out), session_event::ready);
    const auto read_all = [&](std::string_view dump) {
      const std::vector<std::byte> bytes = from_hex(dump);
      std::span<const std::byte> rest = bytes;
      decoded_frame frame;
      while (session.read(rest, frame) != session_event::need_more) {
      }
    };
    EXPECT_EQ(session.trailing_ping_ttl(), 0);
    read_all("04 07 04 50 49 4E 47 00 03");  // PING ttl 300 ms
    EXPECT_EQ(session.trailing_ping_ttl(), 3);
    EXPECT_EQ(session.pings_received(), 1u);
    read_all("00 01 41");  // "A" after it
    EXPECT_EQ(session.trailing_ping_ttl(), 0);
    read_all("04 07 04 50 49 4E 47 00 05 04 05 04 50 4F 4E 47");  // PING ttl 500 ms, then a PONG
    EXPECT_EQ(session.trailing_ping_ttl(), 0) << "the PONG came after the PING";
    read_all("04 07 04 50 49 4E 47 00 05 04 07 04 50 49 4E 47 00 00");  // PING ttl 5, PING ttl 0
    EXPECT_EQ(session.trailing_ping_ttl(), 0);
    EXPECT_EQ(session.peer_ttl_deciseconds(), 0);
    EXPECT_EQ(session.pings_received(), 4u);
    read_all("04 07 04 50 49 4E 47 00 05");
    EXPECT_EQ(session.trailing_ping_ttl(), 5);
  }
  alloc::buffer_pool::unbind_this_thread();
}

std::vector<std::byte> greeting_then(std::string_view dump) {
  const auto greeting = make_greeting();
  std::vector<std::byte> stream(greeting.begin(), greeting.end());
  const auto rest = from_hex(dump);
  stream.insert(stream.end(), rest.begin(), rest.end());
  return stream;
}

errc error_after(null_session& session, const std::vector<std::byte>& stream) {
  const std::vector<event_record> events = run(session, stream, stream.size());
  if (events.empty() || events.back().event != session_event::error) return session.finish().code;
  return session.error().code;
}

TEST(null_session, refuses_each_protocol_break_with_its_reason) {
  alloc::buffer_pool pool;
  {
    null_session session(pool, socket_type::router);
    EXPECT_EQ(error_after(session, greeting_then("00 01 41")), errc::unexpected_frame) << "data before READY";
  }
  {
    null_session session(pool, socket_type::router);
    EXPECT_EQ(error_after(session, greeting_then("04 07 04 50 49 4E 47 00 00")), errc::unexpected_frame)
        << "PING before READY";
  }
  {
    null_session session(pool, socket_type::push);  // a PUSH does not talk to a SUB
    EXPECT_EQ(
        error_after(session, greeting_then("04 19 05 52 45 41 44 59 0B 53 6F 63 6B 65 74 2D 54 79 70 65 "
                                           "00 00 00 03 53 55 42")),
        errc::incompatible_socket_type);
  }
  {
    null_session session(pool, socket_type::router);
    EXPECT_EQ(error_after(session, greeting_then("04 0A 05 45 52 52 4F 52 03 34 30 30")), errc::peer_error);
    EXPECT_EQ(session.peer_error_reason(), "400");
  }
  {
    null_session session(pool, socket_type::router);
    EXPECT_EQ(error_after(session, greeting_then("04 0A 05 52 45 41 44 59 00 00 00 00")),
              errc::malformed_command);
  }
  {
    null_session session(pool, socket_type::router);
    EXPECT_EQ(error_after(session, greeting_then("04 06 05 52 45 41 44 59 04 06 05 52 45 41 44 59")),
              errc::unexpected_frame)
        << "a second READY";
  }
  {
    null_session session(pool, socket_type::router);
    std::vector<std::byte> plain = greeting_then("");
    plain[12] = std::byte{'P'};
    EXPECT_EQ(error_after(session, plain), errc::mechanism_mismatch);
  }
  {
    null_session session(pool, socket_type::router);
    EXPECT_EQ(error_after(session, from_hex("FF 00 00")), errc::truncated);
  }
  {
    null_session session(pool, socket_type::router);
    EXPECT_EQ(error_after(session, greeting_then("04 06 05 52 45 41 44 59 01")), errc::truncated);
  }
  {
    null_session session(pool, socket_type::router, {}, {.max_frame_size = 10});
    EXPECT_EQ(error_after(session, greeting_then("04 06 05 52 45 41 44 59 00 0B")), errc::frame_too_large);
  }
}

// Found by tests/fuzz: a PING, PONG or unknown command the session consumed stayed in `out`, so
// what read() left there after need_more or an error depended on how the stream was split, and a
// large dropped command kept its receive buffer pinned until the next frame replaced it.
TEST(null_session, leaves_no_body_in_out_for_the_commands_it_consumes) {
  alloc::buffer_pool pool;
  pool.bind_to_this_thread();
  {
    std::vector<std::byte> stream = dealer_stream();
    stream.resize(greeting_size + ready_frame_size(socket_type::dealer, bytes_of("peer-1")));
    const auto ping = from_hex("04 09 04 50 49 4E 47 00 1E 43 58");
    stream.insert(stream.end(), ping.begin(), ping.end());
    const std::string unknown = "\x05HELLO" + std::string(300, 'u');  // long form, shared from the read
    const auto header = make_frame_header(unknown.size(), false, true);
    stream.insert(stream.end(), header.span().begin(), header.span().end());
    const auto body = bytes_of(unknown);
    stream.insert(stream.end(), body.begin(), body.end());

    null_session session(pool, socket_type::router);
    alloc::slice input = pool.acquire(stream.size());
    std::memcpy(input.data(), stream.data(), stream.size());
    input.trim_back(input.size() - stream.size());
    decoded_frame out;
    ASSERT_EQ(session.read(input, out), session_event::ready);
    ASSERT_EQ(session.read(input, out), session_event::need_more);
    EXPECT_TRUE(out.body.empty()) << "the dropped HELLO is still in out";
    input.release();
    EXPECT_EQ(pool.stats().classes[0].in_use(), 0u) << "out pins the receive buffer";

    // A PING then a bad frame (COMMAND with MORE) in the same read: the error leaves out empty.
    const auto ping_then_bad = from_hex("04 09 04 50 49 4E 47 00 1E 43 58 05 00");
    std::span<const std::byte> more = ping_then_bad;
    decoded_frame after;
    EXPECT_EQ(session.read(more, after), session_event::error);
    EXPECT_EQ(session.error().code, errc::bad_flags);
    EXPECT_TRUE(after.body.empty()) << "the PING before the bad frame is still in out";
  }
  alloc::buffer_pool::unbind_this_thread();
}

}  // namespace
}  // namespace shardmq::net::zmtp
