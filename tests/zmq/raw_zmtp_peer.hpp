#pragma once
// A ZMTP peer written byte by byte in the test thread, over 127.0.0.1 with every wait bounded.
// Unlike a libzmq peer it sends only what the test asks for (the handshake, one PING, frames) and
// can fall silent or hold its handshake back at a chosen moment. What our socket sends is read
// with a null_session of the peer's type.

#include <shardmq/alloc/buffer_pool.hpp>
#include <shardmq/net/zmtp/command.hpp>
#include <shardmq/net/zmtp/frame_encoder.hpp>
#include <shardmq/net/zmtp/null_session.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace shardmq::net::zmq::testing {

class raw_zmtp_peer {
 public:
  using clock = std::chrono::steady_clock;
  enum class read_result { data, quiet, closed };

  explicit raw_zmtp_peer(zmtp::socket_type type) : session_(pool_, type) {}

  void connect(unsigned short port) { socket_.connect({asio::ip::make_address("127.0.0.1"), port}); }
  /// Takes the next connection of `acceptor` (made on io_context()), waiting up to `limit`.
  bool accept(asio::ip::tcp::acceptor& acceptor, clock::duration limit) {
    std::optional<std::error_code> outcome;
    acceptor.async_accept(socket_, [&](std::error_code error) { outcome = error; });
    run_until_done(outcome, limit, [&] { acceptor.cancel(); });
    return outcome && !*outcome;
  }
  asio::io_context& io_context() { return io_; }

  /// Our greeting and READY (as a peer of the session's type).
  void send_handshake() { write(session_.handshake_bytes()); }
  void send_ping(std::uint16_t ttl_deciseconds) {
    std::array<std::byte, 32> ping{};
    write(std::span(ping).first(zmtp::write_ping(ping, ttl_deciseconds)));
  }
  void send_frame(std::string_view body, bool more = false) {
    std::vector<std::byte> frame(zmtp::encoded_frame_size(body.size()));
    zmtp::write_frame(frame, std::as_bytes(std::span(body.data(), body.size())), more, false);
    write(frame);
  }
  void write(std::span<const std::byte> bytes) {
    asio::write(socket_, asio::buffer(bytes.data(), bytes.size()));
  }

  /// One read of up to `limit`, fed to the session: frames land in frames(), a broken stream
  /// in failed().
  read_result read_for(clock::duration limit) {
    std::array<std::byte, 16384> buffer;
    std::optional<std::error_code> outcome;
    std::size_t got = 0;
    socket_.async_read_some(asio::buffer(buffer), [&](std::error_code error, std::size_t n) {
      outcome = error;
      got = n;
    });
    run_until_done(outcome, limit, [&] { socket_.cancel(); });
    if (got > 0) feed(std::span(buffer).first(got));
    if (got > 0) return read_result::data;
    if (*outcome && *outcome != asio::error::operation_aborted) return read_result::closed;
    return read_result::quiet;
  }
  /// Reads until our READY has arrived; false if it did not within `limit`.
  bool wait_ready(clock::duration limit) {
    const auto deadline = clock::now() + limit;
    while (!session_.ready() && !failed_) {
      const auto now = clock::now();
      if (now >= deadline || read_for(deadline - now) == read_result::closed) break;
    }
    return session_.ready();
  }
  /// Reads (and keeps) whatever comes until the connection ends; false if it is still open after
  /// `limit`.
  bool wait_closed(clock::duration limit) {
    const auto deadline = clock::now() + limit;
    for (;;) {
      const auto now = clock::now();
      if (now >= deadline) return false;
      if (read_for(deadline - now) == read_result::closed) return true;
    }
  }
  /// Reads until `count` message frames have arrived (or `limit` passed).
  bool wait_frames(std::size_t count, clock::duration limit) {
    const auto deadline = clock::now() + limit;
    while (frames_.size() < count && !failed_) {
      const auto now = clock::now();
      if (now >= deadline || read_for(deadline - now) == read_result::closed) break;
    }
    return frames_.size() >= count;
  }

  const std::vector<std::string>& frames() const { return frames_; }
  bool failed() const { return failed_; }

 private:
  template <class Cancel>
  void run_until_done(const std::optional<std::error_code>& outcome, clock::duration limit, Cancel cancel) {
    io_.restart();
    io_.run_for(std::chrono::duration_cast<std::chrono::nanoseconds>(limit));
    if (!outcome) {
      cancel();  // the handler then runs with operation_aborted
      io_.restart();
      io_.run();
    }
  }
  void feed(std::span<const std::byte> input) {
    zmtp::decoded_frame frame;
    for (;;) {
      const zmtp::session_event event = session_.read(input, frame);
      if (event == zmtp::session_event::need_more) break;
      if (event == zmtp::session_event::error) {
        failed_ = true;
        break;
      }
      if (event == zmtp::session_event::frame) frames_.emplace_back(frame.body.text());
    }
    session_.control_written();  // PONGs to our PINGs: not needed by these tests
  }

  alloc::buffer_pool pool_;
  zmtp::null_session session_;
  asio::io_context io_;
  asio::ip::tcp::socket socket_{io_};
  std::vector<std::string> frames_;
  bool failed_ = false;
};

/// A port on 127.0.0.1 where nothing listens (it was free a moment ago).
inline unsigned short free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
  return probe.local_endpoint().port();
}

}  // namespace shardmq::net::zmq::testing
