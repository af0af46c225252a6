#include "cross_core_link.hpp"

#include "socket_core.hpp"

#include <shardmq/core/engine.hpp>
#include <shardmq/core/log.hpp>
#include <shardmq/core/reactor.hpp>

#include <asio/post.hpp>

#include <utility>

namespace shardmq::net::zmq::detail {

cross_core_link::cross_core_link(engine& owner, unsigned a_core, unsigned b_core, std::size_t a_to_b,
                                 std::size_t b_to_a)
    : engine_(owner), a_to_b_(a_to_b), b_to_a_(b_to_a) {
  for (int side = 0; side < 2; ++side) {
    ends_[side].link = this;
    ends_[side].side = side;
  }
  ends_[0].core = a_core;
  ends_[1].core = b_core;
}

std::shared_ptr<cross_core_link> cross_core_link::create(engine& owner, pipe& a, unsigned a_core,
                                                         unsigned b_core, std::size_t a_to_b,
                                                         std::size_t b_to_a, bool relayed) {
  auto link = std::make_shared<cross_core_link>(owner, a_core, b_core, a_to_b, b_to_a);
  link->ends_[0].self = &a;
  link->ends_[0].keep = link;
  link->ends_[0].relayed = relayed;
  if (!relayed) a.peer = &link->ends_[0];  // a relayed pipe's peer stays its connection
  return link;
}

void cross_core_link::join(pipe& b) {
  ends_[1].self = &b;
  ends_[1].keep = shared_from_this();
  b.peer = &ends_[1];
  // Side 0 may have queued messages already.
  receive_into(1, true);
}

void cross_core_link::unjoin() noexcept {
  if (ends_[1].self != nullptr) ends_[1].self->peer = nullptr;
  ends_[1].self = nullptr;
  auto last = std::move(ends_[1].keep);  // may destroy the link: last
}

template <class Fn>
void cross_core_link::run_on_side(int side, Fn fn) {
  engine_.submit_to(
      ends_[side].core, [self = shared_from_this(), fn]() mutable { fn(*self); },
      [](std::exception_ptr) {
        // Aborted only when the engine stops; both sides are torn down then.
      });
}

void cross_core_link::post_send(int side) {
  end& e = ends_[side];
  if (e.send_posted) return;
  e.send_posted = true;
  // Posted, not run here: the sender usually queues a burst with try_send in one go, and the
  // flush runs after it, moving the whole burst (measured on the inproc bench: one flush per
  // message cost a fence and a cross-core exchange each, and the consumer was poked per few
  // messages). What the sender queued is never stranded: the flush runs once its turn ends.
  asio::post(this_reactor().get_executor(), alloc::bind_slot(e.send_slot, [self = shared_from_this(), side] {
               self->ends_[side].send_posted = false;
               self->send_from(side);
             }));
}

bool cross_core_link::move_to_ring(message_ring& source, direction& d) noexcept {
  bool pushed = false;
  while (!source.empty()) {
    if (!d.ring.push(source.front())) {
      d.producer_waiting.store(true);
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (d.ring.full()) break;  // the consumer will call us back once it makes room
      d.producer_waiting.store(false);
      continue;
    }
    source.drop_front();  // push() moved it out
    pushed = true;
  }
  return pushed;
}

void cross_core_link::send_from(int side) {
  pipe* p = ends_[side].self;
  if (p == nullptr) return;
  const bool relayed = ends_[side].relayed;
  message_ring& source = relayed ? p->in : p->out;  // a relay forwards what its connection received
  direction& d = outgoing(side);
  const bool was_full = source.full();
  if (move_to_ring(source, d)) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!d.drain_queued.exchange(true)) {
      const int other = 1 - side;
      run_on_side(other, [other](cross_core_link& link) { link.receive_into(other, true); });
    }
  }
  if (!relayed) {
    if (was_full && !p->out.full()) p->owner().pipe_out_space(*p);
    return;
  }
  if (was_full && !p->in.full() && p->peer != nullptr) p->peer->in_space(*p);
  // A connection that left waits in its relay until what it received has gone over.
  if (p->terminating && p->in.empty()) p->owner().detach_pipe(*p);  // may destroy the link: last
}

