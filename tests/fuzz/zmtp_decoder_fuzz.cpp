// Fuzzes the pure ZMTP codec. For each input, the frame_decoder and a null_session of a few
// socket types must give the same frames, events and final error for every split of the stream
// (whole, byte by byte, random cuts, two parts; from spans, from one received buffer and from a
// buffer per read), must neither crash, throw nor trip a sanitizer, and must give every pool
// buffer back. A broken rule aborts with a line on stderr saying which.

#include "zmtp_decoder_fuzz.hpp"

#include <shardmq/alloc/buffer_pool.hpp>
#include <shardmq/alloc/slice.hpp>
#include <shardmq/net/zmq/frame.hpp>
#include <shardmq/net/zmtp/command.hpp>
#include <shardmq/net/zmtp/error.hpp>
#include <shardmq/net/zmtp/frame_decoder.hpp>
#include <shardmq/net/zmtp/greeting.hpp>
#include <shardmq/net/zmtp/null_session.hpp>
#include <shardmq/net/zmtp/socket_type.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shardmq::fuzz {
namespace {

using net::zmtp::decode_status;
using net::zmtp::decoded_frame;
using net::zmtp::decoder_options;
using net::zmtp::errc;
using net::zmtp::frame_decoder;
using net::zmtp::null_session;
using net::zmtp::session_event;
using net::zmtp::socket_type;

// Inputs above this are skipped. The pool below is bounded, and a body that arrives whole in one
// received buffer is shared while the same body split is assembled in a pool buffer: whether a
// claimed size is refused must not depend on the split. Up to 64 KiB, every buffer a run holds
// (copies of the input, held frames) fits the pool's first chunk of each class, so the pool's
// room for a body being assembled is the same in every run.
constexpr std::size_t max_input = std::size_t{64} << 10;
// Byte-by-byte runs cost one decode call per byte: only for inputs up to this size.
constexpr std::size_t max_bytewise = 16 << 10;
// What null_session keeps for PONGs (four of the largest, 2 + 5 + 16 bytes each): when a read
// leaves more than room for one more, later PINGs of that read may have gone unanswered, which
// depends on how the stream was split. Only compared exactly when that never happened.
constexpr std::size_t largest_pong = 2 + 5 + net::zmtp::max_ping_context;
constexpr std::size_t pong_room = 4 * largest_pong;

[[noreturn]] void violated(const char* what, const char* run = "") {
  std::fprintf(stderr, "zmtp_decoder_fuzz: %s%s%s\n", what, *run != '\0' ? " in run " : "", run);
  std::abort();
}
void require(bool ok, const char* what, const char* run = "") {
  if (!ok) violated(what, run);
}

alloc::buffer_pool& fuzz_pool() {
  // Bounded as a production pool should be: a header claiming gigabytes is refused, not
  // allocated (one chunk per class is mapped, about 3 MiB; the rest is room for large bodies).
  static alloc::buffer_pool pool(alloc::buffer_pool_options{
      .warm_buffers = {8, 4, 2}, .pre_touch = false, .max_bytes = std::size_t{16} << 20});
  return pool;
}

void require_nothing_in_use(const alloc::buffer_pool& pool) {
  const alloc::buffer_pool_stats stats = pool.stats();
  for (const alloc::buffer_class_stats& c : stats.classes) require(c.in_use() == 0, "a pool buffer leaked");
  require(stats.fallback_bytes_live == 0, "an oversized pool buffer leaked");
}

// splitmix64: the split points of a run follow from the input alone.
class split_rng {
 public:
  explicit split_rng(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t bound) noexcept { return bound == 0 ? 0 : next() % bound; }

