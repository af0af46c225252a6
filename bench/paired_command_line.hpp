#pragma once
// The command line every paired benchmark shares: --pairs N (or --pairs=N), --quick and --help,
// with a clear exit 2 on anything it does not know (unless the program takes it).

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

namespace shardmq::bench {

/// Parses the shared flags. `program` and `usage` are for --help and errors; `pairs` is the
/// default, `quick_pairs` what --quick implies unless --pairs is given.
struct paired_command_line {
  const char* program;
  const char* usage;
  unsigned pairs;
  unsigned quick_pairs;
  bool quick = false;

  [[noreturn]] void usage_error(const std::string& message) const {
    std::fprintf(stderr, "%s: %s\n\n%s", program, message.c_str(), usage);
    std::exit(2);
  }

  /// Consumes our flags. Other arguments go to `extra` (true: it took them); with `keep_unknown`
  /// the rest stay in argv for another parser (Google Benchmark), else they are errors.
  void parse(int& argc, char** argv, const std::function<bool(const std::string&)>& extra = {},
             bool keep_unknown = false) {
    bool pairs_given = false;
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        std::fputs(usage, stdout);
        std::exit(0);
      } else if (arg == "--quick") {
        quick = true;
      } else if (arg == "--pairs" || arg.rfind("--pairs=", 0) == 0) {
        const char* value =
            arg == "--pairs" ? (i + 1 < argc ? argv[++i] : nullptr) : argv[i] + std::strlen("--pairs=");
        if (value == nullptr) usage_error("--pairs needs a value");
        pairs = parse_pairs(value);
        pairs_given = true;
      } else if (extra && extra(arg)) {
      } else if (keep_unknown) {
        argv[kept++] = argv[i];
      } else {
        usage_error("unknown option '" + arg + "'");
      }
    }
    argc = kept;
    if (quick && !pairs_given) pairs = quick_pairs;
  }

 private:
  unsigned parse_pairs(const char* text) const {
    char* end = nullptr;
    const unsigned long value = std::strtoul(text, &end, 10);
    if (end == text || *end != '\0' || value == 0 || value > 1000) {
      usage_error(std::string("--pairs wants a number from 1 to 1000, not '") + text + "'");
    }
    return static_cast<unsigned>(value);
  }
};

}  // namespace shardmq::bench
