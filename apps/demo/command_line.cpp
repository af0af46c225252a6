#include "command_line.hpp"

#include <charconv>
#include <limits>
#include <string_view>

namespace shardmq::demo {
namespace {

unsigned parse_count(std::string_view flag, std::string_view text, unsigned minimum) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  const auto [last, error] = std::from_chars(text.data(), end, value);
  if (error == std::errc::result_out_of_range) {
    throw command_line_error(std::string(flag) + " " + std::string(text) + " is too large (at most " +
                             std::to_string(std::numeric_limits<unsigned>::max()) + ")");
  }
  if (text.empty() || error != std::errc{} || last != end) {
    throw command_line_error(std::string(flag) + " needs a whole number, got '" + std::string(text) + "'");
  }
  if (value < minimum) {
    throw command_line_error(std::string(flag) + " must be at least " + std::to_string(minimum));
  }
  return value;
}

}  // namespace

demo_options parse_command_line(int argc, const char* const* argv) {
  demo_options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      continue;
    }
    // Both "--flag value" and "--flag=value".
    std::string_view flag = arg;
    std::optional<std::string_view> value;
    if (const auto equals = arg.find('='); arg.starts_with("--") && equals != std::string_view::npos) {
      flag = arg.substr(0, equals);
      value = arg.substr(equals + 1);
    }
    auto take_value = [&]() -> std::string_view {
      if (value) return *value;
      if (i + 1 >= argc) throw command_line_error(std::string(flag) + " needs a value");
      return argv[++i];
    };
    if (flag == "--cores") {
      // 0 goes through: the engine's own message explains the limit.
      options.cores = parse_count(flag, take_value(), 0);
    } else if (flag == "--messages") {
      options.messages = parse_count(flag, take_value(), 1);
    } else if (flag == "--window") {
      options.window = parse_count(flag, take_value(), 1);
    } else if (flag == "--laps") {
      options.laps = parse_count(flag, take_value(), 1);
    } else if (flag == "--outside") {
      options.outside = parse_count(flag, take_value(), 0);
    } else {
      throw command_line_error("unknown argument '" + std::string(arg) + "'");
    }
  }
  return options;
}

std::string usage_text(const std::string& program) {
  const demo_options defaults;
  return "usage: " + program +
         " [--cores N] [--messages N] [--window N] [--laps N] [--outside N]\n"
         "\n"
         "Starts a shardmq engine, sends messages around the mesh of cores, checks that every one\n"
         "arrived (checksums), prints per-core stats and the message rate, then stops.\n"
         "\n"
         "  --cores N     reactors to start (default: one per physical core the process may use)\n"
         "  --messages N  requests each core sends to each core, itself included (default: about " +
         std::to_string(demo_options::default_round_trips) +
         " round\n"
         "                trips in all, at least " +
         std::to_string(demo_options::min_default_messages) +
         " per pair)\n"
         "  --window N    requests in flight per ordered pair of cores (default: " +
         std::to_string(defaults.window) +
         ")\n"
         "  --laps N      times a token is passed round the ring 0 -> 1 -> ... -> 0 (default: " +
         std::to_string(defaults.laps) +
         ")\n"
         "  --outside N   calls per core from a thread that is not a reactor (default: " +
         std::to_string(defaults.outside) +
         ")\n"
         "  -h, --help    show this text\n"
         "\n"
         "Exit status: 0 when every message arrived, 1 when a check failed, 2 on bad arguments.\n"
         "Logs go to stderr; the stats table and the rates go to stdout.\n";
}

}  // namespace shardmq::demo
