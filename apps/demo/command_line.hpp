#pragma once
// The demo's command line: what can be asked for, and the checks that turn typos into exit code 2.

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

namespace shardmq::demo {

/// What the user asked for. Defaults keep a run to well under a second on a small machine.
struct demo_options {
  /// When --messages is not given, about this many round trips in all, spread over the core pairs,
  /// so that the run stays short however many cores there are.
  static constexpr unsigned default_round_trips = 1'000'000;
  static constexpr unsigned min_default_messages = 1'000;

  std::optional<unsigned> cores;     ///< unset: the engine's default, one reactor per physical core
  std::optional<unsigned> messages;  ///< requests each core sends to each core; see messages_for()
  unsigned window = 64;              ///< requests in flight per ordered pair of cores
  unsigned laps = 1'000;             ///< times the ring token goes round all cores
  unsigned outside = 100;            ///< submit_from_outside calls per core
  bool help = false;

  /// --messages, or the default share of default_round_trips for `cores` x `cores` pairs.
  unsigned messages_for(unsigned cores) const noexcept {
    if (messages) return *messages;
    return std::max(min_default_messages, default_round_trips / (cores * cores));
  }
};

/// A mistake on the command line; what() is a message for the user.
struct command_line_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Throws command_line_error on an unknown flag, a missing value or a value that is not a number.
/// Range checks on --cores are left to the engine, which knows the machine.
demo_options parse_command_line(int argc, const char* const* argv);

std::string usage_text(const std::string& program);

}  // namespace shardmq::demo
