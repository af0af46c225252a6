#include "connection_relay.hpp"

#include "cross_core_link.hpp"
#include "socket_core.hpp"
#include "zmtp_connection.hpp"

#include <shardmq/core/engine.hpp>
#include <shardmq/core/log.hpp>

#include <algorithm>

namespace shardmq::net::zmq::detail {

relay_table::relay_table(engine& e, socket_core& s, unsigned cores)
    : owner(e),
      home_core(s.home_core()),
      type(s.type()),
      options(s.options()),
      socket(&s),
      relays(cores, nullptr),
      closed(cores, 0) {}

/// A connection's pipe on the relay's core and its link to the socket's pipe.
struct connection_relay::relayed_pipe final : pipe {
  using pipe::pipe;
  std::shared_ptr<cross_core_link> link;
  bool socket_gone = false;  // the link's other side left: nothing more goes over
};

connection_relay::connection_relay(std::shared_ptr<relay_table> table)
    : table_(std::move(table)),
      core_(this_core()),
      linger_timer_(this_reactor().timers(), [this] { abort_all(); }) {
  this_reactor().add_stop_hook(*this);
}

connection_relay::~connection_relay() { this_reactor().remove_stop_hook(*this); }

connection_relay* connection_relay::on_this_core(const std::shared_ptr<relay_table>& table) {
  const unsigned core = this_core();
  if (table->closed[core] != 0) return nullptr;
  if (table->relays[core] == nullptr) table->relays[core] = new connection_relay(table);
  return table->relays[core];
}

void connection_relay::socket_closed(const std::shared_ptr<relay_table>& table) noexcept {
  const unsigned core = this_core();
  table->closed[core] = 1;
  connection_relay* relay = table->relays[core];
  if (relay == nullptr) return;
  ++relay->busy_;
  relay->closing_ = true;
  // Those still in their handshake have no link to wait for; the others close once the socket's
  // side of their link is gone, with what it queued for them.
  std::vector<zmtp_connection*> unlinked;
  for (zmtp_connection* c : relay->connections_) {
    const bool linked =
        std::any_of(relay->pipes_.begin(), relay->pipes_.end(), [c](const auto& p) { return p->peer == c; });
    if (!linked) unlinked.push_back(c);
  }
  for (zmtp_connection* c : unlinked) c->abort();
  --relay->busy_;
  relay->maybe_delete();
}

connection_relay::relayed_pipe& connection_relay::relayed(pipe& p) noexcept {
  return static_cast<relayed_pipe&>(p);
}

pipe& connection_relay::make_pipe(bool) {
  pipes_.push_back(std::make_unique<relayed_pipe>(*this, table_->options.sndhwm, table_->options.rcvhwm));
  return *pipes_.back();
}

bool connection_relay::attach_pipe(pipe& p, std::string_view peer_identity) {
  relayed_pipe& r = relayed(p);
  const auto capacity = [](std::uint32_t hwm) { return hwm == 0 ? std::size_t{65536} : std::size_t{hwm}; };
  r.link =
      cross_core_link::create(table_->owner, r, core_, table_->home_core, capacity(table_->options.rcvhwm),
                              capacity(table_->options.sndhwm), /*relayed=*/true);
  // The socket decides (a PAIR's second peer, a duplicate ROUTER id); until then the
  // connection's messages wait in the ring, and a refusal comes back as socket_side_gone.
  table_->owner.submit_to(
      table_->home_core,
      [table = table_, link = r.link, id = std::string(peer_identity)] {
        socket_core* s = table->socket;
        if (s == nullptr || s->closing()) {
          link->refuse();
          return;
        }
        pipe& theirs = s->make_pipe(false);
        theirs.relayed = true;
        link->join(theirs);
        if (!s->attach_pipe(theirs, id)) {
          link->unjoin();
          s->destroy_pipe(theirs);
          link->refuse();
        }
      },
      [link = r.link](std::exception_ptr error) {
        if (error) link->refuse();  // the engine stops: the stop hooks end everything anyway
      });
  return true;
}

void connection_relay::detach_pipe(pipe& p) noexcept {
  relayed_pipe& r = relayed(p);
  r.terminating = true;
  // What the connection received still goes to the socket; the link calls back once it has.
  if (r.in.empty() || r.socket_gone || !r.link) release(r);
}

void connection_relay::pipe_in_ready(pipe& p) {
  relayed_pipe& r = relayed(p);
  if (r.socket_gone) {
    r.in.clear();  // nobody reads them any more; the connection is closing
    return;
  }
  if (r.link) r.link->relay_in_ready();
}

void connection_relay::pipe_out_space(pipe& p) {
  relayed_pipe& r = relayed(p);
  if (!r.socket_gone && r.link) r.link->relay_out_space();
}

void connection_relay::socket_side_gone(pipe& p, bool refused) noexcept {
  relayed_pipe& r = relayed(p);
  r.socket_gone = true;
  auto* connection = dynamic_cast<zmtp_connection*>(r.peer);
  if (connection == nullptr) {  // the connection left first and waited for its messages to go
    release(r);
    return;
  }
  ++busy_;
  if (refused) {
    count_failure(true);
    log(log_level::info,
        "zmq: peer refused by its socket (a second PAIR peer, a duplicate routing id, or "
        "the socket closed)");
    connection->abort();
  } else {
    connection->close_gracefully();
    start_linger();
  }
  --busy_;
  maybe_delete();
}

void connection_relay::connection_opened(zmtp_connection& c) { connections_.push_back(&c); }

void connection_relay::connection_closed(zmtp_connection& c) noexcept {
  connections_.erase(std::remove(connections_.begin(), connections_.end(), &c), connections_.end());
  maybe_delete();
}

void connection_relay::count_failure(bool handshake) noexcept {
  try {
    table_->owner.submit_to(
        table_->home_core,
        [table = table_, handshake] {
          if (table->socket != nullptr) table->socket->count_failure(handshake);
        },
        [](std::exception_ptr) {});
  } catch (const std::exception&) {
    // The engine stops: the counter goes with it.
  }
}

void connection_relay::release(relayed_pipe& p) noexcept {
  // Always: after a refusal this side still holds the link (relay_gone lets go; it tells the
  // other side only if that one has not left first).
  std::shared_ptr<cross_core_link> link = std::move(p.link);
  if (link) link->relay_gone();
  auto it = std::find_if(pipes_.begin(), pipes_.end(), [&](const auto& owned) { return owned.get() == &p; });
  if (it != pipes_.end()) {
    std::swap(*it, pipes_.back());
    pipes_.pop_back();
  }
}

void connection_relay::start_linger() noexcept {
  const auto linger = table_->options.linger;
  if (linger.count() == 0) {
    abort_all();
  } else if (linger.count() > 0 && !lingering_) {
    lingering_ = true;
    linger_timer_.arm_in(linger);
  }
}

void connection_relay::abort_all() noexcept {
  ++busy_;
  std::vector<zmtp_connection*> all = connections_;  // abort() may end one at once
  for (zmtp_connection* c : all) c->abort();
  --busy_;
  maybe_delete();
}

void connection_relay::on_reactor_stop() noexcept {
  closing_ = true;
  linger_timer_.cancel();
  abort_all();
}

void connection_relay::maybe_delete() noexcept {
  if (busy_ != 0 || !closing_ || !connections_.empty()) return;
  linger_timer_.cancel();
  while (!pipes_.empty()) release(*pipes_.back());
  table_->relays[core_] = nullptr;
  delete this;
}

}  // namespace shardmq::net::zmq::detail