 private:
  std::uint64_t state_;
};

enum class split_kind { whole, bytewise, random, two_parts };

// Chunk sizes summing to `size`. Random splits mix single bytes, empty reads and larger pieces.
std::vector<std::size_t> chunk_sizes(std::size_t size, split_kind kind, std::uint64_t seed) {
  std::vector<std::size_t> chunks;
  split_rng rng(seed);
  switch (kind) {
    case split_kind::whole:
      chunks.push_back(size);
      break;
    case split_kind::bytewise:
      chunks.assign(size, 1);
      break;
    case split_kind::two_parts: {
      const std::size_t cut = rng.below(size + 1);
      chunks = {cut, size - cut};
      break;
    }
    case split_kind::random:
      for (std::size_t left = size; left > 0;) {
        std::size_t n;
        switch (rng.below(8)) {
          case 0:
            n = 0;
            break;
          case 1:
          case 2:
          case 3:
            n = 1 + rng.below(4);
            break;
          case 4:
            n = 1 + rng.below(80);  // around the greeting and a READY
            break;
          default:
            n = 1 + rng.below(std::max<std::size_t>(left, 1));
            break;
        }
        n = std::min(n, left);
        chunks.push_back(n);
        left -= n;
      }
      break;
  }
  return chunks;
}

// How a run hands the chunks over: plain spans, shares of one received buffer holding the whole
// stream, or a fresh pool buffer per chunk (one read each).
enum class feed_kind { spans, one_buffer, buffer_per_read };

struct fed_run {
  split_kind split;
  feed_kind feed;
  const char* name;
};
constexpr std::array<fed_run, 6> runs{{{split_kind::bytewise, feed_kind::spans, "bytewise spans"},
                                       {split_kind::whole, feed_kind::one_buffer, "whole buffer"},
                                       {split_kind::random, feed_kind::spans, "random spans"},
                                       {split_kind::random, feed_kind::one_buffer, "random shares"},
                                       {split_kind::random, feed_kind::buffer_per_read, "random reads"},
                                       {split_kind::two_parts, feed_kind::buffer_per_read, "two reads"}}};

alloc::slice copy_to_buffer(alloc::buffer_pool& pool, std::span<const std::byte> bytes) {
  alloc::slice buffer = pool.acquire(std::max<std::size_t>(bytes.size(), 1));
  if (!bytes.empty()) std::memcpy(buffer.data(), bytes.data(), bytes.size());
  buffer.trim_back(buffer.size() - bytes.size());
  return buffer;
}

// Calls `consume(input)` for each chunk (a span or an alloc::slice) until it returns false.
template <class Consume>
void feed_chunks(alloc::buffer_pool& pool, std::span<const std::byte> stream,
                 const std::vector<std::size_t>& chunks, feed_kind feed, Consume&& consume) {
  alloc::slice all;
  if (feed == feed_kind::one_buffer) all = copy_to_buffer(pool, stream);
  std::size_t at = 0;
  for (const std::size_t n : chunks) {
    const std::span<const std::byte> bytes = stream.subspan(at, n);
    at += n;
    bool go_on;
    if (feed == feed_kind::spans) {
      std::span<const std::byte> input = bytes;
      go_on = consume(input);
    } else {
      alloc::slice input = feed == feed_kind::one_buffer ? all.split_front(n) : copy_to_buffer(pool, bytes);
      go_on = consume(input);
    }
    if (!go_on) return;
  }
}

std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Frames of the message being received, as a connection holds them until the last one: their
// bytes must not change while the decoder goes on (a buffer handed out and then reused would).
class held_frames {
 public:
  void hold(net::zmq::frame body, const char* run) {
    frames_.emplace_back(text_of(body.bytes()), std::move(body));
    if (frames_.size() > 64) check_and_drop(run);
  }
  void check_and_drop(const char* run) {
    for (const auto& [copy, frame] : frames_)
      require(text_of(frame.bytes()) == copy, "a held frame's bytes changed", run);
    frames_.clear();
  }

