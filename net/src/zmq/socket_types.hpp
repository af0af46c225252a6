#pragma once
// The socket types, one file each (push.cpp, pull.cpp, ...), over the routing pieces of
// socket_core.

#include "socket_core.hpp"

#include <memory>

namespace shardmq::net::zmq::detail {

std::unique_ptr<socket_core> make_push_socket(tcp_stack& stack, const socket_options& options);
std::unique_ptr<socket_core> make_pull_socket(tcp_stack& stack, const socket_options& options);
std::unique_ptr<socket_core> make_pair_socket(tcp_stack& stack, const socket_options& options);
std::unique_ptr<socket_core> make_dealer_socket(tcp_stack& stack, const socket_options& options);
std::unique_ptr<socket_core> make_router_socket(tcp_stack& stack, const socket_options& options);
std::unique_ptr<socket_core> make_req_socket(tcp_stack& stack, const socket_options& options);
std::unique_ptr<socket_core> make_rep_socket(tcp_stack& stack, const socket_options& options);

}  // namespace shardmq::net::zmq::detail
