#include "socket_core.hpp"

#include "connection_relay.hpp"
#include "cross_core_link.hpp"
#include "inproc_registry.hpp"
#include "socket_directory.hpp"
#include "tcp_binding.hpp"
#include "tcp_connector.hpp"
#include "zmtp_connection.hpp"

#include <shardmq/core/engine.hpp>
#include <shardmq/core/log.hpp>
#include <shardmq/net/tcp_address.hpp>
#include <shardmq/net/tcp_stack.hpp>

#include <algorithm>
#include <atomic>
#include <stdexcept>

namespace shardmq::net::zmq::detail {

socket_core::socket_core(tcp_stack& stack, socket_type type, socket_options options)
    : stack_(stack),
      type_(type),
      options_(std::move(options)),
      home_core_(this_reactor().core()),
      home_reactor_(&this_reactor()),
      executor_(this_reactor().get_executor()) {
  validate(options_);
  if (&stack.owner() != &home_reactor_->owner()) {
    throw std::invalid_argument("shardmq: a socket must be made on a reactor of its tcp_stack's engine");
  }
  static std::atomic<std::uint64_t> next_number{1};
  std::string type_name(zmtp::socket_type_name(type_));
  for (char& c : type_name) c = static_cast<char>(c - 'A' + 'a');
  name_ = type_name + "-" + std::to_string(next_number.fetch_add(1, std::memory_order_relaxed));
  home_reactor_->add_stop_hook(*this);
  socket_directory::instance().add(*this);
}

socket_core::~socket_core() {
  if (relays_) relays_->socket = nullptr;
  socket_directory::instance().remove(*this);
  if (reactor::current() == home_reactor_) home_reactor_->remove_stop_hook(*this);
}

std::string socket_core::label_endpoint() const {
  return !last_endpoint_.empty() ? last_endpoint_ : first_connect_;
}

void socket_core::check_thread() const {
  if (reactor::current() != home_reactor_) {
    throw std::logic_error(
        "shardmq: a zmq socket is used from a thread that is not its home core's reactor (core " +
        std::to_string(home_core_) + ")");
  }
}

// --- bind and connect -------------------------------------------------------------------------

void socket_core::bind(std::string_view text) {
  check_thread();
  if (closing_) throw std::logic_error("shardmq: bind on a closed socket");
  const endpoint e = parse_endpoint(text);
  if (e.kind == endpoint::transport::inproc) {
    bind_inproc(e);
    return;
  }
  auto binding = std::make_unique<tcp_binding>(*this, e.address);
  endpoint bound = e;
  bound.address = binding->local_endpoint();
  bindings_.push_back(std::move(binding));
  last_endpoint_ = format_endpoint(bound);
}

void socket_core::connect(std::string_view text) {
  check_thread();
  if (closing_) throw std::logic_error("shardmq: connect on a closed socket");
  const endpoint e = parse_endpoint(text);
  if (e.kind == endpoint::transport::inproc) {
    connect_inproc(e);
    return;
  }
  if (e.address.port() == 0)
    throw std::invalid_argument("shardmq: connect needs a port: " + std::string(text));
  auto connector = std::make_unique<tcp_connector>(*this, e.address, type_ != socket_type::router);
  if (type_ != socket_type::router) attach_pipe(*connector->pipe_for_connection(), {});
  connector->start();
  connectors_.push_back(std::move(connector));
}

// --- sending and receiving ------------------------------------------------------------------

std::error_code socket_core::try_send(message& msg) {
  check_thread();
  if (closing_ || stopped_) return errc::socket_closed;
  if (!can_send()) return errc::not_supported_by_type;
  if (msg.empty()) return errc::bad_message;
  const std::size_t bytes = msg.payload_bytes();
  const std::error_code result = xsend(msg);
  if (!result) {
    ++stats_.messages_out;
    stats_.bytes_out += bytes;
  }
  return result;
}

std::error_code socket_core::try_receive(message& out) {
  check_thread();
  if (closing_ || stopped_) return errc::socket_closed;
  if (!can_receive()) return errc::not_supported_by_type;
  const std::error_code result = xrecv(out);
  if (!result) {
    ++stats_.messages_in;
    stats_.bytes_in += out.payload_bytes();
  }
  return result;
}

void socket_core::start_send(send_op* op) {
  check_thread();
  if (pending_send_ != nullptr) {
    op->complete(errc::wrong_state, executor_, true);  // one send at a time
    return;
  }
  const std::error_code result = try_send(op->msg);
  if (result != would_block()) {
    op->complete(result, executor_, true);
    return;
  }
  ++stats_.hwm_waits;
  pending_send_ = op;
}

void socket_core::start_receive(receive_op* op) {
  check_thread();
  if (pending_receive_ != nullptr) {
    op->complete(errc::wrong_state, message(), executor_, true);
    return;
  }
  message m;
  const std::error_code result = try_receive(m);
  if (result != would_block()) {
    op->complete(result, std::move(m), executor_, true);
    return;
  }
  pending_receive_ = op;
}

// A retry can come back into itself: the message it queues is written at once, and the
// connection then reports room (or, on the receive side, a blocked connection delivers its next
// message into the room just made). The outer call owns the pending operation until it completes
// it, so a nested retry of the same direction does nothing; the outer one sees the new state.
void socket_core::retry_pending_send() {
  if (pending_send_ == nullptr || retrying_send_) return;
  retrying_send_ = true;
  const std::error_code result = try_send(pending_send_->msg);
  retrying_send_ = false;
  if (result == would_block()) return;
  send_op* op = std::exchange(pending_send_, nullptr);
  op->complete(result, executor_, false);
}

void socket_core::retry_pending_receive() {
  if (pending_receive_ == nullptr || retrying_receive_) return;
  message m;
  retrying_receive_ = true;
  const std::error_code result = try_receive(m);
  retrying_receive_ = false;
  if (result == would_block()) return;
  receive_op* op = std::exchange(pending_receive_, nullptr);
  // Posted, not run inline: the connection that made the message ready goes on decoding the rest
  // of its read first, so the receiver wakes once per batch and takes the others with
  // try_receive. Inline, every message cost a whole completion and a new wait (measured with a
  // libzmq PUSH: 1,000,000 waits for 1,000,000 messages, 3281 instructions per message; posted,
  // ~1 wait per 1000 messages and 1079 instructions).
  op->complete(result, std::move(m), executor_, true);
}

// --- routing pieces -------------------------------------------------------------------------

void socket_core::push_out(pipe& p, message&& msg) {
  const bool was_empty = p.out.empty();
  p.out.push(std::move(msg));
  if (was_empty && p.peer != nullptr) p.peer->out_ready(p);
}

message socket_core::pop_in(pipe& p) {
  const bool was_full = p.in.full();
  message m = p.in.pop();
  if (was_full && p.peer != nullptr) p.peer->in_space(p);
  return m;
}

std::error_code socket_core::send_balanced(message& msg, pipe** used) {
  pipe* p = lb_.pick();
  if (p == nullptr) return would_block();
  if (used != nullptr) *used = p;
  const bool was_empty = p->out.empty();
  p->out.push(std::move(msg));
  msg.clear();
  lb_.sent(*p);
  if (was_empty && p->peer != nullptr) p->peer->out_ready(*p);
  return {};
}

std::error_code socket_core::receive_fair(message& out, pipe** from, bool prepend_routing_id) {
  pipe* p = fq_.pick();
  if (p == nullptr) return would_block();
  if (from != nullptr) *from = p;
  const bool was_full = p->in.full();
  p->in.pop_into(out);
  if (prepend_routing_id) out.push_front(frame::copy_of(p->routing_id));
  fq_.received(*p);
  pipe* peer_pipe = p;
  if (p->terminating && p->in.empty()) {
    destroy_pipe(*p);
    if (from != nullptr) *from = nullptr;
    peer_pipe = nullptr;
  }
  if (was_full && peer_pipe != nullptr && peer_pipe->peer != nullptr) peer_pipe->peer->in_space(*peer_pipe);
  return {};
}

// --- pipes ------------------------------------------------------------------------------------

pipe& socket_core::make_pipe(bool persistent) {
  pipes_.push_back(std::make_unique<pipe>(*this, options_.sndhwm, options_.rcvhwm));
  pipes_.back()->persistent = persistent;
  return *pipes_.back();
}

bool socket_core::attach_pipe(pipe& p, std::string_view peer_identity) {
  if (p.attached && p.persistent) {
    // A reconnect of a connect()ed peer: already routed; only the received side reopens.
    ++stats_.peers;
    retry_pending_send();
    return true;
  }
  p.routing_id.assign(peer_identity);
  if (!xattach(p)) return false;
  p.attached = true;
  // connect() attaches its pipe before any connection exists (messages queue for the peer); it
  // counts as a peer when a connection completes the handshake (the branch above), as detach_pipe
  // uncounts it when that connection ends.
  if (p.peer != nullptr || !p.persistent) ++stats_.peers;
  retry_pending_send();
  return true;
}

void socket_core::detach_pipe(pipe& p) noexcept {
  if (p.attached) {
    if (stats_.peers > 0) --stats_.peers;
    ++stats_.disconnects;
  }
  if (p.persistent && (!closing_ || lingering_)) {
    // Kept for the next connection with its queued messages (also while lingering: its
    // connector tries again); a half-written message was dropped with the connection, as
    // libzmq does.
    return;
  }
  p.terminating = true;
  xdetach(p);  // no more routing to it (a new peer may take its routing id)
  lb_.detach(p);
  p.out.clear();
  if (p.in.empty()) destroy_pipe(p);
}

void socket_core::destroy_pipe(pipe& p) noexcept {
  xdetach(p);
  lb_.detach(p);
  fq_.detach(p);
  if (p.peer != nullptr) p.peer->pipe_destroyed(p);
  auto it = std::find_if(pipes_.begin(), pipes_.end(), [&](const auto& owned) { return owned.get() == &p; });
  if (it != pipes_.end()) {
    std::swap(*it, pipes_.back());
    pipes_.pop_back();
  }
}

void socket_core::pipe_in_ready(pipe& p) {
  xin_ready(p);
  retry_pending_receive();
}

void socket_core::pipe_out_space(pipe& p) {
  xout_space(p);
  retry_pending_send();
  if (closing_ && p.relayed) maybe_delete();  // lingering for a relayed peer's ring: last
}

// --- connections and the end ------------------------------------------------------------------

void socket_core::connection_opened(zmtp_connection& c) {
  c.index = connections_.size();
  connections_.push_back(&c);
}

void socket_core::connection_closed(zmtp_connection& c) noexcept {
  if (c.index < connections_.size() && connections_[c.index] == &c) {
    connections_[c.index] = connections_.back();
    connections_[c.index]->index = c.index;
    connections_.pop_back();
  }
  maybe_delete();
}

void socket_core::operation_finished() noexcept {
  --pending_operations_;
  maybe_delete();
}

void socket_core::fail_pending(std::error_code error) noexcept {
  if (send_op* op = std::exchange(pending_send_, nullptr)) op->complete(error, executor_, true);
  if (receive_op* op = std::exchange(pending_receive_, nullptr))
    op->complete(error, message(), executor_, true);
}

void socket_core::abort_connections() noexcept {
  // abort() may finish a connection at once (it then leaves the list): iterate over a copy.
  std::vector<zmtp_connection*> all = connections_;
  for (zmtp_connection* c : all) c->abort();
}

void socket_core::close() noexcept {
  ++busy_;  // connections finishing inside this call must not delete us under our feet
  if (closing_) {
    user_released_ = true;
    --busy_;
    maybe_delete();
    return;
  }
  closing_ = true;
  fail_pending(errc::socket_closed);
  for (auto& binding : bindings_) binding->stop();
  // libzmq keeps a connect()ed peer's session (and its reconnects) through the linger while
  // messages wait for it, so a peer that starts late still gets what was sent before the close.
  lingering_ = options_.linger.count() != 0 && !stopped_;
  for (auto& connector : connectors_) {
    if (lingering_ && connector->has_unsent()) {
      connector->linger();
    } else {
      connector->stop();
    }
  }
  inproc_registry::instance().unbind_all(*this);
  if (relays_) {
    // Each relay ends its connections once their side here is gone (after what we queued).
    for (unsigned core = 0; core < relays_->relays.size(); ++core) {
      if (core == home_core_) continue;
      try {
        stack_.owner().submit_to(
            core, [table = relays_] { connection_relay::socket_closed(table); }, [](std::exception_ptr) {});
      } catch (const std::exception& e) {
        log(log_level::warning, std::string("zmq: a relay could not be told of a close: ") + e.what());
      }
    }
  }
  if (!stopped_) {
    std::vector<zmtp_connection*> all = connections_;
    if (options_.linger.count() == 0) {
      abort_connections();
    } else {
      for (zmtp_connection* c : all) c->close_gracefully();
      // Armed even with no connection: a lingering connector may still be trying to connect.
      if (options_.linger.count() > 0) {
        linger_timer_ = std::make_unique<shardmq::timer>(home_reactor_->timers(), [this] { end_linger(); });
        linger_timer_->arm_in(options_.linger);
      }
    }
  }
  user_released_ = true;
  --busy_;
  maybe_delete();
}

void socket_core::on_reactor_stop() noexcept {
  ++busy_;
  stopped_ = true;
  closing_ = true;
  lingering_ = false;
  if (linger_timer_) linger_timer_->cancel();
  fail_pending(errc::socket_closed);
  for (auto& binding : bindings_) binding->stop();
  for (auto& connector : connectors_) connector->stop();
  inproc_registry::instance().unbind_all(*this);
  abort_connections();
  --busy_;
  maybe_delete();
}

void socket_core::end_linger() noexcept {
  ++busy_;  // each connector's stop may finish the last operation
  lingering_ = false;
  linger_expired_ = true;  // relayed rings are not waited for any more either
  // Connectors first: aborting a connection reports to its connector, whose pipe may be gone by
  // then (no longer kept once the linger is over).
  for (auto& connector : connectors_) connector->stop();
  abort_connections();
  --busy_;
  maybe_delete();
}

void socket_core::maybe_delete() noexcept {
  if (busy_ != 0 || !user_released_ || !connections_.empty() || pending_operations_ != 0) return;
  if (!stopped_ && !linger_expired_ && options_.linger.count() != 0 && relayed_output_waits()) return;
  if (linger_timer_) linger_timer_->cancel();
  // Inproc peers learn that we are gone.
  while (!pipes_.empty()) destroy_pipe(*pipes_.back());
  delete this;
}

bool socket_core::relayed_output_waits() const noexcept {
  return std::any_of(pipes_.begin(), pipes_.end(),
                     [](const auto& p) { return p->relayed && p->peer != nullptr && !p->out.empty(); });
}

std::shared_ptr<relay_table> socket_core::spread_table() {
  if (!options_.spread || stack_.owner().core_count() < 2) return nullptr;
  if (!relays_) relays_ = std::make_shared<relay_table>(stack_.owner(), *this, stack_.owner().core_count());
  return relays_;
}

void socket_core::bind_inproc(const endpoint& e) {
  inproc_registry::instance().bind(e.name, *this);
  inproc_names_.push_back(e.name);
  last_endpoint_ = format_endpoint(e);
}

void socket_core::connect_inproc(const endpoint& e) {
  const inproc_registry::entry bound = inproc_registry::instance().find(e.name);
  if (first_connect_.empty()) first_connect_ = format_endpoint(e);
  if (bound.socket == nullptr) {
    throw std::system_error(std::make_error_code(std::errc::connection_refused),
                            "shardmq: nothing is bound to inproc://" + e.name);
  }
  if (bound.core != home_core_) {
    connect_inproc_across_cores(e, bound.core);
    return;
  }
  socket_core& peer = *bound.socket;
  if (!zmtp::compatible(type_, peer.type_)) {
    throw std::invalid_argument(
        "shardmq: a " + std::string(zmtp::socket_type_name(type_)) + " socket cannot connect to the " +
        std::string(zmtp::socket_type_name(peer.type_)) + " socket at inproc://" + e.name);
  }
  pipe& mine = make_pipe(false);
  pipe& theirs = peer.make_pipe(false);
  new inproc_link(mine, theirs);  // deletes itself when either pipe goes
  if (!attach_pipe(mine, peer.options_.routing_id) || !peer.attach_pipe(theirs, options_.routing_id)) {
    destroy_pipe(mine);
    throw std::system_error(std::make_error_code(std::errc::connection_refused),
                            "shardmq: inproc://" + e.name + " refused the connection (PAIR already paired)");
  }
}

}  // namespace shardmq::net::zmq::detail

