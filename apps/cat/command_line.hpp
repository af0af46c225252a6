#pragma once
// shardmq-cat's options, and what they make the program do (its mode).

#include <shardmq/net/balance_policy.hpp>
#include <shardmq/net/zmq/socket_options.hpp>
#include <shardmq/net/zmtp/socket_type.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace shardmq::cat {

/// A command line that cannot be run: main() prints the message and exits with status 2.
class command_line_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// How received messages are written to stdout.
enum class print_format {
  text,  ///< the bytes as they are
  hex,   ///< lower-case hex digits
  len,   ///< the size in bytes
};

/// What drives the socket; one per run, decided by the type and --echo (see mode_of).
enum class cat_mode {
  send,              ///< PUSH: input messages out, nothing in
  receive,           ///< PULL: print what arrives
  send_and_receive,  ///< PAIR, DEALER, ROUTER: input out and arrivals printed, independently
  request,           ///< REQ: each input message out, then its reply in (strict alternation)
  reply,             ///< REP: each request in, answered with the next input message
  echo,              ///< --echo: each arrival printed and sent back
};

struct options {
  /// Largest --size: a generated message is built in memory, and a frame this big already needs
  /// a peer with a generous maxmsgsize.
  static constexpr std::size_t max_message_size = std::size_t{1} << 30;

  net::zmtp::socket_type type = net::zmtp::socket_type::pair;
  std::vector<std::string> bind;
  std::vector<std::string> connect;
  bool multipart = false;
  char separator = '|';
  std::optional<std::uint64_t> generate;  // messages to generate instead of reading stdin
  std::size_t size = 64;                  // bytes of each generated message
  print_format format = print_format::text;
  bool quiet = false;                  // print nothing on stdout
  std::optional<std::uint64_t> count;  // stop after this many received messages
  bool echo = false;
  unsigned cores = 1;  // the socket lives on core 0; the rest serve --stats and spread connections
  std::optional<net::balance_policy> spread;  // accepted connections served on every core
  std::string stats;                          // empty: no stats endpoint
  std::optional<std::uint32_t> hwm;           // both sndhwm and rcvhwm
  std::string routing_id;                     // decoded bytes (0x... is hex)
  std::optional<std::chrono::milliseconds> linger;
  std::optional<std::chrono::milliseconds> timeout;  // idle limit
  bool help = false;
};

/// Parses and checks the combination of options; throws command_line_error with a message for
/// the user. Endpoints are checked for form only here (parse_endpoint does the rest).
options parse_command_line(int argc, const char* const* argv);
std::string usage_text(const std::string& program);

cat_mode mode_of(const options& opts) noexcept;
/// Whether the mode sends input messages (from stdin or --generate).
bool uses_input(cat_mode mode) noexcept;
/// Whether the mode takes messages from the socket.
bool receives(cat_mode mode) noexcept;
/// The socket's options as the command line sets them.
net::zmq::socket_options socket_options_of(const options& opts);

}  // namespace shardmq::cat
