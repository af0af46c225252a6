#include <shardmq/alloc/buffer_pool.hpp>
#include <shardmq/alloc/core_pool.hpp>
#include <shardmq/core/reactor.hpp>
#include <shardmq/net/tcp_connection.hpp>
#include <shardmq/net/tcp_stack.hpp>

#include <sys/socket.h>
#include <sys/uio.h>
#include <asio/post.hpp>

#include <cerrno>
#include <cstring>
#include <new>
#include <type_traits>

namespace shardmq::net {

/// One queued write: a slice and the link, in a core_pool block.
struct tcp_connection::write_node {
  alloc::slice data;
  write_node* next = nullptr;

  static write_node* make(alloc::slice data) {
    void* memory = alloc::core_pool::local() ? alloc::core_pool::local()->allocate(sizeof(write_node))
                                             : ::operator new(sizeof(write_node));
    auto* node = ::new (memory) write_node;
    node->data = std::move(data);
    return node;
  }
  static void destroy(write_node* node) noexcept {
    node->~write_node();
    alloc::core_pool::deallocate(node);
  }
};

namespace {
// Most buffers one sendmsg takes: enough to gather a burst of small messages, far below IOV_MAX.
constexpr std::size_t max_gather = 64;

// basic_socket keeps its implementation (the descriptor's reactor entry) protected; a pointer to
// that member formed in a derived class reads it without a cast. Pinned to Asio 1.22's reactive
// socket service (Debian 12); the static_assert below stops a build with another backend.
struct socket_internals : tcp_connection::socket_type {
  static auto& implementation(tcp_connection::socket_type& socket) noexcept {
    return (socket.*(&socket_internals::impl_)).get_implementation();
  }
};
static_assert(std::is_same_v<asio::detail::reactor, asio::detail::epoll_reactor>,
              "tcp_connection's readable_wait is written for Asio's epoll reactor");
}  // namespace

tcp_connection::readable_wait::readable_wait(tcp_connection& owner) noexcept
    : reactor_op(asio::error_code(), &readable_wait::perform, &readable_wait::complete), connection(owner) {}

asio::detail::reactor_op::status tcp_connection::readable_wait::perform(
    asio::detail::reactor_op* base) noexcept {
  // Called by the reactor when an event for the descriptor arrives (ready), and possibly at once
  // from start_op (not ready: we have just read the socket empty).
  return static_cast<readable_wait*>(base)->arming ? not_done : done;
}

void tcp_connection::readable_wait::complete(void* scheduler, asio::detail::scheduler_operation* base,
                                             const asio::error_code&, std::size_t) noexcept(false) {
  if (scheduler == nullptr) return;  // destroyed with the io_context, never run
  auto* self = static_cast<readable_wait*>(base);
  self->connection.on_readable(self->ec_);
}

tcp_connection::tcp_connection(detail::core_tcp_state& home, socket_type socket,
                               const connection_options& options)
    : socket_(std::move(socket)), home_(home), core_(home.core), options_(options) {
  std::error_code ignored;
  remote_ = socket_.remote_endpoint(ignored);
}

tcp_connection::~tcp_connection() {
  while (write_head_ != nullptr) {
    write_node* next = write_head_->next;
    write_node::destroy(write_head_);
    write_head_ = next;
  }
}

void tcp_connection::start(std::unique_ptr<stream_handler> handler) {
  handler_ = std::move(handler);
  io_reactor_ = &asio::use_service<asio::detail::reactor>(socket_.get_executor().context());
  // Nothing is read until the socket says it is readable: an idle connection holds no buffer.
  // The first wait is Asio's own: its epoll_ctl(MOD) reports data that arrived before we looked
  // (an edge the reactor may already have collected with no wait queued).
  read_pending_ = true;
  socket_.async_wait(socket_type::wait_read,
                     alloc::bind_slot(read_slot_, [this](std::error_code error) { on_readable(error); }));
}

// --- reading ----------------------------------------------------------------------------------

void tcp_connection::wait_readable() {
  // Only after a read that left the socket empty (see readable_wait).
  read_pending_ = true;
  readable_wait_.ec_ = asio::error_code();
  readable_wait_.arming = true;
  io_reactor_->start_op(asio::detail::reactor::read_op, socket_.native_handle(),
                        socket_internals::implementation(socket_).reactor_data_, &readable_wait_,
                        /*is_continuation=*/true, /*allow_speculative=*/true);
  readable_wait_.arming = false;
}

void tcp_connection::on_readable(std::error_code error) {
  read_pending_ = false;
  if (error) {
    if (error != asio::error::operation_aborted) fail(error);
    finish_if_done();
    return;
  }
  read_now();
}

void tcp_connection::read_now() {
  if (state_ != state::open) return finish_if_done();
  if (reading_paused()) {
    read_stopped_ = true;  // the edge is consumed: resume must read without waiting
    return finish_if_done();
  }
  in_call_ = true;
  alloc::buffer_pool& buffers = *alloc::buffer_pool::local();
  bool drained = false;
  for (unsigned i = 0; i < options_.reads_per_event && state_ == state::open && !reading_paused(); ++i) {
    alloc::slice buffer = buffers.try_acquire(options_.read_buffer);
    if (!buffer) {
      fail(std::make_error_code(std::errc::not_enough_memory));
      break;
    }
    const ssize_t n = ::recv(socket_.native_handle(), buffer.data(), buffer.size(), 0);
    if (n > 0) {
      const auto got = static_cast<std::size_t>(n);
      home_.counters.bytes_in += got;
      // A short read took everything the socket had: a later arrival raises a new edge.
      drained = got < buffer.size();
      buffer.trim_back(buffer.size() - got);
      handler_->on_data(*this, std::move(buffer));
      if (drained) break;
    } else if (n == 0) {
      close();  // the peer is done sending: write what is queued, then close
      break;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      drained = true;
      break;
    } else if (errno != EINTR) {
      fail(std::error_code(errno, std::system_category()));
      break;
    }
  }
  in_call_ = false;
  if (write_head_ != nullptr && !write_pending_) flush();
  if (state_ == state::open) {
    if (reading_paused()) {
      read_stopped_ = true;  // no wait armed: resuming must read first (data may be waiting)
    } else if (drained) {
      wait_readable();
    } else {
      // More may be waiting and no new edge will come for it: continue after the other ready
      // handlers, for fairness.
      read_pending_ = true;
      asio::post(socket_.get_executor(), alloc::bind_slot(read_slot_, [this] {
                   read_pending_ = false;
                   read_now();
                 }));
    }
  }
  finish_if_done();
}

void tcp_connection::pause_reading() noexcept { paused_by_user_ = true; }

void tcp_connection::set_write_backpressure(bool on) noexcept {
  write_backpressure_ = on;
  if (!on && paused_by_writes_) {
    paused_by_writes_ = false;
    update_backpressure();
  }
}

void tcp_connection::resume_reading() noexcept {
  if (!paused_by_user_) return;
  paused_by_user_ = false;
  update_backpressure();
}

// --- writing ----------------------------------------------------------------------------------

void tcp_connection::send(alloc::slice data) {
  if (state_ != state::open || data.empty()) return;
  const std::size_t size = data.size();
  write_node* node = write_node::make(std::move(data));
  (write_tail_ != nullptr ? write_tail_->next : write_head_) = node;
  write_tail_ = node;
  queued_bytes_ += size;
  if (queued_bytes_ > options_.high_watermark && !paused_by_writes_ && write_backpressure_) {
    paused_by_writes_ = true;
    ++home_.counters.read_pauses;
  }
  if (!in_call_ && !write_pending_) post_flush();
}

void tcp_connection::send_copy(const void* bytes, std::size_t size) {
  while (size > 0) {
    alloc::slice buffer = alloc::buffer_pool::local()->acquire(std::min(size, options_.read_buffer));
    const std::size_t chunk = std::min(size, buffer.size());
    std::memcpy(buffer.data(), bytes, chunk);
    buffer.trim_back(buffer.size() - chunk);
    send(std::move(buffer));
    bytes = static_cast<const std::byte*>(bytes) + chunk;
    size -= chunk;
  }
}

void tcp_connection::post_flush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  const reactor* here = reactor::current();
  posted_by_ = here != nullptr ? here->current_handler() : 0;
  asio::post(socket_.get_executor(), alloc::bind_slot(write_slot_, [this] { run_posted_flush(); }));
}