 private:
  std::vector<std::pair<std::string, net::zmq::frame>> frames_;
};

// ---- frame_decoder ------------------------------------------------------------------------

struct frame_record {
  std::string body;
  bool more = false;
  bool command = false;
  bool operator==(const frame_record&) const = default;
};

struct decoder_result {
  std::vector<frame_record> frames;
  errc error = errc::none;
  bool operator==(const decoder_result&) const = default;
};

template <class Input>
bool decode_chunk(frame_decoder& decoder, Input& input, const decoder_options& options,
                  decoder_result& result, held_frames& held, const char* run) {
  for (;;) {
    decoded_frame out;
    switch (decoder.decode(input, out)) {
      case decode_status::frame: {
        require(!(out.more && out.command), "a command frame with MORE was accepted", run);
        require(options.max_frame_size == 0 || out.body.size() <= options.max_frame_size,
                "a frame above max_frame_size was accepted", run);
        result.frames.push_back({text_of(out.body.bytes()), out.more, out.command});
        const bool last = !out.more;
        held.hold(std::move(out.body), run);
        if (last) held.check_and_drop(run);
        break;
      }
      case decode_status::need_more:
        require(input.size() == 0, "need_more with input left", run);
        require(!decoder.error(), "need_more from a failed decoder", run);
        return true;
      case decode_status::error: {
        require(static_cast<bool>(decoder.error()), "decode_status::error without an error", run);
        const std::size_t left = input.size();
        decoded_frame again;
        require(decoder.decode(input, again) == decode_status::error && input.size() == left,
                "a failed decoder decoded again", run);
        return false;
      }
    }
  }
}

decoder_result decode_run(alloc::buffer_pool& pool, std::span<const std::byte> stream,
                          const decoder_options& options, const std::vector<std::size_t>& chunks,
                          feed_kind feed, const char* run) {
  decoder_result result;
  held_frames held;
  frame_decoder decoder(pool, options);
  bool failed = false;
  feed_chunks(pool, stream, chunks, feed, [&](auto& input) {
    failed = !decode_chunk(decoder, input, options, result, held, run);
    return !failed;
  });
  held.check_and_drop(run);
  const bool mid_frame = decoder.mid_frame();
  const errc before = decoder.error().code;
  result.error = decoder.finish().code;
  if (failed) {
    require(result.error == before, "finish() replaced an earlier error", run);
  } else {
    require(result.error == (mid_frame ? errc::truncated : errc::none), "finish() disagrees with mid_frame()",
            run);
  }
  require(decoder.finish().code == result.error, "a second finish() differs", run);
  return result;
}

void report_difference(const decoder_result& whole, const decoder_result& split) {
  std::fprintf(stderr, "zmtp_decoder_fuzz: whole: %zu frames, error %d; split: %zu frames, error %d\n",
               whole.frames.size(), static_cast<int>(whole.error), split.frames.size(),
               static_cast<int>(split.error));
  const std::size_t n = std::min(whole.frames.size(), split.frames.size());
  for (std::size_t i = 0; i < n; ++i) {
    const frame_record& a = whole.frames[i];
    const frame_record& b = split.frames[i];
    if (a == b) continue;
    std::fprintf(stderr, "zmtp_decoder_fuzz: first difference at frame %zu: %zu B%s%s vs %zu B%s%s\n", i,
                 a.body.size(), a.more ? " more" : "", a.command ? " command" : "", b.body.size(),
                 b.more ? " more" : "", b.command ? " command" : "");
    break;
  }
}

void check_decoder(alloc::buffer_pool& pool, std::span<const std::byte> stream,
                   const decoder_options& options, std::uint64_t seed) {
  const decoder_result whole =
      decode_run(pool, stream, options, chunk_sizes(stream.size(), split_kind::whole, 0), feed_kind::spans,
                 "whole span");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const fed_run& r = runs[i];
    if (r.split == split_kind::bytewise && stream.size() > max_bytewise) continue;
    const decoder_result split =
        decode_run(pool, stream, options, chunk_sizes(stream.size(), r.split, seed + i), r.feed, r.name);
    if (split != whole) {
      report_difference(whole, split);
      violated("frame_decoder: a split of the stream decodes differently from the whole", r.name);
    }
  }
}

// ---- null_session -------------------------------------------------------------------------

struct event_record {
  session_event event;
  std::string body;
  bool more = false;
  bool operator==(const event_record&) const = default;
};

struct session_result {
  std::vector<event_record> events;
  errc error = errc::none;
  bool ready = false;
  std::optional<socket_type> peer_type;
  std::string peer_identity;
  std::string peer_error_reason;
  std::uint16_t peer_ttl = 0;
  std::uint8_t peer_major = 0;
  std::uint8_t peer_minor = 0;
  std::string pongs;  // every PONG written, in order
  bool pongs_may_be_dropped = false;

