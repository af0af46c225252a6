#include "command_line.hpp"

#include "message_text.hpp"

#include <charconv>
#include <limits>
#include <string_view>

namespace shardmq::cat {
namespace {

using net::zmtp::socket_type;

template <class Integer>
Integer parse_number(std::string_view flag, std::string_view text, Integer minimum,
                     Integer maximum = std::numeric_limits<Integer>::max()) {
  Integer value{};
  const char* end = text.data() + text.size();
  const auto [last, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || (error != std::errc{} && error != std::errc::result_out_of_range) || last != end) {
    throw command_line_error(std::string(flag) + " needs a whole number, not '" + std::string(text) + "'");
  }
  if (error == std::errc::result_out_of_range || value > maximum) {
    throw command_line_error(std::string(flag) + " " + std::string(text) + " is too large (at most " +
                             std::to_string(maximum) + ")");
  }
  if (value < minimum) {
    throw command_line_error(std::string(flag) + " must be at least " + std::to_string(minimum) + ", not " +
                             std::string(text));
  }
  return value;
}

socket_type parse_type(std::string_view text) {
  using enum socket_type;
  const std::optional<socket_type> type = net::zmtp::parse_socket_type(text);
  if (!type || (*type != push && *type != pull && *type != pair && *type != req && *type != rep &&
                *type != dealer && *type != router)) {
    throw command_line_error("unknown --type '" + std::string(text) +
                             "' (one of push, pull, pair, req, rep, dealer, router)");
  }
  return *type;
}

print_format parse_format(std::string_view text) {
  if (text == "text") return print_format::text;
  if (text == "hex") return print_format::hex;
  if (text == "len") return print_format::len;
  throw command_line_error("unknown --format '" + std::string(text) + "' (one of text, hex, len)");
}

char parse_separator(std::string_view text) {
  if (text == "\\t" || text == "tab") return '\t';
  if (text.size() != 1 || text[0] == '\n') {
    throw command_line_error("--separator needs one character (or \\t), not '" + std::string(text) + "'");
  }
  return text[0];
}

std::string type_name(socket_type type) {
  std::string name(net::zmtp::socket_type_name(type));
  for (char& c : name) c = static_cast<char>(c - 'A' + 'a');
  return name;
}

/// The combinations that cannot work, each with a message saying what to do instead.
void check_combination(const options& opts, bool type_given, bool size_given) {
  using enum socket_type;
  if (!type_given)
    throw command_line_error("--type is required (push, pull, pair, req, rep, dealer, router)");
  if (opts.bind.empty() && opts.connect.empty()) {
    throw command_line_error("nothing to talk to: give at least one --bind or --connect endpoint");
  }
  const std::string type = type_name(opts.type);
  if (opts.echo && opts.type != pair && opts.type != rep && opts.type != dealer && opts.type != router) {
    throw command_line_error(
        "--echo needs a socket that receives and sends: pair, rep, dealer or router, not " + type);
  }
  if (opts.echo && opts.generate) {
    throw command_line_error("--echo sends what arrives; it does not go with --generate");
  }
  if (opts.generate && opts.type == pull) throw command_line_error("--generate: a pull socket cannot send");
  if (opts.generate && opts.type == router) {
    throw command_line_error(
        "--generate: a router cannot know whom to send to; use --echo, or stdin lines "
        "'ROUTING-ID|BODY'");
  }
  if (size_given && !opts.generate) throw command_line_error("--size only applies with --generate");
  if (opts.count && opts.type == push)
    throw command_line_error("--count counts received messages; push receives none");
  if (!opts.routing_id.empty() && !net::zmtp::sends_identity(opts.type)) {
    throw command_line_error("--routing-id applies to req, dealer and router sockets, not " + type);
  }
}

}  // namespace

options parse_command_line(int argc, const char* const* argv) {
  options opts;
  bool type_given = false;
  bool size_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      opts.help = true;
      continue;
    }
    // Both "--flag value" and "--flag=value".
    std::string_view flag = arg;
    std::optional<std::string_view> inline_value;
    if (const auto equals = arg.find('='); arg.starts_with("--") && equals != std::string_view::npos) {
      flag = arg.substr(0, equals);
      inline_value = arg.substr(equals + 1);
    }
    auto value = [&]() -> std::string_view {
      if (inline_value) return *inline_value;
      if (i + 1 >= argc) throw command_line_error(std::string(flag) + " needs a value");
      return argv[++i];
    };
    auto no_value = [&] {
      if (inline_value) throw command_line_error(std::string(flag) + " takes no value");
    };
    if (flag == "--type" || flag == "-t") {
      opts.type = parse_type(value());
      type_given = true;
    } else if (flag == "--bind" || flag == "-b") {
      opts.bind.emplace_back(value());
    } else if (flag == "--connect" || flag == "-c") {
      opts.connect.emplace_back(value());
    } else if (flag == "--multipart") {
      no_value();
      opts.multipart = true;
    } else if (flag == "--separator") {
      opts.separator = parse_separator(value());
    } else if (flag == "--generate") {
      opts.generate = parse_number<std::uint64_t>(flag, value(), 1);
    } else if (flag == "--size") {
      opts.size = parse_number<std::size_t>(flag, value(), 0, options::max_message_size);
      size_given = true;
    } else if (flag == "--format") {
      opts.format = parse_format(value());
    } else if (flag == "--quiet" || flag == "-q") {
      no_value();
      opts.quiet = true;
    } else if (flag == "--count" || flag == "-n") {
      opts.count = parse_number<std::uint64_t>(flag, value(), 1);
    } else if (flag == "--echo") {
      no_value();
      opts.echo = true;
    } else if (flag == "--cores") {
      opts.cores = parse_number<unsigned>(flag, value(), 1);
    } else if (flag == "--spread") {
      try {
        opts.spread = net::parse_balance_policy(value());
      } catch (const std::invalid_argument&) {
        throw command_line_error("--spread takes rr or least-loaded");
      }
      if (opts.spread == net::balance_policy::reuseport)
        throw command_line_error("--spread takes rr or least-loaded (one socket has one acceptor)");
    } else if (flag == "--stats") {
      opts.stats = value();
    } else if (flag == "--hwm") {
      opts.hwm = parse_number<std::uint32_t>(flag, value(), 0);
    } else if (flag == "--routing-id") {
      const std::string_view text = value();
      const std::optional<std::string> id = parse_routing_id(text);
      if (!id || id->size() > 255 || id->front() == '\0') {
        throw command_line_error(
            "--routing-id needs 1 to 255 bytes, not starting with a zero byte, as text or "
            "0x-prefixed hex; not '" +
            std::string(text) + "'");
      }
      opts.routing_id = *id;
    } else if (flag == "--linger") {
      const std::string_view text = value();
      opts.linger = std::chrono::milliseconds(
          text == "-1" ? -1 : parse_number<std::int64_t>(flag, text, 0, std::int64_t{1} << 40));
    } else if (flag == "--timeout") {
      opts.timeout =
          std::chrono::milliseconds(parse_number<std::int64_t>(flag, value(), 1, std::int64_t{1} << 40));
    } else if (arg.starts_with("-")) {
      throw command_line_error("unknown option '" + std::string(arg) + "'");
    } else {
      throw command_line_error("unexpected argument '" + std::string(arg) +
                               "' (endpoints go after --bind or --connect)");
    }
  }
  if (!opts.help) check_combination(opts, type_given, size_given);
  return opts;
}