void tcp_connection::run_posted_flush() {
  reactor* here = reactor::current();
  if (here != nullptr && posted_by_ != 0 && here->current_handler() == posted_by_ + 1) {
    // Nothing ran between the handler that queued the data and this flush. That is the pattern of
    // a coroutine awaiting each send: its continuation was posted right behind us, queues one more
    // message, and so on (one send() per message). Wait for the end of the turn, after at most
    // max_batch handlers; a lone reply loses little, the queue being empty behind it. With other
    // handlers between, write now: they are other connections' work, and holding our bytes
    // behind them kept the peer idle (ROUTER with 4 DEALERs, 100 in flight: half the throughput).
    here->run_at_turn_end(*this);
    return;
  }
  on_turn_end();
}

void tcp_connection::on_turn_end() {
  flush_posted_ = false;
  if (!write_pending_) flush();
  finish_if_done();
}

void tcp_connection::flush() {
  for (;;) {
    if (!write_queue_out()) return;  // waiting for writability, or failed
    update_backpressure();
    if (write_head_ == nullptr && state_ == state::closing) {
      shut(asio::error::eof);
      return;
    }
    if (!write_space_wanted_ || state_ != state::open || queued_bytes_ > options_.low_watermark) return;
    // The handler held data back while the queue was long: now it may queue more, and what it
    // queues goes out in this same flush.
    write_space_wanted_ = false;
    const bool outer_call = in_call_;
    in_call_ = true;
    handler_->on_write_space(*this);
    in_call_ = outer_call;
    if (write_head_ == nullptr) return;
  }
}

