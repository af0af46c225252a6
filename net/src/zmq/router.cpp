// ROUTER: each received message starts with the routing id of the peer it came from; a sent
// message's first frame names the peer it goes to. Peers announce an Identity or get a
// generated 5-byte id (0x00 + a 32-bit counter), as libzmq makes them.
#include "socket_types.hpp"

#include <array>
#include <random>
#include <string>
#include <unordered_map>

namespace shardmq::net::zmq::detail {

namespace {

struct routing_id_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
};

class router_socket final : public socket_core {
 public:
  router_socket(tcp_stack& stack, const socket_options& options)
      : socket_core(stack, socket_type::router, options), next_id_(std::random_device{}()) {}

 private:
  std::error_code xsend(message& msg) override {
    if (msg.size() < 2) return errc::bad_message;
    const std::string_view id = msg[0].text();
    auto it = peers_.find(id);
    if (it == peers_.end()) {
      if (options().router_mandatory) return host_unreachable();
      ++stats().drops;
      msg.clear();
      return {};
    }
    pipe& p = *it->second;
    if (p.out.full()) {
      if (options().router_mandatory) return would_block();
      ++stats().drops;  // a ROUTER drops for a full peer rather than blocking every other peer
      msg.clear();
      return {};
    }
    msg.pop_front();
    push_out(p, std::move(msg));
    msg.clear();
    return {};
  }

  std::error_code xrecv(message& out) override {
    return receive_fair(out, nullptr, /*prepend_routing_id=*/true);
  }

  bool xattach(pipe& p) override {
    if (p.routing_id.empty()) {
      p.routing_id = generate_id();
    } else if (peers_.find(std::string_view(p.routing_id)) != peers_.end()) {
      return false;  // the id is taken: libzmq refuses the newcomer (no ZMQ_ROUTER_HANDOVER)
    }
    peers_.emplace(p.routing_id, &p);
    fq_.attach(p);
    return true;
  }

  void xdetach(pipe& p) noexcept override {
    auto it = peers_.find(std::string_view(p.routing_id));
    if (it != peers_.end() && it->second == &p) peers_.erase(it);
  }

  void xout_space(pipe&) override {}

  std::string generate_id() {
    for (;;) {
      const std::uint32_t n = next_id_++;
      std::string id(5, '\0');
      id[1] = static_cast<char>(n >> 24);
      id[2] = static_cast<char>(n >> 16);
      id[3] = static_cast<char>(n >> 8);
      id[4] = static_cast<char>(n);
      if (peers_.find(std::string_view(id)) == peers_.end()) return id;
    }
  }

  std::unordered_map<std::string, pipe*, routing_id_hash, std::equal_to<>> peers_;
  std::uint32_t next_id_;
};

}  // namespace

std::unique_ptr<socket_core> make_router_socket(tcp_stack& stack, const socket_options& options) {
  return std::make_unique<router_socket>(stack, options);
}

}  // namespace shardmq::net::zmq::detail