  void describe(const char* label) const {
    std::fprintf(stderr, "  %s: %zu events (", label, events.size());
    for (const event_record& e : events)
      std::fprintf(stderr, " %d:%zuB%s", static_cast<int>(e.event), e.body.size(), e.more ? "+" : "");
    std::fprintf(stderr,
                 " ), error %d, ready %d, peer type %d, identity %zu B, reason %zu B, ttl %u, %u.%u\n",
                 static_cast<int>(error), ready, peer_type ? static_cast<int>(*peer_type) : -1,
                 peer_identity.size(), peer_error_reason.size(), peer_ttl, peer_major, peer_minor);
  }
  bool same_outcome(const session_result& o) const {
    return events == o.events && error == o.error && ready == o.ready && peer_type == o.peer_type &&
           peer_identity == o.peer_identity && peer_error_reason == o.peer_error_reason &&
           peer_ttl == o.peer_ttl && peer_major == o.peer_major && peer_minor == o.peer_minor;
  }
};

// Control output must be whole PONG frames echoing at most 16 bytes of context.
void check_pongs(alloc::buffer_pool& pool, std::span<const std::byte> bytes, const char* run) {
  frame_decoder decoder(pool);
  for (;;) {
    decoded_frame out;
    const decode_status status = decoder.decode(bytes, out);
    if (status == decode_status::need_more) break;
    require(status == decode_status::frame, "control output is not ZMTP frames", run);
    net::zmtp::command cmd;
    require(out.command && !net::zmtp::parse_command(out.body.bytes(), cmd) &&
                cmd.name == net::zmtp::command_name::pong && cmd.data.size() <= net::zmtp::max_ping_context,
            "control output holds something other than a PONG", run);
  }
  require(!decoder.mid_frame(), "control output ends inside a frame", run);
}

template <class Input>
bool read_chunk(alloc::buffer_pool& pool, null_session& session, Input& input, const decoder_options& options,
                session_result& result, held_frames& held, const char* run) {
  for (;;) {
    decoded_frame out;
    const session_event event = session.read(input, out);
    const std::span<const std::byte> control = session.control_output();
    if (!control.empty()) {
      check_pongs(pool, control, run);
      if (control.size() + largest_pong > pong_room) result.pongs_may_be_dropped = true;
      result.pongs += text_of(control);
      session.control_written();
    }
    if (event == session_event::need_more) {
      require(input.size() == 0, "need_more with input left", run);
      require(!session.error(), "need_more from a failed session", run);
      return true;
    }
    // Whatever read() leaves in `out` must not depend on the split either: nothing after a
    // command it consumed itself (PING, PONG, unknown), the offending command after an error.
    result.events.push_back({event, text_of(out.body.bytes()), out.more});
    switch (event) {
      case session_event::ready:
        require(result.events.size() == 1 && session.ready(), "READY is not the first event", run);
        require(out.body.empty(), "the ready event carries a body", run);
        break;
      case session_event::frame:
      case session_event::subscribe:
      case session_event::cancel:
        require(session.ready(), "traffic before the handshake completed", run);
        require(options.max_frame_size == 0 || out.body.size() <= options.max_frame_size,
                "a frame above max_frame_size was accepted", run);
        require(event == session_event::frame || !out.more, "a SUBSCRIBE/CANCEL with MORE", run);
        break;
      case session_event::error: {
        require(static_cast<bool>(session.error()), "session_event::error without an error", run);
        const std::size_t left = input.size();
        decoded_frame again;
        require(session.read(input, again) == session_event::error && input.size() == left,
                "a failed session read again", run);
        return false;
      }
      case session_event::need_more:
        break;
    }
    const bool last = !out.more;
    held.hold(std::move(out.body), run);
    if (last) held.check_and_drop(run);
  }
}

