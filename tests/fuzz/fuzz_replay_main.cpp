// Runs the ZMTP decoder fuzz target without libFuzzer (any compiler, ctest):
//   shardmq-fuzz-zmtp-decoder-replay PATH...                    every file of each corpus dir or file
//   shardmq-fuzz-zmtp-decoder-replay --seed S --runs N [--max-len L] [PATH...]
// The second form also runs N inputs made from a fixed seed: real streams (the files given, plus
// built-in greeting + READY + traffic streams) mutated the way a fuzzer would (bit flips, magic
// bytes, truncation, inserted, duplicated and erased chunks, splices, rewritten size fields,
// appended valid frames). A failing input is written to zmtp-fuzz-crash.bin in the working
// directory, to replay with the first form or under the libFuzzer binary.

#include "zmtp_decoder_fuzz.hpp"

#include <shardmq/net/zmtp/command.hpp>
#include <shardmq/net/zmtp/frame_encoder.hpp>
#include <shardmq/net/zmtp/greeting.hpp>
#include <shardmq/net/zmtp/socket_type.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace zmtp = shardmq::net::zmtp;
using bytes = std::vector<std::byte>;

// ---- the input being run, for the crash handler ------------------------------------------

const std::byte* current_data = nullptr;
std::size_t current_size = 0;

extern "C" void write_crash_input(int signal) {
  const int fd = ::open("zmtp-fuzz-crash.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    for (std::size_t at = 0; at < current_size;) {
      const ssize_t n = ::write(fd, current_data + at, current_size - at);
      if (n <= 0) break;
      at += static_cast<std::size_t>(n);
    }
    ::close(fd);
    static constexpr char note[] = "zmtp fuzz replay: failing input written to zmtp-fuzz-crash.bin\n";
    [[maybe_unused]] const ssize_t ignored = ::write(2, note, sizeof note - 1);
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

void run_one(const bytes& input) {
  current_data = input.data();
  current_size = input.size();
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

// ---- inputs: files and built-in streams ----------------------------------------------------

bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "zmtp fuzz replay: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto* first = reinterpret_cast<const std::byte*>(text.data());
  return bytes(first, first + text.size());
}

// Every regular file under each path (a directory) or the path itself, in a stable order.
std::vector<bytes> load(const std::vector<std::string>& paths) {
  std::vector<std::filesystem::path> files;
  for (const std::string& path : paths) {
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path))
        if (entry.is_regular_file()) files.push_back(entry.path());
    } else {
      files.emplace_back(path);
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<bytes> inputs;
  for (const auto& file : files) inputs.push_back(read_file(file));
  return inputs;
}

void append(bytes& out, std::span<const std::byte> more) { out.insert(out.end(), more.begin(), more.end()); }

std::span<const std::byte> as_bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

// A libzmq-like opening (greeting, READY of `type`) behind zero control bytes.
bytes opening(zmtp::socket_type type, std::string_view identity, std::uint8_t minor = 1) {
  bytes out(shardmq::fuzz::zmtp_control_bytes, std::byte{0});
  auto greeting = zmtp::make_greeting();
  greeting[8] = std::byte{static_cast<unsigned char>(identity.size() + 1)};
  greeting[11] = std::byte{minor};
  append(out, greeting);
  bytes ready(zmtp::ready_frame_size(type, as_bytes(identity)));
  zmtp::write_ready(ready, type, as_bytes(identity));
  append(out, ready);
  return out;
}

// ---- mutations -------------------------------------------------------------------------------

class rng {
 public:
  explicit rng(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t bound) noexcept { return bound == 0 ? 0 : next() % bound; }
  bool one_in(std::size_t n) noexcept { return below(n) == 0; }
  std::byte byte() noexcept { return std::byte{static_cast<unsigned char>(next())}; }

 private:
  std::uint64_t state_;
};

bytes random_text(rng& r, std::size_t size) {
  bytes out(size);
  for (std::byte& b : out) b = std::byte{static_cast<unsigned char>('a' + r.below(26))};
  return out;
}

