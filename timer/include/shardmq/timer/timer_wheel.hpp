#pragma once
// A hierarchical timing wheel (Varghese & Lauck) for one core: arm, cancel and re-arm are O(1)
// and allocate nothing; advance() fires what is due; next_deadline() tells the reactor how long
// it may sleep.
//
// Layout. Time is a 64-bit count of ticks since the clock's epoch. Six levels of 64 slots: level
// k holds a timer when the highest bit in which its due tick differs from the wheel's current
// tick is in bits [6k, 6k+6), in the slot named by those six bits of the due tick (as in Linux's
// and tokio's wheels). So every occupied slot lies ahead of the current tick within its level's
// revolution (no wrap-around), and every timer of a lower level is due before any slot of a higher
// level begins. With one 64-bit occupancy bitmap per level and one bit per level, the earliest
// slot is two count-trailing-zeros away: advance() jumps straight to it over any idle gap (never
// tick by tick), and each slot also keeps a lower bound of its due ticks, which makes
// next_deadline() exact rather than "the next cascade". Deadlines beyond 64^6 ticks wait in one
// overflow list. An upper slot is cascaded (its timers redistributed to lower levels) when the
// clock reaches it, so a timer is moved at most once per level. Each slot is four lists, one cache
// line, so that walking a slot keeps several cache misses in flight (see slot_lists); a wheel is
// about 28 KiB.
//
// Default tick: 100 us. Why:
// - Lateness: a timer fires at the first advance() at or after its deadline rounded up to a tick,
//   so at most one tick late plus the reactor's wake-up: sleep_for(1ms) fires within ~1.1 ms, a
//   1 s heartbeat is off by 0.01 %. A 1 ms tick would make sleep_for(1ms) up to 2x late.
// - Wake-ups: the reactor sleeps until next_deadline(), not tick by tick, so the tick never wakes
//   a core by itself; it sets how close deadlines must be to fire in one pass (coalescing).
// - A finer tick buys nothing measurable: Linux's default timer slack is 50 us and waking a
//   halted vCPU on our machines takes 20-120 us (bench/README.md), so the sleep itself is that
//   imprecise.
// - Range: level 0 spans 6.4 ms, level 1 0.41 s, level 2 26 s, level 3 28 min, level 4 30 h and
//   level 5 79.5 days (64^6 ticks); beyond that, the overflow list. A 1 s heartbeat is cascaded
//   at most twice, a 30 s idle time-out at most three times.
//
// Clock: std::chrono::steady_clock time points. advance() treats a `now` earlier than a previous
// one as no time passing; a large jump forward fires everything due, in deadline order.
//
// Threads: one wheel per core; every member is for the owner thread only (the reactor's), and so
// are the nodes armed in it. bind_to_this_thread() makes the wheel the calling thread's
// timer_wheel::local(), which sleep_for(duration, token) uses.
//
// Driving it from an event loop (what the reactor does):
// - on its thread, before any handler runs: bind_to_this_thread();
// - every turn: advance(clock::now()) (a few nanoseconds when nothing is due);
// - before sleeping: next_deadline(); sleep no later than that time, or until woken if it is
//   empty; a value at or before now means "do not sleep";
// - at stop: cancel_all() while the io_context is still polled, so pending sleeps complete with
//   operation_aborted and coroutines unwind; then shutdown() (or destroy the wheel) before the
//   io_context is destroyed, since pending sleeps hold work and handlers on its executor.

#include <shardmq/timer/detail/tick_divider.hpp>
#include <shardmq/timer/timer_node.hpp>
#include <shardmq/timer/timer_wheel_stats.hpp>

#include <array>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