namespace shardmq::net::zmq::detail {

void socket_core::connect_inproc_across_cores(const endpoint& e, unsigned bound_core) {
  // The bound socket lives on another core: its pipe is made there, and ours is attached once
  // that side has accepted (sends wait until then).
  const auto capacity = [](std::uint32_t hwm) { return hwm == 0 ? std::size_t{65536} : std::size_t{hwm}; };
  pipe& mine = make_pipe(false);
  auto link = cross_core_link::create(stack_.owner(), mine, home_core_, bound_core, capacity(options_.sndhwm),
                                      capacity(options_.rcvhwm));
  operation_started();
  stack_.owner().submit_to(
      bound_core,
      [link, name = e.name, my_type = type_, my_id = options_.routing_id]() -> std::string {
        const inproc_registry::entry bound = inproc_registry::instance().find(name);
        if (bound.socket == nullptr || bound.core != this_core()) {
          throw std::system_error(std::make_error_code(std::errc::connection_refused),
                                  "shardmq: nothing is bound to inproc://" + name + " any more");
        }
        socket_core& peer = *bound.socket;
        if (!zmtp::compatible(my_type, peer.type())) {
          throw std::invalid_argument("shardmq: a " + std::string(zmtp::socket_type_name(my_type)) +
                                      " socket cannot connect to the " +
                                      std::string(zmtp::socket_type_name(peer.type())) +
                                      " socket at inproc://" + name);
        }
        pipe& theirs = peer.make_pipe(false);
        link->join(theirs);
        if (!peer.attach_pipe(theirs, my_id)) {
          link->unjoin();
          peer.destroy_pipe(theirs);
          throw std::system_error(
              std::make_error_code(std::errc::connection_refused),
              "shardmq: inproc://" + name + " refused the connection (PAIR already paired)");
        }
        return peer.options().routing_id;
      },
      [this, &mine, name = e.name](std::exception_ptr error, std::string peer_id) {
        const bool still_mine = std::any_of(pipes_.begin(), pipes_.end(),
                                            [&](const auto& owned) { return owned.get() == &mine; });
        if (!still_mine) {
          // The peer came and went before this reply: our pipe went with it.
        } else if (error) {
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& failure) {
            log(log_level::warning, std::string("zmq: inproc connect failed: ") + failure.what());
          } catch (...) {
          }
          destroy_pipe(mine);
        } else if (closing_ || !attach_pipe(mine, peer_id)) {
          destroy_pipe(mine);
        }
        operation_finished();  // may delete us: last
      });
}

}  // namespace shardmq::net::zmq::detail
