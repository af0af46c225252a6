// The libzmq 4.3 side of every role: the baseline, written as a libzmq user would write it
// (blocking calls, zmq_msg_t for receiving, zmq_send copying the payload), with libzmq's defaults
// (one I/O thread, high-water marks of 1000).

#include "zmq_role.hpp"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <zmq.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace shardmq::bench::zmq_bench {

namespace {

void check(int rc, const char* what) {
  if (rc < 0) fail_role(std::string("libzmq ") + what + ": " + zmq_strerror(zmq_errno()));
}

/// A socket; measuring sides close with linger 0 so that ending the run never waits.
void* open_socket(void* context, int type) {
  void* s = zmq_socket(context, type);
  if (s == nullptr) check(-1, "zmq_socket");
  const int linger = 0;
  check(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger), "ZMQ_LINGER");
  return s;
}

void bind_and_report(void* s, const std::string& endpoint) {
  check(zmq_bind(s, endpoint.c_str()), "zmq_bind");
  char bound[256];
  size_t size = sizeof bound;
  check(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, bound, &size), "ZMQ_LAST_ENDPOINT");
  report_ready(bound);
}

/// The peers that only serve or feed stay until the driver ends them with SIGTERM.
[[noreturn]] void hold_until_killed() {
  for (;;) pause();
}

void pin_this_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
    fail_role("cannot pin a thread to CPU " + std::to_string(cpu));
  }
}

/// Receives `o.warmup + o.messages` from one sender, in order; the window covers the last
/// o.messages.
void receive_in_order(void* pull, const role_options& o) {
  zmq_msg_t m;
  zmq_msg_init(&m);
  measured_window window;
  for (std::uint64_t i = 0; i < o.warmup + o.messages; ++i) {
    if (i == o.warmup) window.open();
    check(zmq_msg_recv(&m, pull, 0), "zmq_msg_recv");
    expect_sequence(sequence_of(zmq_msg_data(&m), zmq_msg_size(&m), o.size), i);
  }
  window.close(o.messages);
  zmq_msg_close(&m);
}

void send_all(void* push, const role_options& o) {
  payload body(o.size);
  for (std::uint64_t i = 0; i < o.warmup + o.messages; ++i) {
    const auto bytes = body.with_sequence(i);
    check(zmq_send(push, bytes.data(), bytes.size(), 0), "zmq_send");
  }
}

int pull(void* context, const role_options& o) {
  void* s = open_socket(context, ZMQ_PULL);
  bind_and_report(s, o.endpoint);
  receive_in_order(s, o);
  zmq_close(s);
  return 0;
}

int push(void* context, const role_options& o) {
  void* s = open_socket(context, ZMQ_PUSH);
  check(zmq_connect(s, o.endpoint.c_str()), "zmq_connect");
  send_all(s, o);
  hold_until_killed();
}

int rep(void* context, const role_options& o) {
  void* s = open_socket(context, ZMQ_REP);
  bind_and_report(s, o.endpoint);
  zmq_msg_t m;
  zmq_msg_init(&m);
  for (;;) {
    check(zmq_msg_recv(&m, s, 0), "zmq_msg_recv");
    check(zmq_msg_send(&m, s, 0), "zmq_msg_send");
  }
}

int req(void* context, const role_options& o) {
  void* s = open_socket(context, ZMQ_REQ);
  check(zmq_connect(s, o.endpoint.c_str()), "zmq_connect");
  payload body(o.size);
  zmq_msg_t reply;
  zmq_msg_init(&reply);
  latency_histogram latencies;
  measured_window window;
  for (std::uint64_t i = 0; i < o.warmup + o.messages; ++i) {
    if (i == o.warmup) window.open();
    const auto sent = bench_clock::now();
    const auto bytes = body.with_sequence(i);
    check(zmq_send(s, bytes.data(), bytes.size(), 0), "zmq_send");
    check(zmq_msg_recv(&reply, s, 0), "zmq_msg_recv");
    const auto took = bench_clock::now() - sent;
    expect_sequence(sequence_of(zmq_msg_data(&reply), zmq_msg_size(&reply), o.size), i);
    if (i >= o.warmup) {
      latencies.record(static_cast<std::uint64_t>(std::chrono::nanoseconds(took).count()));
    }
  }
  window.close(o.messages, &latencies);
  zmq_msg_close(&reply);
  zmq_close(s);
  return 0;
}