namespace shardmq {

/// The tick a wheel uses unless told otherwise (see the reasoning at the top of this header).
inline constexpr std::chrono::nanoseconds default_timer_tick{100'000};

/// Set-up choices of a timer_wheel.
struct timer_wheel_options {
  /// Granularity of deadlines: timers fire up to one tick late, never early. Must be positive.
  std::chrono::nanoseconds tick = default_timer_tick;
  /// The wheel's initial time; pass a fixed point to drive the wheel with a synthetic clock.
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

/// One core's timers. Owner thread only. Destroying it (or shutdown()) disarms every timer;
/// pending sleep operations are destroyed without running their handlers.
class timer_wheel {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;
  using duration = clock::duration;

  static constexpr unsigned levels = 6;
  static constexpr unsigned slot_bits = 6;
  static constexpr unsigned slots_per_level = 1u << slot_bits;

  /// Throws std::invalid_argument when the tick is not positive.
  explicit timer_wheel(timer_wheel_options options = {});
  ~timer_wheel();
  timer_wheel(const timer_wheel&) = delete;
  timer_wheel& operator=(const timer_wheel&) = delete;

  /// The wheel bound to the calling thread, or null.
  static timer_wheel* local() noexcept { return local_wheel; }
  /// Makes this wheel the calling thread's timer_wheel::local() (the reactor does it on its thread).
  void bind_to_this_thread() noexcept { local_wheel = this; }
  static void unbind_this_thread() noexcept { local_wheel = nullptr; }

  /// Arms `node` (re-arms it if armed: an O(1) move) to fire at the first advance(now) with
  /// now >= deadline rounded up to a tick. A deadline the wheel has already reached (at or before
  /// its last advance, or the tick being processed) counts as due at the wheel's current time: it
  /// fires at the next advance() call, first, never inside the current one, so a callback that
  /// re-arms itself "now" cannot keep advance() from returning. A deadline after the tick being
  /// processed fires in the same advance() if it is due by its `now`, in order.
  void arm(timer_node& node, time_point deadline) noexcept {
    if (node.armed()) {
      unlink(node);
      ++stats_.rearmed;
    } else {
      ++size_;
    }
    ++stats_.armed;
    node.due = ceil_tick(deadline);
    if (node.due <= now_) {
      link_back(expired_, node);
    } else {
      place(node);
    }
  }

  /// Disarms `node` if armed in this wheel; true if it was. Any node of this wheel, any time,
  /// including from a callback during advance() (a due timer cancelled there does not fire).
  bool cancel(timer_node& node) noexcept {
    if (!node.armed()) return false;
    unlink(node);
    --size_;
    ++stats_.cancelled;
    return true;
  }

  /// Fires every timer due at `now` in deadline order (timers due in the same tick in an
  /// unspecified order), calling each node's on_event(expired) with the node disarmed. Returns
  /// how many fired. An exception from a callback propagates; the timers still due then fire at
  /// the next advance().
  std::size_t advance(time_point now) {
    const std::uint64_t target = floor_tick(now);
    // The usual turn has nothing due: a few loads and compares, inline.
    if (expired_.next == &expired_ && firing_.empty() &&
        (occupied_levels_ == 0 || earliest_slot().start > target)) {
      if (target > now_) now_ = target;
      return 0;
    }
    return advance_to(target);
  }

  /// The earliest time at which advance() will fire something: the earliest deadline rounded up
  /// to its tick, the wheel's current time if a timer is already due, nothing if the wheel is
  /// empty. Never later than that; earlier only after the earliest timer of a slot was cancelled
  /// (then by less than that slot's span), which costs the reactor one early wake-up.
  std::optional<time_point> next_deadline() const noexcept;

  /// Disarms every timer, handing each to its owner with timer_event::cancelled: a timer object
  /// just stays disarmed, a pending sleep completes with asio::error::operation_aborted. The wheel
  /// stays usable; timers armed by those handlers are kept. Returns how many were disarmed.
  std::size_t cancel_all();

  /// Disarms every timer with timer_event::shutdown: sleep operations are destroyed without
  /// running their handlers (their memory goes back to their allocators). Call it before the
  /// io_context their handlers run on is destroyed. The destructor calls it.
  std::size_t shutdown() noexcept;

  /// Timers armed and not yet fired or cancelled.
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const timer_wheel_stats& stats() const noexcept { return stats_; }
  std::chrono::nanoseconds tick() const noexcept { return std::chrono::nanoseconds(tick_ns_); }
  /// The start of the tick the wheel has reached.
  time_point now() const noexcept { return time_of(now_); }
  /// Deadlines further ahead than this wait in the overflow list (64^6 ticks: 79.5 days at 100 us).
  std::chrono::nanoseconds horizon() const noexcept;

  /// `clock::now() + delay`, saturated instead of overflowing (a "never" delay stays "never");
  /// a negative delay means now.
  static time_point deadline_after(duration delay) noexcept {
    const time_point now = clock::now();
    if (delay <= duration::zero()) return now;
    if (delay > time_point::max() - now) return time_point::max();
    return now + delay;
  }

 private:
  static constexpr std::size_t wheel_slots = std::size_t{levels} * slots_per_level;
  /// The overflow list is "level `levels`", with one slot.
  static constexpr std::size_t overflow_slot = wheel_slots;
  static constexpr std::uint64_t no_due = std::numeric_limits<std::uint64_t>::max();

  struct slot_position {
    std::size_t index;
    std::uint64_t start;  // first tick the slot covers
  };

  /// A slot's timers live in their owners' memory, scattered, and each node's address comes from
  /// its neighbour, so cascading or firing a slot waits on a cache miss per timer. Four lists,
  /// filled in turn and walked from both ends at once, keep eight misses in flight instead of one.
  /// Arming and firing a million timers due within a second (bench/README.md), CPU time per timer:
  /// one list 380 ns, one list from both ends 215 ns, four lists from both ends 62 ns. The four
  /// sentinels fill one cache line, as four one-list slots did.
  static constexpr unsigned lanes = 4;
  struct alignas(64) slot_lists {
    std::array<timer_link, lanes> lane;
    bool empty() const noexcept {
      for (const timer_link& l : lane) {
        if (l.next != &l) return false;
      }
      return true;
    }
  };

  std::uint64_t ceil_tick(time_point t) const noexcept {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    if (ns <= 0) return 0;
    return tick_divider_.divide(static_cast<std::uint64_t>(ns) + tick_ns_ - 1);
  }
  std::uint64_t floor_tick(time_point t) const noexcept {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    if (ns <= 0) return 0;
    return tick_divider_.divide(static_cast<std::uint64_t>(ns));
  }
  time_point time_of(std::uint64_t tick) const noexcept;

  static void link_back(timer_link& list, timer_link& node) noexcept {
    node.prev = list.prev;
    node.next = &list;
    list.prev->next = &node;
    list.prev = &node;
  }

  /// Into the slot its due tick names relative to now_ (which it must be after).
  void place(timer_node& node) noexcept {
    const std::uint64_t differing = node.due ^ now_;
    const unsigned level = static_cast<unsigned>(std::bit_width(differing) - 1) / slot_bits;
    const std::size_t index =
        level < levels ? level * slots_per_level + ((node.due >> (level * slot_bits)) & (slots_per_level - 1))
                       : overflow_slot;
    link_back(slots_[index].lane[next_lane_++ % lanes], node);
    occupied_slots_[index / slots_per_level] |= std::uint64_t{1} << (index % slots_per_level);
    occupied_levels_ |= 1u << (index / slots_per_level);
    if (node.due < min_due_[index]) min_due_[index] = node.due;
  }

  void unlink(timer_node& node) noexcept {
    timer_link* const prev = node.prev;
    timer_link* const next = node.next;
    prev->next = next;
    next->prev = prev;
    node.next = node.prev = nullptr;
    // Equal neighbours: the node was alone, and both are its list's sentinel.
    if (prev == next) list_emptied(*prev);
  }

  void list_emptied(timer_link& sentinel) noexcept {
    // Unsigned arithmetic: a sentinel outside slots_ (expired_, firing_, ...) gives a huge index.
    const std::size_t index =
        (reinterpret_cast<std::uintptr_t>(&sentinel) - reinterpret_cast<std::uintptr_t>(slots_.data())) /
        sizeof(slot_lists);
    if (index <= overflow_slot && slots_[index].empty()) slot_emptied(index);
  }

  void slot_emptied(std::size_t index) noexcept {
    const std::size_t level = index / slots_per_level;
    occupied_slots_[level] &= ~(std::uint64_t{1} << (index % slots_per_level));
    if (occupied_slots_[level] == 0) occupied_levels_ &= ~(1u << level);
    min_due_[index] = no_due;
  }

  /// The first occupied slot of the lowest occupied level (there must be one).
  slot_position earliest_slot() const noexcept {
    const unsigned level = static_cast<unsigned>(std::countr_zero(occupied_levels_));
    if (level == levels) {
      // Overflow timers differ from now_ above bit 36: the next 2^36-tick block begins first.
      constexpr unsigned span_bits = levels * slot_bits;
      return {overflow_slot, ((now_ >> span_bits) + 1) << span_bits};
    }
    const unsigned slot = static_cast<unsigned>(std::countr_zero(occupied_slots_[level]));
    const unsigned shift = level * slot_bits;
    const std::uint64_t revolution_start = now_ >> (shift + slot_bits) << (shift + slot_bits);
    return {std::size_t{level} * slots_per_level + slot, revolution_start | (std::uint64_t{slot} << shift)};
  }
  std::size_t advance_to(std::uint64_t target);
  void take_slot(slot_lists& into, std::size_t index) noexcept;
  void cascade(slot_lists& batch) noexcept;
  void redistribute(timer_node& node) noexcept;
  std::size_t fire_due();
  std::size_t disarm_all(timer_event event);

  static inline thread_local timer_wheel* local_wheel = nullptr;

  // What arm() and cancel() touch, together at the front.
  std::uint64_t now_;  // the tick reached: every timer due at or before it has been handed out
  const std::uint64_t tick_ns_;
  const detail::tick_divider tick_divider_;
  std::uint32_t occupied_levels_ = 0;  // bit k: level k has a timer (bit `levels`: the overflow list)
  std::uint32_t next_lane_ = 0;
  std::size_t size_ = 0;
  std::array<std::uint64_t, levels + 1> occupied_slots_{};  // per level, one bit per slot
  timer_wheel_stats stats_;
  timer_link expired_;   // armed already due: fired first by the next advance()
  timer_link draining_;  // being handed out by cancel_all() or shutdown()
  std::array<std::uint64_t, wheel_slots + 1> min_due_;  // per slot: no later than its earliest due tick
  slot_lists firing_;  // due in the tick being processed (left over if a callback threw)
  std::array<slot_lists, wheel_slots + 1> slots_;  // circular lists; the links are the sentinels
};

}  // namespace shardmq
