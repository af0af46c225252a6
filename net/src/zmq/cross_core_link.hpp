#pragma once
// Joins a pipe of a socket on one core to a pipe of a socket on another (inproc between cores):
// one SPSC ring per direction, and a submit_to to the other core only when it has to act — the
// consumer when its ring turned non-empty and no drain is queued yet, the producer when it found
// the ring full and the consumer has since made room. A burst of messages thus costs one
// cross-core call, not one per message. A socket's messages go into the ring at the end of its
// turn (a posted flush), not one by one as it sends: the ring's shared lines, the fences and the
// drain flag are paid once per burst, and the consumer is told once it has a burst to take.

#include "message_spsc_ring.hpp"
#include "pipe.hpp"

#include <shardmq/alloc/handler_slot.hpp>

#include <atomic>
#include <memory>

namespace shardmq {
class engine;
}

namespace shardmq::net::zmq::detail {

class cross_core_link final : public std::enable_shared_from_this<cross_core_link> {
 public:
  /// On the first side's core: `a` becomes side 0 (the link is its peer); side 1 joins later on
  /// `b_core`. Ring capacities in messages, per direction. `relayed`: `a` is a relay's pipe whose
  /// peer is a connection: the link takes the socket's part on that side instead (drains `a.in`,
  /// fills `a.out`) and tells a's owner, the relay, only of socket_side_gone; the relay calls
  /// relay_* for the events a socket would get.
  static std::shared_ptr<cross_core_link> create(engine& owner, pipe& a, unsigned a_core, unsigned b_core,
                                                 std::size_t a_to_b, std::size_t b_to_a,
                                                 bool relayed = false);
  /// Side 0 of a relayed link (on its core): the connection filled `a.in`, emptied a full
  /// `a.out`, or is gone (the relay destroys `a` after this).
  void relay_in_ready() { send_from(0); }
  void relay_out_space() { receive_into(0, false); }
  void relay_gone() noexcept { side_gone(0); }
  /// On side 1's core, after unjoin: side 0's owner hears socket_side_gone(refused).
  void refuse() noexcept;

  /// On side 1's core: `b` becomes side 1.
  void join(pipe& b);
  /// On side 1's core, after join: `b` is taken back before it was used (its socket refused the
  /// peer); the caller destroys it.
  void unjoin() noexcept;

  cross_core_link(engine& owner, unsigned a_core, unsigned b_core, std::size_t a_to_b, std::size_t b_to_a);

 private:
  struct direction {
    explicit direction(std::size_t capacity) : ring(capacity) {}
    message_spsc_ring ring;
    std::atomic<bool> drain_queued{false};      // a drain is queued on the consumer's core
    std::atomic<bool> producer_waiting{false};  // the producer found the ring full
  };
  struct end final : pipe_peer {
    void out_ready(pipe&) override { link->post_send(side); }
    void in_space(pipe&) override { link->receive_into(side, false); }
    void pipe_destroyed(pipe&) noexcept override {
      link->flush_unsent(side);
      link->side_gone(side);
    }
    cross_core_link* link = nullptr;
    int side = 0;
    unsigned core = 0;
    bool relayed = false;                   // this side's pipe has a connection as peer
    bool send_posted = false;               // a send_from is posted on `core`
    pipe* self = nullptr;                   // touched on `core` only
    std::shared_ptr<cross_core_link> keep;  // the link lives while a side holds it
    alloc::handler_slot<128> send_slot;     // the posted send_from's memory
  };

  direction& outgoing(int side) noexcept { return side == 0 ? a_to_b_ : b_to_a_; }
  direction& incoming(int side) noexcept { return side == 0 ? b_to_a_ : a_to_b_; }
  void post_send(int side);
  void send_from(int side);
  bool move_to_ring(message_ring& source, direction& d) noexcept;
  void flush_unsent(int side) noexcept;
  /// Moves what fits from the incoming ring into the pipe; `queued_drain`: run as the drain the
  /// producer queued (not as a refill after the socket made room).
  void receive_into(int side, bool queued_drain);
  void side_gone(int side) noexcept;
  void peer_left(int side) noexcept;
  void refused(int side) noexcept;
  template <class Fn>
  void run_on_side(int side, Fn fn);

  engine& engine_;
  end ends_[2];
  direction a_to_b_;
  direction b_to_a_;
};

}  // namespace shardmq::net::zmq::detail