// A frame a peer could send: message frames in both forms, the commands of zmtp.md and some
// near misses (unknown command, unknown Socket-Type, legacy subscription).
bytes valid_frame(rng& r) {
  bytes out(80);
  std::size_t n = 0;
  switch (r.below(11)) {
    case 0: {
      const bytes body = random_text(r, r.below(40));
      out.resize(zmtp::encoded_frame_size(body.size()));
      n = zmtp::write_frame(out, body, r.one_in(2));
      break;
    }
    case 1: {  // long form, also for small bodies (libzmq accepts it)
      const bytes body = random_text(r, r.one_in(2) ? r.below(40) : 200 + r.below(200));
      out.assign(9, std::byte{0});
      out[0] = std::byte{static_cast<unsigned char>(0x02 | (r.one_in(2) ? 0x01 : 0x00))};
      for (int i = 0; i < 8; ++i) out[8 - i] = std::byte{static_cast<unsigned char>(body.size() >> (8 * i))};
      append(out, body);
      return out;
    }
    case 2: {
      const bytes context = random_text(r, r.below(17));
      n = zmtp::write_ping(out, static_cast<std::uint16_t>(r.below(3) * 15), context);
      break;
    }
    case 3: {
      const bytes context = random_text(r, r.below(17));
      n = zmtp::write_pong(out, context);
      break;
    }
    case 4:
      n = zmtp::write_subscribe(out, random_text(r, r.below(10)));
      break;
    case 5:
      n = zmtp::write_cancel(out, random_text(r, r.below(10)));
      break;
    case 6:
      n = zmtp::write_error(out, r.one_in(2) ? "400" : "Invalid");
      break;
    case 7: {
      const auto type = static_cast<zmtp::socket_type>(r.below(11));
      const bytes identity = random_text(r, r.below(8));
      out.resize(zmtp::ready_frame_size(type, identity));
      n = zmtp::write_ready(out, type, identity);
      break;
    }
    case 8:  // unknown command: dropped after the handshake
      out = {std::byte{0x04}, std::byte{0x06}, std::byte{0x05}};
      append(out, as_bytes("HELLO"));
      return out;
    case 9:  // ZMTP 3.0 subscription message "AB"
      out = {std::byte{0x00}, std::byte{0x03}, std::byte{0x01}, std::byte{'A'}, std::byte{'B'}};
      return out;
    default: {  // a body above the inline size, near the short/long boundary
      const bytes body = random_text(r, 33 + r.below(300));
      out.resize(zmtp::encoded_frame_size(body.size()));
      const bool command = r.one_in(4);
      n = zmtp::write_frame(out, body, !command && r.one_in(2), command);
      break;
    }
  }
  out.resize(n);
  return out;
}

constexpr std::array<std::uint8_t, 14> magic_bytes{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                                   0x07, 0x08, 0x20, 0x21, 0x7F, 0x80, 0xFF};
constexpr std::array<std::uint64_t, 10> magic_sizes{0,   1,         32,      33,         255,
                                                    256, 65536 + 1, 1 << 24, 1ull << 63, ~0ull};