int router(void* context, const role_options& o) {
  void* s = open_socket(context, ZMQ_ROUTER);
  bind_and_report(s, o.endpoint);
  zmq_msg_t id;
  zmq_msg_t body;
  zmq_msg_init(&id);
  zmq_msg_init(&body);
  for (;;) {
    check(zmq_msg_recv(&id, s, 0), "zmq_msg_recv (routing id)");
    if (!zmq_msg_more(&id)) fail_role("a ROUTER message without a body", 3);
    check(zmq_msg_recv(&body, s, 0), "zmq_msg_recv (body)");
    check(zmq_msg_send(&id, s, ZMQ_SNDMORE), "zmq_msg_send (routing id)");
    check(zmq_msg_send(&body, s, 0), "zmq_msg_send (body)");
  }
}

/// o.dealers DEALERs in one thread, each keeping o.window requests in flight; zmq_poll finds the
/// ones with replies, and every reply sends the next request on the same socket.
int dealers(void* context, const role_options& o) {
  std::vector<void*> sockets;
  std::vector<zmq_pollitem_t> items;
  std::vector<std::uint64_t> sent(o.dealers, 0);
  std::vector<std::uint64_t> received(o.dealers, 0);
  payload body(o.size);
  for (unsigned d = 0; d < o.dealers; ++d) {
    void* s = open_socket(context, ZMQ_DEALER);
    check(zmq_connect(s, o.endpoint.c_str()), "zmq_connect");
    sockets.push_back(s);
    items.push_back({s, 0, ZMQ_POLLIN, 0});
  }
  for (unsigned d = 0; d < o.dealers; ++d) {
    for (unsigned w = 0; w < o.window; ++w) {
      const auto bytes = body.with_sequence(sent[d]++);
      check(zmq_send(sockets[d], bytes.data(), bytes.size(), 0), "zmq_send");
    }
  }
  measured_window window;
  if (o.warmup == 0) window.open();
  const std::uint64_t total = o.warmup + o.messages;
  std::uint64_t replies = 0;
  zmq_msg_t reply;
  zmq_msg_init(&reply);
  while (replies < total) {
    check(zmq_poll(items.data(), static_cast<int>(items.size()), -1), "zmq_poll");
    for (unsigned d = 0; d < o.dealers && replies < total; ++d) {
      if ((items[d].revents & ZMQ_POLLIN) == 0) continue;
      while (replies < total && zmq_msg_recv(&reply, sockets[d], ZMQ_DONTWAIT) >= 0) {
        expect_sequence(sequence_of(zmq_msg_data(&reply), zmq_msg_size(&reply), o.size), received[d]++);
        if (++replies == o.warmup) window.open();
        const auto bytes = body.with_sequence(sent[d]++);
        check(zmq_send(sockets[d], bytes.data(), bytes.size(), 0), "zmq_send");
      }
      if (replies < total && zmq_errno() != EAGAIN) check(-1, "zmq_msg_recv");
    }
  }
  window.close(o.messages);
  zmq_msg_close(&reply);
  for (void* s : sockets) zmq_close(s);
  return 0;
}

/// PUSH on a thread pinned to CPU 0, PULL on one pinned to CPU 1, over inproc in one context.
int inproc(void* context, const role_options& o) {
  void* pull_socket = open_socket(context, ZMQ_PULL);
  check(zmq_bind(pull_socket, "inproc://shardmq-bench"), "zmq_bind inproc");
  void* push_socket = open_socket(context, ZMQ_PUSH);
  check(zmq_connect(push_socket, "inproc://shardmq-bench"), "zmq_connect inproc");
  std::atomic<bool> finished{false};
  std::thread sender([&] {
    pin_this_thread(0);
    send_all(push_socket, o);
    while (!finished.load(std::memory_order_acquire)) usleep(1000);
    zmq_close(push_socket);
  });
  std::thread receiver([&] {
    pin_this_thread(1);
    receive_in_order(pull_socket, o);
    finished.store(true, std::memory_order_release);
    zmq_close(pull_socket);
  });
  receiver.join();
  sender.join();
  return 0;
}

}  // namespace

int run_libzmq_role(const role_options& o) {
  void* context = zmq_ctx_new();
  if (context == nullptr) check(-1, "zmq_ctx_new");
  int status = 0;
  if (o.role == "pull") {
    status = pull(context, o);
  } else if (o.role == "push" || o.role == "push_each") {  // zmq_send returns once queued either way
    status = push(context, o);
  } else if (o.role == "rep") {
    status = rep(context, o);
  } else if (o.role == "req") {
    status = req(context, o);
  } else if (o.role == "router") {
    status = router(context, o);
  } else if (o.role == "dealers") {
    status = dealers(context, o);
  } else if (o.role == "inproc") {
    status = inproc(context, o);
  } else {
    fail_role("libzmq has no role " + o.role, 2);
  }
  zmq_ctx_term(context);
  return status;
}

}  // namespace shardmq::bench::zmq_bench