bool tcp_connection::write_queue_out() {
  while (write_head_ != nullptr && state_ != state::closed) {
    iovec vectors[max_gather];
    std::size_t count = 0;
    std::size_t offered = 0;
    for (write_node* node = write_head_; node != nullptr && count < max_gather; node = node->next) {
      vectors[count].iov_base = node->data.data();
      vectors[count].iov_len = node->data.size();
      offered += node->data.size();
      ++count;
    }
    ssize_t n;
    ++home_.counters.write_calls;
    if (count == 1) {
      // The common case (an echo of one read): send() skips sendmsg's msghdr and iovec import.
      n = ::send(socket_.native_handle(), vectors[0].iov_base, vectors[0].iov_len, MSG_NOSIGNAL);
    } else {
      msghdr message{};
      message.msg_iov = vectors;
      message.msg_iovlen = count;
      n = ::sendmsg(socket_.native_handle(), &message, MSG_NOSIGNAL);
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        wait_writable();
        return false;
      }
      fail(std::error_code(errno, std::system_category()));
      return false;
    }
    std::size_t written = static_cast<std::size_t>(n);
    home_.counters.bytes_out += written;
    queued_bytes_ -= written;
    while (written > 0) {
      write_node* node = write_head_;
      if (written < node->data.size()) {
        node->data.trim_front(written);
        break;
      }
      written -= node->data.size();
      write_head_ = node->next;
      if (write_head_ == nullptr) write_tail_ = nullptr;
      write_node::destroy(node);
    }
    if (static_cast<std::size_t>(n) < offered) {
      wait_writable();  // the socket's send buffer is full
      return false;
    }
  }
  return state_ != state::closed;
}

void tcp_connection::wait_writable() {
  write_pending_ = true;
  socket_.async_wait(socket_type::wait_write, alloc::bind_slot(write_slot_, [this](std::error_code error) {
                       write_pending_ = false;
                       if (error) {
                         if (error != asio::error::operation_aborted) fail(error);
                       } else {
                         flush();
                       }
                       finish_if_done();
                     }));
}

void tcp_connection::update_backpressure() noexcept {
  if (paused_by_writes_ && queued_bytes_ <= options_.low_watermark) paused_by_writes_ = false;
  if (state_ != state::open || reading_paused() || !read_stopped_ || read_pending_) return;
  // Data (or an end) may have been left unread while paused, and no edge announces it again.
  read_stopped_ = false;
  read_pending_ = true;
  asio::post(socket_.get_executor(), alloc::bind_slot(read_slot_, [this] {
               read_pending_ = false;
               read_now();
             }));
}

// --- the end ----------------------------------------------------------------------------------

void tcp_connection::close() noexcept {
  if (state_ != state::open) return;
  state_ = state::closing;
  if (write_head_ == nullptr) {
    shut(asio::error::eof);
  } else if (!write_pending_ && !in_call_) {
    post_flush();
  }
  finish_if_done();
}

void tcp_connection::abort() noexcept {
  shut(asio::error::operation_aborted);
  finish_if_done();
}

void tcp_connection::fail(std::error_code error) noexcept {
  if (state_ == state::closed) return;
  ++home_.counters.errors;
  shut(error);
}

void tcp_connection::shut(std::error_code reason) noexcept {
  if (state_ == state::closed) return;
  state_ = state::closed;
  close_reason_ = reason;
  std::error_code ignored;
  socket_.close(ignored);  // pending waits complete with operation_aborted
  while (write_head_ != nullptr) {
    write_node* next = write_head_->next;
    write_node::destroy(write_head_);
    write_head_ = next;
  }
  write_tail_ = nullptr;
  queued_bytes_ = 0;
}

void tcp_connection::finish_if_done() noexcept {
  if (state_ != state::closed || in_call_ || read_pending_ || write_pending_ || flush_posted_) return;
  // Nothing of ours is outstanding: no handler can touch this object any more.
  home_.unlink(*this);
  ++home_.counters.closed;
  home_.open_count.fetch_sub(1, std::memory_order_relaxed);
  std::unique_ptr<stream_handler> handler = std::move(handler_);
  in_call_ = true;  // a call back into close/abort from on_closed must not finish twice
  if (handler) handler->on_closed(*this, close_reason_);
  handler.reset();
  delete this;
}

}  // namespace shardmq::net
