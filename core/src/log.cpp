#include <shardmq/core/log.hpp>
#include <shardmq/core/reactor.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

namespace shardmq {
namespace {

std::atomic<log_level> threshold{log_level::info};

const char* name_of(log_level level) noexcept {
  switch (level) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warning:
      return "warning";
    case log_level::error:
      return "error";
  }
  return "?";
}

}  // namespace

void set_log_level(log_level level) noexcept { threshold.store(level, std::memory_order_relaxed); }

void log(log_level level, std::string_view message) noexcept {
  if (level < threshold.load(std::memory_order_relaxed)) return;
  try {
    std::string line = "shardmq";
    if (const reactor* r = reactor::current()) line += "[core " + std::to_string(r->core()) + "]";
    line += ' ';
    line += name_of(level);
    line += ": ";
    line += message;
    line += '\n';
    // One write(2) per line keeps lines from different cores whole.
    [[maybe_unused]] ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
  } catch (...) {
    // Logging must never take the process down.
  }
}

}  // namespace shardmq