session_result session_run(alloc::buffer_pool& pool, socket_type type, std::string_view identity,
                           std::span<const std::byte> stream, const decoder_options& options,
                           const std::vector<std::size_t>& chunks, feed_kind feed, const char* run) {
  session_result result;
  held_frames held;
  null_session session(pool, type, std::as_bytes(std::span(identity.data(), identity.size())), options);
  bool failed = false;
  feed_chunks(pool, stream, chunks, feed, [&](auto& input) {
    failed = !read_chunk(pool, session, input, options, result, held, run);
    return !failed;
  });
  held.check_and_drop(run);
  const errc before = session.error().code;
  result.error = session.finish().code;
  if (failed) require(result.error == before, "finish() replaced an earlier error", run);
  require(session.finish().code == result.error, "a second finish() differs", run);
  require(session.ready() == (!result.events.empty() && result.events.front().event == session_event::ready),
          "ready() disagrees with the events", run);
  result.ready = session.ready();
  if (result.ready) {
    result.peer_type = session.peer_type();
    result.peer_identity = text_of(session.peer_identity());
    result.peer_major = session.peer_greeting_info().major;
    result.peer_minor = session.peer_greeting_info().minor;
  }
  if (result.error == errc::peer_error) result.peer_error_reason = std::string(session.peer_error_reason());
  result.peer_ttl = session.peer_ttl_deciseconds();
  return result;
}

struct session_kind {
  socket_type type;
  std::string_view identity;
};
// A ROUTER (talks to REQ, DEALER, ROUTER), a DEALER with an identity, a SUB and an XPUB (the
// subscription commands) and a PULL (PUSH peers only).
constexpr std::array<session_kind, 5> session_kinds{{{socket_type::router, ""},
                                                     {socket_type::dealer, "fuzz-1"},
                                                     {socket_type::sub, ""},
                                                     {socket_type::xpub, ""},
                                                     {socket_type::pull, ""}}};

void check_session(alloc::buffer_pool& pool, const session_kind& kind, std::span<const std::byte> stream,
                   const decoder_options& options, std::uint64_t seed) {
  const session_result whole =
      session_run(pool, kind.type, kind.identity, stream, options,
                  chunk_sizes(stream.size(), split_kind::whole, 0), feed_kind::spans, "whole span");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const fed_run& r = runs[i];
    if (r.split == split_kind::bytewise && stream.size() > max_bytewise) continue;
    const session_result split = session_run(pool, kind.type, kind.identity, stream, options,
                                             chunk_sizes(stream.size(), r.split, seed + i), r.feed, r.name);
    if (!split.same_outcome(whole)) {
      std::fprintf(stderr, "zmtp_decoder_fuzz: %s session, whole vs split:\n",
                   std::string(net::zmtp::socket_type_name(kind.type)).c_str());
      whole.describe("whole");
      split.describe("split");
      violated("null_session: a split of the stream reads differently from the whole", r.name);
    }
    // A split drains PONGs at least as often as the whole run: if the whole run dropped none,
    // neither did the split, and both answered every PING alike.
    if (!whole.pongs_may_be_dropped)
      require(split.pongs == whole.pongs, "null_session: PONGs differ between splits", r.name);
  }
}

decoder_options limits_of(std::uint8_t control) noexcept {
  constexpr std::array<std::uint64_t, 4> max_frame_sizes{0, 32, 255, 4096};
  return {.max_frame_size = max_frame_sizes[control & 3u], .reject_reserved_flags = (control & 4u) != 0};
}

// The frame_decoder gets the frames after a greeting: skip one when the stream starts like one
// (0xFF is no valid first frame byte anyway: it has both COMMAND and MORE set).
std::span<const std::byte> frames_of(std::span<const std::byte> stream) noexcept {
  if (!stream.empty() && stream[0] == std::byte{0xFF})
    return stream.subspan(std::min(stream.size(), net::zmtp::greeting_size));
  return stream;
}

}  // namespace
}  // namespace shardmq::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shardmq::fuzz;
  if (size < zmtp_control_bytes || size > max_input) return 0;
  shardmq::alloc::buffer_pool& pool = fuzz_pool();
  // Slices count their references without atomics on the pool's own thread.
  pool.bind_to_this_thread();
  const decoder_options options = limits_of(data[0]);
  const std::uint64_t seed = (std::uint64_t{data[1]} << 32) ^ size;
  const auto stream = std::as_bytes(std::span(data + zmtp_control_bytes, size - zmtp_control_bytes));
  check_decoder(pool, frames_of(stream), options, seed);
  for (const session_kind& kind : session_kinds) check_session(pool, kind, stream, options, seed);
  require_nothing_in_use(pool);
  return 0;
}
