// shardmq-echo-load: the load client of the echo benchmark (bench/echo_compare drives it). Prints
// one line, key=value or JSON, that the driver parses; errors go to stderr with a non-zero exit.

#include "echo_idle_run.hpp"
#include "echo_load_options.hpp"
#include "echo_load_run.hpp"

#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

using shardmq::bench::echo_load_options;

/// Ordered key/value pairs printed either as one key=value line or as one JSON object.
class report_line {
 public:
  void add(std::string key, double value, const char* format = "%.6g") {
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    fields_.emplace_back(std::move(key), text);
  }
  void add(std::string key, const std::optional<double>& value, const char* format = "%.6g") {
    if (value) {
      add(std::move(key), *value, format);
    } else {
      fields_.emplace_back(std::move(key), "");
    }
  }
  void add_text(std::string key, std::string value) {
    fields_.emplace_back(std::move(key), '"' + value + '"');
  }

  void print(bool json) const {
    std::string line = json ? "{" : "";
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      const auto& [key, value] = fields_[i];
      if (json) {
        line += (i ? ", \"" : "\"") + key + "\": " + (value.empty() ? "null" : value);
      } else {
        std::string plain = value.empty() ? "na" : value;
        if (plain.front() == '"') plain = plain.substr(1, plain.size() - 2);
        line += (i ? " " : "") + key + "=" + plain;
      }
    }
    std::printf("%s%s\n", line.c_str(), json ? "}" : "");
    std::fflush(stdout);
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

std::optional<double> as_double(const std::optional<std::uint64_t>& value) {
  return value ? std::optional<double>(static_cast<double>(*value)) : std::nullopt;
}

void print_load(const echo_load_options& options, const shardmq::bench::echo_load_report& r) {
  report_line line;
  line.add_text("mode", "load");
  line.add("connections", options.connections, "%.0f");
  line.add("depth", options.depth, "%.0f");
  line.add("size", static_cast<double>(options.size), "%.0f");
  line.add("seconds", r.seconds, "%.4f");
  line.add("messages", static_cast<double>(r.messages), "%.0f");
  line.add("messages_total", static_cast<double>(r.messages_total), "%.0f");
  const double rate = r.seconds > 0 ? static_cast<double>(r.messages) / r.seconds : 0;
  line.add("msgs_per_s", rate);
  line.add("mb_per_s", rate * static_cast<double>(options.size) / 1e6);
  line.add("p50_ns", r.latency.quantile(0.5));
  line.add("p99_ns", r.latency.quantile(0.99));
  line.add("p999_ns", r.latency.quantile(0.999));
  line.add("mean_ns", r.latency.mean());
  line.add("max_ns", static_cast<double>(r.latency.max()), "%.0f");
  line.add("server_cpu_ns", as_double(r.server_cpu_ns), "%.0f");
  std::optional<double> per_message;
  if (r.server_cpu_ns) per_message = static_cast<double>(*r.server_cpu_ns) / static_cast<double>(r.messages);
  line.add("server_cpu_ns_per_msg", per_message);
  line.add("errors", 0, "%.0f");
  line.print(options.json);
}

void print_idle(const echo_load_options& options, const shardmq::bench::echo_idle_report& r) {
  report_line line;
  line.add_text("mode", "idle");
  line.add("connections", static_cast<double>(r.connections), "%.0f");
  line.add("size", static_cast<double>(options.size), "%.0f");
  line.add("seconds_to_open", r.seconds_to_open, "%.3f");
  line.add("server_rss_before", as_double(r.rss_before), "%.0f");
  line.add("server_rss_after", as_double(r.rss_after), "%.0f");
  line.add("server_rss_per_connection", r.per_connection(), "%.1f");
  line.add("server_rss_after_close", as_double(r.rss_after_close), "%.0f");
  line.add("errors", 0, "%.0f");
  line.print(options.json);
}

}  // namespace

int main(int argc, char** argv) {
  const echo_load_options options = shardmq::bench::parse_echo_load_options(argc, argv);
  try {
    if (options.idle != 0) {
      print_idle(options, shardmq::bench::run_echo_idle(options));
    } else {
      print_load(options, shardmq::bench::run_echo_load(options));
    }
    return 0;
  } catch (const shardmq::bench::echo_mismatch& e) {
    std::fprintf(stderr, "shardmq-echo-load: ECHO MISMATCH: %s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shardmq-echo-load: %s\n", e.what());
    return 1;
  }
}
