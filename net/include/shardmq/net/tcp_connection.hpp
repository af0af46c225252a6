#pragma once
// One TCP connection on one core: reads into pooled buffers only when the socket is readable,
// gathers writes into one sendmsg, and stops reading while its peer does not read.

#include <shardmq/alloc/handler_slot.hpp>
#include <shardmq/alloc/slice.hpp>
#include <shardmq/core/reactor.hpp>
#include <shardmq/net/stream_handler.hpp>

#include <asio/basic_stream_socket.hpp>
#include <asio/detail/reactor.hpp>
#include <asio/detail/reactor_op.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <system_error>

namespace shardmq::net {

class tcp_stack;
namespace detail {
struct core_tcp_state;
}

/// Flow-control and buffer choices of a connection.
struct connection_options {
  /// Buffer class a read asks for (alloc::buffer_pool): one read fills at most this much.
  std::size_t read_buffer = 16 * 1024;
  /// Reads per readiness event before yielding to other connections (fairness).
  unsigned reads_per_event = 4;
  /// Reading stops while more than this many bytes wait to be written (the peer is not reading)
  /// and resumes once the queue is down to low_watermark.
  std::size_t high_watermark = 256 * 1024;
  std::size_t low_watermark = 64 * 1024;
};

/// A TCP connection owned by the core it lives on; created by tcp_listener or tcp_stack::connect,
/// destroyed after its handler's on_closed. All members are for that core's thread only.
class tcp_connection final : private turn_end_task {
 public:
  using socket_type = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;

  tcp_connection(const tcp_connection&) = delete;
  tcp_connection& operator=(const tcp_connection&) = delete;

  /// Queues `data` for writing. Writes queued while a handler call is running are gathered into
  /// one sendmsg at its end; others by a posted flush, or at the end of the reactor turn when that
  /// flush runs right behind the handler that queued them (a coroutine sending one message per
  /// handler: one sendmsg for the turn's). Ignored once closing.
  void send(alloc::slice data);
  /// Copies `bytes` into a pooled buffer and queues it.
  void send_copy(const void* bytes, std::size_t size);
  /// Stops reading, writes what is queued, then closes (on_closed gets eof).
  void close() noexcept;
  /// Closes now, dropping queued data (on_closed gets operation_aborted).
  void abort() noexcept;
  /// Application flow control (e.g. a full message pipe): no reads until resume_reading().
  void pause_reading() noexcept;
  void resume_reading() noexcept;
  /// Asks for one stream_handler::on_write_space call once the write queue is down to the low
  /// watermark (a producer that stopped queueing because queued_bytes() was high).
  void request_write_space() noexcept { write_space_wanted_ = true; }
  /// By default reading stops while more than high_watermark bytes wait to be written (a peer
  /// that sends requests but does not read the replies). A handler that bounds its own writes
  /// and must keep reading whatever it has queued (ZMTP: libzmq reads a peer regardless of what
  /// it owes it) turns that off.
  void set_write_backpressure(bool on) noexcept;
  /// The queue level above which a producer should hold back (connection_options).
  std::size_t high_watermark() const noexcept { return options_.high_watermark; }

  std::size_t queued_bytes() const noexcept { return queued_bytes_; }
  bool reading_paused() const noexcept { return paused_by_user_ || paused_by_writes_; }
  unsigned core() const noexcept { return core_; }
  const asio::ip::tcp::endpoint& remote_endpoint() const noexcept { return remote_; }
  stream_handler& handler() noexcept { return *handler_; }

 private:
  friend class tcp_stack;
  friend struct detail::core_tcp_state;
  enum class state : std::uint8_t { open, closing, closed };
  struct write_node;

  /// The wait for readability, queued on the socket's Asio reactor entry without the
  /// epoll_ctl(MOD) that socket::async_wait issues on every call (one syscall per read, measured:
  /// 1.0 epoll_ctl per recv). Safe because a wait is armed only right after a read that emptied
  /// the socket: later data raises a new edge on the edge-triggered registration. Lives in the
  /// connection (at most one is queued), so arming allocates nothing.
  struct readable_wait final : asio::detail::reactor_op {
    explicit readable_wait(tcp_connection& owner) noexcept;
    static status perform(asio::detail::reactor_op* base) noexcept;
    static void complete(void* scheduler, asio::detail::scheduler_operation* base, const asio::error_code&,
                         std::size_t) noexcept(false);
    tcp_connection& connection;
    bool arming = false;  // start_op may try the operation at once: it is never ready then
  };

  tcp_connection(detail::core_tcp_state& home, socket_type socket, const connection_options& options);
  ~tcp_connection();
  void start(std::unique_ptr<stream_handler> handler);

  void wait_readable();
  void on_readable(std::error_code error);
  void read_now();
  void wait_writable();
  void flush();
  bool write_queue_out();  // false: waiting for writability or failed
  void post_flush();
  void run_posted_flush();
  void on_turn_end() override;  // the flush, when run_posted_flush put it off to the turn's end
  void fail(std::error_code error) noexcept;
  void shut(std::error_code reason) noexcept;
  void finish_if_done() noexcept;
  void update_backpressure() noexcept;

  // Hot fields first.
  socket_type socket_;
  detail::core_tcp_state& home_;
  std::unique_ptr<stream_handler> handler_;
  write_node* write_head_ = nullptr;
  write_node* write_tail_ = nullptr;
  std::size_t queued_bytes_ = 0;
  state state_ = state::open;
  bool in_call_ = false;        // inside one of our handlers: flush and finish at its end
  bool read_pending_ = false;   // a readiness wait or a posted read is outstanding
  bool write_pending_ = false;  // a writability wait is outstanding
  bool flush_posted_ = false;   // posted, or put off to the end of the turn
  bool paused_by_user_ = false;
  bool paused_by_writes_ = false;
  bool read_stopped_ = false;  // reading stopped by a pause with no wait armed: read at resume
  bool write_space_wanted_ = false;
  bool write_backpressure_ = true;  // pause reading while the write queue is above high_watermark
  unsigned core_;
  std::error_code close_reason_;
  connection_options options_;
  asio::ip::tcp::endpoint remote_;
  // Intrusive list of the core's connections (stop hook, least-loaded counts).
  tcp_connection* prev_ = nullptr;
  tcp_connection* next_ = nullptr;
  asio::detail::reactor* io_reactor_ = nullptr;
  std::uint64_t posted_by_ = 0;  // reactor::current_handler() when the flush was posted
  readable_wait readable_wait_{*this};
  // Cold: the operations' memory (hot/cold split), one slot per direction.
  alloc::handler_slot<192> read_slot_;
  alloc::handler_slot<192> write_slot_;
};

}  // namespace shardmq::net