cat_mode mode_of(const options& opts) noexcept {
  using enum socket_type;
  if (opts.echo) return cat_mode::echo;
  switch (opts.type) {
    case push:
      return cat_mode::send;
    case pull:
      return cat_mode::receive;
    case req:
      return cat_mode::request;
    case rep:
      return cat_mode::reply;
    default:
      return cat_mode::send_and_receive;
  }
}

bool uses_input(cat_mode mode) noexcept { return mode != cat_mode::receive && mode != cat_mode::echo; }

bool receives(cat_mode mode) noexcept { return mode != cat_mode::send; }

net::zmq::socket_options socket_options_of(const options& opts) {
  net::zmq::socket_options result;
  if (opts.hwm) result.sndhwm = result.rcvhwm = *opts.hwm;
  result.routing_id = opts.routing_id;
  if (opts.linger) result.linger = *opts.linger;
  result.spread = opts.spread;
  return result;
}

std::string usage_text(const std::string& program) {
  return "usage: " + program +
         " --type TYPE (--bind EP | --connect EP)... [options]\n"
         "\n"
         "A ZeroMQ socket on the command line (ZMTP 3.1, works with any libzmq peer). Lines of stdin\n"
         "go out as messages; messages that arrive are printed on stdout, one per line. A summary\n"
         "(messages, bytes, rates; round-trip percentiles for req) goes to stderr at the end.\n"
         "\n"
         "Socket:\n"
         "  -t, --type TYPE      push, pull, pair, req, rep, dealer or router\n"
         "  -b, --bind EP        listen on EP: tcp://127.0.0.1:5555, tcp://*:* (any port: the real\n"
         "                       endpoint is logged), inproc://name; repeatable\n"
         "  -c, --connect EP     connect to EP (reconnects in the background); repeatable\n"
         "  --hwm N              high-water mark, sending and receiving (default 1000; 0: none)\n"
         "  --routing-id ID      identity sent to peers (req, dealer, router): text or 0x-hex\n"
         "  --linger MS          at the end, how long queued messages may take to go out\n"
         "                       (default -1: until written)\n"
         "\n"
         "What goes out:\n"
         "  (default)            each line of stdin is one message (without its newline); at the\n"
         "                       end of stdin the queued messages are written and the program ends\n"
         "  --multipart          split each line into frames at the separator\n"
         "  --separator C        frame separator for input and output (default '|'; \\t for tab)\n"
         "  --generate N         send N generated messages instead of reading stdin: each holds its\n"
         "                       number, padded with '.' to --size bytes\n"
         "  --size S             bytes of each generated message (default 64)\n"
         "  --echo               send every received message back (pair, rep, dealer, router; a\n"
         "                       router keeps the routing id so the reply goes to the sender, a\n"
         "                       dealer's goes to the next peer in turn); stdin is not read\n"
         "\n"
         "By type: push only sends and pull only prints. pair, dealer and router do both at once;\n"
         "a router line starts with the peer's routing id and the separator ('0x0080000001|hi'),\n"
         "as a router prints it. req sends a message, waits for the reply and prints it, then the\n"
         "next. rep prints each request and answers with the next line of stdin (or the next\n"
         "generated message), so it ends with its input; with --echo it answers with the request.\n"
         "\n"
         "What is printed:\n"
         "  --format F           text (default), hex or len (bytes); frames are separated by the\n"
         "                       separator and a router's routing-id frame is printed as 0x-hex\n"
         "  -q, --quiet          print nothing on stdout (count and summarise only)\n"
         "\n"
         "When to stop (else at the end of the input, or never for a socket that only receives or\n"
         "echoes; SIGINT and SIGTERM always stop it cleanly):\n"
         "  -n, --count N        after N received messages (a sending socket also waits for them)\n"
         "  --timeout MS         when nothing was sent or received for MS milliseconds; exit status\n"
         "                       1 if work was left (messages expected or queued), else 0\n"
         "\n"
         "Engine:\n"
         "  --cores N            reactors (default 1: the socket and its connections live on core 0)\n"
         "  --spread POLICY      serve accepted connections on every core, rr or least-loaded; they\n"
         "                       reach the socket on core 0 through lock-free rings (default: all\n"
         "                       on core 0, the fastest for a few peers)\n"
         "  --stats HOST:PORT    serve per-core counters over HTTP: GET /stats (JSON) and /metrics\n"
         "\n"
         "  -h, --help           show this text\n"
         "\n"
         "Exit status: 0 done, 1 runtime failure (message on stderr), 2 bad command line.\n"
         "\n"
         "Examples:\n"
         "  " +
         program +
         " --type pull --bind tcp://127.0.0.1:5555 --count 10\n"
         "  seq 10 | " +
         program +
         " --type push --connect tcp://127.0.0.1:5555\n"
         "  " +
         program +
         " --type router --bind tcp://*:5556 --echo\n"
         "  echo hello | " +
         program + " --type req --connect tcp://127.0.0.1:5556\n";
}

}  // namespace shardmq::cat