void mutate(bytes& input, const std::vector<bytes>& seeds, rng& r, std::size_t max_len) {
  constexpr std::size_t c = shardmq::fuzz::zmtp_control_bytes;
  if (input.size() < c) input.resize(c, std::byte{0});
  // A position in the stream, past the control bytes (which the last case changes on its own);
  // three times in four past the greeting too, or most inputs would end as errc::not_zmtp or
  // mechanism_mismatch before reaching a frame.
  const auto pos = [&] {
    const std::size_t from =
        input.size() > c + zmtp::greeting_size && !r.one_in(4) ? c + zmtp::greeting_size : c;
    return from + r.below(input.size() + 1 - from);
  };
  switch (r.below(11)) {
    case 0:  // flip a bit
      if (input.size() > c)
        input[pos() % input.size()] ^= std::byte{static_cast<unsigned char>(1u << r.below(8))};
      break;
    case 1:  // a byte the codec cares about
      if (input.size() > c) input[pos() % input.size()] = std::byte{magic_bytes[r.below(magic_bytes.size())]};
      break;
    case 2:  // truncate
      input.resize(pos());
      break;
    case 3: {  // insert random bytes
      bytes noise(1 + r.below(16));
      for (std::byte& b : noise) b = r.byte();
      input.insert(input.begin() + static_cast<std::ptrdiff_t>(pos()), noise.begin(), noise.end());
      break;
    }
    case 4: {  // duplicate a chunk somewhere
      const std::size_t from = pos();
      const std::size_t size = r.below(std::min<std::size_t>(input.size() - from, 128) + 1);
      const bytes chunk(input.begin() + static_cast<std::ptrdiff_t>(from),
                        input.begin() + static_cast<std::ptrdiff_t>(from + size));
      input.insert(input.begin() + static_cast<std::ptrdiff_t>(pos()), chunk.begin(), chunk.end());
      break;
    }
    case 5: {  // erase a chunk
      const std::size_t from = pos();
      const std::size_t size = r.below(std::min<std::size_t>(input.size() - from, 32) + 1);
      input.erase(input.begin() + static_cast<std::ptrdiff_t>(from),
                  input.begin() + static_cast<std::ptrdiff_t>(from + size));
      break;
    }
    case 6: {  // splice: the tail of another stream
      const bytes& other = seeds[r.below(seeds.size())];
      if (other.size() <= c) break;
      const std::size_t from = c + r.below(other.size() - c);
      input.resize(pos());
      input.insert(input.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
      break;
    }
    case 7:
    case 8:  // valid frames, appended or inserted
      for (std::size_t i = 1 + r.below(3); i > 0; --i) {
        const bytes frame = valid_frame(r);
        const std::size_t at = r.one_in(3) ? pos() : input.size();
        input.insert(input.begin() + static_cast<std::ptrdiff_t>(at), frame.begin(), frame.end());
      }
      break;
    case 9: {  // a size field: one byte, or eight big-endian
      const std::uint64_t size = magic_sizes[r.below(magic_sizes.size())] + r.below(2);
      const std::size_t at = pos();
      if (r.one_in(2)) {
        if (at < input.size()) input[at] = std::byte{static_cast<unsigned char>(size)};
      } else {
        for (std::size_t i = 0; i < 8 && at + i < input.size(); ++i)
          input[at + i] = std::byte{static_cast<unsigned char>(size >> (8 * (7 - i)))};
      }
      break;
    }
    default:  // the limits and the split seed
      input[r.below(c)] = r.byte();
      break;
  }
  if (input.size() > max_len) input.resize(max_len);
}

// ---- main --------------------------------------------------------------------------------------

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: shardmq-fuzz-zmtp-decoder-replay [--seed S --runs N [--max-len L]] [PATH...]\n"
               "  runs every file of each corpus directory (or file) PATH, then N inputs generated from\n"
               "  seed S by mutating those files and built-in streams (max-len default 4096)\n");
  std::exit(2);
}

std::uint64_t number(const char* text) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0') usage();
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 0;
  std::uint64_t runs = 0;
  std::size_t max_len = 4096;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--seed" || arg == "--runs" || arg == "--max-len") && i + 1 < argc) {
      const std::uint64_t value = number(argv[++i]);
      if (arg == "--seed") seed = value;
      if (arg == "--runs") runs = value;
      if (arg == "--max-len") max_len = static_cast<std::size_t>(value);
    } else if (arg.starts_with("-")) {
      usage();
    } else {
      paths.emplace_back(arg);
    }
  }
  if (paths.empty() && runs == 0) usage();
  if (max_len < shardmq::fuzz::zmtp_control_bytes) max_len = shardmq::fuzz::zmtp_control_bytes;
  for (const int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(signal, write_crash_input);

  const auto start = std::chrono::steady_clock::now();
  std::vector<bytes> seeds = load(paths);
  for (const bytes& input : seeds) run_one(input);
  const std::size_t replayed = seeds.size();

  if (runs > 0) {
    // Built-in streams so a run without a corpus still starts from real handshakes.
    seeds.push_back(opening(zmtp::socket_type::dealer, ""));
    seeds.push_back(opening(zmtp::socket_type::router, "peer-1", 0));
    seeds.push_back(opening(zmtp::socket_type::sub, ""));
    seeds.push_back(opening(zmtp::socket_type::push, ""));
    rng r(seed);
    for (std::uint64_t i = 0; i < runs; ++i) {
      bytes input = seeds[r.below(seeds.size())];
      input.resize(std::clamp(input.size(), shardmq::fuzz::zmtp_control_bytes, max_len));
      for (std::size_t m = r.below(5); m > 0; --m) mutate(input, seeds, r, max_len);
      input[0] = r.one_in(2) ? input[0] : r.byte();
      input[1] = r.byte();
      run_one(input);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "zmtp fuzz replay: %zu files replayed, %llu inputs generated (seed %llu, max-len %zu), %.2f s\n",
      replayed, static_cast<unsigned long long>(runs), static_cast<unsigned long long>(seed), max_len,
      seconds);
  return 0;
}