// The socket destroys its pipe (it closes): what it sent and the posted flush has not moved yet
// goes into the ring as far as it fits, and the peer_left that side_gone sends takes it.
void cross_core_link::flush_unsent(int side) noexcept {
  pipe* p = ends_[side].self;
  if (p == nullptr || ends_[side].relayed || !ends_[side].keep) return;
  move_to_ring(p->out, outgoing(side));
}

void cross_core_link::receive_into(int side, bool queued_drain) {
  direction& d = incoming(side);
  if (queued_drain) {
    // A refill (the socket made room) leaves the flag alone: a drain still queued resets it when
    // it runs, and a producer that finds it clear queues one. Not writing it per refill keeps
    // the flag's line, which the producer reads, out of the per-message path.
    d.drain_queued.store(false);
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
  pipe* p = ends_[side].self;
  if (p == nullptr) return;
  const bool relayed = ends_[side].relayed;
  message_ring& target = relayed ? p->out : p->in;  // a relay passes the socket's messages on
  const bool was_empty = target.empty();
  bool popped = false;
  while (!target.full()) {
    message* m = d.ring.front();
    if (m == nullptr) break;
    target.push(std::move(*m));
    d.ring.pop_front();
    popped = true;
  }
  // A waiting producer is called back once the ring is down to half, not at the first free
  // slot: with a full target the socket refills one message per message read, and calling the
  // producer back for each let it move one message and wait again (a submit_to and, often, a
  // wake-up per message). Never stranded: the ring only stops shrinking while the target is
  // full, i.e. while the reader is not reading, and an empty ring is below half.
  if (popped && d.ring.consumer_backlog() <= d.ring.capacity() / 2) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (d.producer_waiting.load() && d.producer_waiting.exchange(false)) {
      const int other = 1 - side;
      run_on_side(other, [other](cross_core_link& link) { link.send_from(other); });
    }
  }
  if (!was_empty || target.empty()) return;
  if (!relayed) {
    p->owner().pipe_in_ready(*p);
  } else if (p->peer != nullptr) {
    p->peer->out_ready(*p);
  }
}

void cross_core_link::side_gone(int side) noexcept {
  ends_[side].self = nullptr;
  if (!ends_[side].keep) return;  // this side was told first that the other had gone
  const int other = 1 - side;
  try {
    run_on_side(other, [other](cross_core_link& link) { link.peer_left(other); });
  } catch (const std::exception& e) {
    log(log_level::warning,
        std::string("zmq: a peer on another core could not be told of a close: ") + e.what());
  }
  auto last = std::move(ends_[side].keep);  // may destroy the link: last
}

void cross_core_link::refuse() noexcept {
  try {
    run_on_side(0, [](cross_core_link& link) { link.refused(0); });
  } catch (const std::exception& e) {
    log(log_level::warning,
        std::string("zmq: a refused peer on another core could not be told: ") + e.what());
  }
}

void cross_core_link::refused(int side) noexcept {
  pipe* p = ends_[side].self;
  ends_[side].self = nullptr;
  if (p != nullptr) p->owner().socket_side_gone(*p, true);
}

void cross_core_link::peer_left(int side) noexcept {
  pipe* p = ends_[side].self;
  if (p != nullptr && ends_[side].relayed) {
    // The socket is gone: what it sent still goes to the connection, which then closes.
    const bool was_empty = p->out.empty();
    message m;
    while (incoming(side).ring.pop(m)) p->out.push(std::move(m));
    ends_[side].self = nullptr;
    if (was_empty && !p->out.empty() && p->peer != nullptr) p->peer->out_ready(*p);
    auto last = std::move(ends_[side].keep);
    p->owner().socket_side_gone(*p, false);
    return;  // `last` may destroy the link: nothing after it
  }
  if (p != nullptr) {
    // What the peer sent before it left is still delivered (past the mark if need be).
    const bool was_empty = p->in.empty();
    message m;
    while (incoming(side).ring.pop(m)) p->in.push(std::move(m));
    ends_[side].self = nullptr;
    p->peer = nullptr;
    pipe_owner& owner = p->owner();
    const bool arrived = was_empty && !p->in.empty();
    owner.detach_pipe(*p);  // with messages left in `in`, the pipe stays until they are read
    if (arrived) owner.pipe_in_ready(*p);
  }
  auto last = std::move(ends_[side].keep);  // may destroy the link: last
}

}  // namespace shardmq::net::zmq::detail
