#pragma once
// shardmq-cat's own lines on stderr ("shardmq-cat: bound tcp://127.0.0.1:41234"), apart from the
// library's log lines ("shardmq[core 0] warning: ...").

#include <cstdio>
#include <string>
#include <string_view>

namespace shardmq::cat {

/// One line on stderr, written at once (stderr is unbuffered) so lines of two threads do not mix.
inline void note(std::string_view text) {
  std::string line = "shardmq-cat: ";
  line.append(text);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace shardmq::cat
