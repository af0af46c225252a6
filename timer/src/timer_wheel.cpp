#include <shardmq/timer/timer_wheel.hpp>

#include <algorithm>
#include <stdexcept>

namespace shardmq {
namespace {

void make_empty(timer_link& list) noexcept { list.next = list.prev = &list; }
bool is_empty(const timer_link& list) noexcept { return list.next == &list; }

/// Moves every node of `from` to the end of `to`, keeping their order; `from` ends empty.
void splice_back(timer_link& to, timer_link& from) noexcept {
  if (is_empty(from)) return;
  timer_link* const first = from.next;
  timer_link* const last = from.prev;
  first->prev = to.prev;
  to.prev->next = first;
  last->next = &to;
  to.prev = last;
  make_empty(from);
}

timer_node& pop_front(timer_link& list) noexcept {
  timer_link* const node = list.next;
  list.next = node->next;
  node->next->prev = &list;
  node->next = node->prev = nullptr;
  return static_cast<timer_node&>(*node);
}

timer_node& pop_back(timer_link& list) noexcept {
  timer_link* const node = list.prev;
  list.prev = node->prev;
  node->prev->next = &list;
  node->next = node->prev = nullptr;
  return static_cast<timer_node&>(*node);
}

}  // namespace

timer_wheel::timer_wheel(timer_wheel_options options)
    : now_(0),
      tick_ns_(options.tick.count() > 0 ? static_cast<std::uint64_t>(options.tick.count()) : 1),
      tick_divider_(tick_ns_) {
  if (options.tick.count() <= 0)
    throw std::invalid_argument("shardmq::timer_wheel: the tick must be positive");
  now_ = floor_tick(options.start);
  make_empty(expired_);
  make_empty(draining_);
  for (timer_link& lane : firing_.lane) make_empty(lane);
  for (slot_lists& slot : slots_) {
    for (timer_link& lane : slot.lane) make_empty(lane);
  }
  min_due_.fill(no_due);
}

timer_wheel::~timer_wheel() {
  shutdown();
  if (local_wheel == this) local_wheel = nullptr;
}

std::chrono::nanoseconds timer_wheel::horizon() const noexcept {
  return std::chrono::nanoseconds(
      static_cast<std::int64_t>((std::uint64_t{1} << (levels * slot_bits)) * tick_ns_));
}

timer_wheel::time_point timer_wheel::time_of(std::uint64_t tick) const noexcept {
  constexpr auto max_ns = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (tick > max_ns / tick_ns_) return time_point::max();
  return time_point(std::chrono::duration_cast<duration>(
      std::chrono::nanoseconds(static_cast<std::int64_t>(tick * tick_ns_))));
}

std::size_t timer_wheel::advance_to(std::uint64_t target) {
  // Leftovers of an advance a callback threw out of, then timers armed already due.
  splice_back(firing_.lane[0], expired_);
  std::size_t fired = fire_due();
  // One slot per step, earliest first: the lowest occupied level's first occupied slot begins
  // before every other slot and holds the earliest timers.
  while (occupied_levels_ != 0) {
    const slot_position slot = earliest_slot();
    if (slot.start > target) break;
    // Jump to the slot's earliest due tick (or to `target` when that is later than it): nothing
    // is due in between, and its timers are then redistributed relative to that tick.
    now_ = std::min(min_due_[slot.index], target);
    if (slot.index < slots_per_level) {
      take_slot(firing_, slot.index);  // a level-0 slot is one tick: all due now
    } else {
      slot_lists batch;
      for (timer_link& lane : batch.lane) make_empty(lane);
      take_slot(batch, slot.index);
      cascade(batch);
    }
    fired += fire_due();
  }
  if (target > now_) now_ = target;
  return fired;
}

void timer_wheel::take_slot(slot_lists& into, std::size_t index) noexcept {
  for (unsigned i = 0; i < lanes; ++i) splice_back(into.lane[i], slots_[index].lane[i]);
  slot_emptied(index);
}

void timer_wheel::cascade(slot_lists& batch) noexcept {
  ++stats_.cascades;
  // Every lane from both ends, in turn (see slot_lists). The batch's own links are left as they
  // are: no callback runs here, so nothing else walks it.
  struct walk {
    timer_link* front;
    timer_link* back;
  };
  std::array<walk, lanes> walks;
  unsigned active = 0;
  for (timer_link& lane : batch.lane) {
    if (!is_empty(lane)) walks[active++] = {lane.next, lane.prev};
  }
  while (active != 0) {
    for (unsigned i = 0; i < active;) {
      walk& w = walks[i];
      if (w.front == w.back) {
        redistribute(static_cast<timer_node&>(*w.front));
        w = walks[--active];
        continue;
      }
      timer_link* const after_front = w.front->next;
      timer_link* const before_back = w.back->prev;
      __builtin_prefetch(after_front);
      __builtin_prefetch(before_back);
      redistribute(static_cast<timer_node&>(*w.front));
      redistribute(static_cast<timer_node&>(*w.back));
      if (after_front == w.back) {  // met in the middle
        w = walks[--active];
        continue;
      }
      w = {after_front, before_back};
      ++i;
    }
  }
}

void timer_wheel::redistribute(timer_node& node) noexcept {
  ++stats_.cascaded_timers;
  if (node.due <= now_) {
    link_back(firing_.lane[next_lane_++ % lanes], node);
  } else {
    place(node);  // into a lower level: now_ has reached the slot, so they share its upper bits
  }
}

std::size_t timer_wheel::fire_due() {
  std::size_t fired = 0;
  // Lane by lane in turn, alternating ends, for the reason slot_lists gives. The lists stay
  // consistent throughout: callbacks may cancel or re-arm the timers still in them.
  unsigned lane = 0;
  bool from_front = true;
  for (;;) {
    unsigned tried = 0;
    while (tried < lanes && is_empty(firing_.lane[lane])) {
      lane = (lane + 1) % lanes;
      ++tried;
    }
    if (tried == lanes) break;
    timer_link& list = firing_.lane[lane];
    timer_node& node = from_front ? pop_front(list) : pop_back(list);
    __builtin_prefetch(from_front ? list.next : list.prev);
    lane = (lane + 1) % lanes;
    if (lane == 0) from_front = !from_front;
    --size_;
    ++stats_.fired;
    ++fired;
    // The node is disarmed before its owner hears of it: the callback may re-arm or free it.
    node.on_event(node, timer_event::expired);
  }
  return fired;
}

std::optional<timer_wheel::time_point> timer_wheel::next_deadline() const noexcept {
  if (!is_empty(expired_) || !firing_.empty()) return time_of(now_);
  if (occupied_levels_ == 0) return std::nullopt;
  return time_of(min_due_[earliest_slot().index]);
}

std::size_t timer_wheel::disarm_all(timer_event event) {
  // Everything moves to draining_ first, so timers armed by the handlers are not caught, and an
  // exception leaves the rest in a list the next call drains.
  for (timer_link& lane : firing_.lane) splice_back(draining_, lane);
  splice_back(draining_, expired_);
  while (occupied_levels_ != 0) {
    const std::size_t index = earliest_slot().index;
    for (timer_link& lane : slots_[index].lane) splice_back(draining_, lane);
    slot_emptied(index);
  }
  std::size_t disarmed = 0;
  while (!is_empty(draining_)) {
    timer_node& node = pop_front(draining_);
    --size_;
    ++stats_.cancelled;
    ++disarmed;
    node.on_event(node, event);
  }
  return disarmed;
}

std::size_t timer_wheel::cancel_all() { return disarm_all(timer_event::cancelled); }

std::size_t timer_wheel::shutdown() noexcept {
  std::size_t disarmed = 0;
  // A handler's destructor could arm again; keep going until nothing is left.
  while (!empty()) disarmed += disarm_all(timer_event::shutdown);
  return disarmed;
}

}  // namespace shardmq
