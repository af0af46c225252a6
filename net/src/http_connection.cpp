#include "http_connection.hpp"

#include "http_response.hpp"
#include "stats_server.hpp"

#include <shardmq/net/metrics_format.hpp>

#include <asio/write.hpp>

#include <algorithm>
#include <chrono>
#include <system_error>

namespace shardmq::net::detail {
namespace {

// After the response, the client gets this long to close its side (at most: the deadline still
// holds) while we read and drop what it sent beyond the head. Closing with unread bytes would
// send a reset, which can destroy the response before the client reads it.
constexpr std::chrono::milliseconds linger_time{500};
constexpr std::size_t max_discarded_bytes = 64 * 1024;

}  // namespace

http_connection::http_connection(std::shared_ptr<stats_server> server, asio::ip::tcp::socket socket)
    : server_(std::move(server)),
      socket_(std::move(socket)),
      deadline_(server_->io_context()),
      request_(server_->limits().max_request_head) {}

http_connection::~http_connection() {
  // Destroyed without finish() only when the io_context goes away with our handlers (the engine
  // stopped first): keep the server's books straight all the same.
  if (!finished_) server_->connection_closed(*this, false);
}

void http_connection::start() {
  arm_deadline(asio::steady_timer::clock_type::now() + server_->limits().deadline);
  read_request();
}

void http_connection::arm_deadline(asio::steady_timer::time_point at) {
  // Moving the expiry cancels the earlier wait, whose handler then sees operation_aborted.
  deadline_.expires_at(at);
  deadline_.async_wait([self = shared_from_this()](const asio::error_code& error) {
    if (!error) self->finish(!self->written_);
  });
}

void http_connection::read_request() {
  socket_.async_read_some(asio::buffer(buffer_),
                          [self = shared_from_this()](const asio::error_code& error, std::size_t size) {
                            self->on_request_bytes(error, size);
                          });
}

void http_connection::on_request_bytes(const asio::error_code& error, std::size_t size) {
  if (finished_) return;
  if (error) {
    finish(false);  // the client left before finishing its request
    return;
  }
  switch (request_.feed(std::string_view(buffer_.data(), size))) {
    case http_request_reader::state::reading:
      read_request();
      break;
    case http_request_reader::state::complete:
      serve();
      break;
    case http_request_reader::state::malformed:
      respond(400, format_error_response(400, request_.error()));
      break;
    case http_request_reader::state::head_too_large:
      respond(431,
              format_error_response(431, "the request head is longer than " +
                                             std::to_string(server_->limits().max_request_head) + " bytes"));
      break;
  }
}

void http_connection::serve() {
  const std::string_view path = request_.path();
  const bool prometheus = path == "/metrics";
  if (!prometheus && path != "/stats") {
    respond(404, format_error_response(404, "try GET /stats (JSON) or GET /metrics (Prometheus)"));
    return;
  }
  if (request_.method() != "GET") {
    respond(405, format_error_response(405, "only GET", "Allow: GET\r\n"));
    return;
  }
  server_->gather([self = shared_from_this(), prometheus](std::exception_ptr error,
                                                          std::vector<core_metrics> cores) {
    if (self->finished_) return;  // timed out or stopped while the cores answered
    if (!error) {
      self->respond(200, prometheus
                             ? format_response(200, prometheus_content_type, format_prometheus_text(cores))
                             : format_response(200, json_content_type, format_stats_json(cores)));
      return;
    }
    try {
      std::rethrow_exception(error);
    } catch (const std::system_error& e) {
      if (e.code() == asio::error::operation_aborted) {
        self->respond(503, format_error_response(503, "the engine is stopping"));
      } else {
        self->respond(500, format_error_response(500, e.what()));
      }
    } catch (const std::exception& e) {
      self->respond(500, format_error_response(500, e.what()));  // a source threw: say which
    } catch (...) {
      self->respond(500, format_error_response(500, "a metrics source threw"));
    }
  });
}

void http_connection::respond(int status, std::string response) {
  response_ = std::move(response);
  asio::async_write(socket_, asio::buffer(response_),
                    [self = shared_from_this(), status](const asio::error_code& error, std::size_t) {
                      if (self->finished_) return;
                      if (error) {
                        self->finish(false);
                        return;
                      }
                      self->written_ = true;
                      self->server_->response_written(status);
                      asio::error_code ignored;
                      self->socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
                      self->arm_deadline(std::min(self->deadline_.expiry(),
                                                  asio::steady_timer::clock_type::now() + linger_time));
                      self->discard_until_eof();
                    });
}

void http_connection::discard_until_eof() {
  socket_.async_read_some(asio::buffer(buffer_),
                          [self = shared_from_this()](const asio::error_code& error, std::size_t size) {
                            if (self->finished_) return;
                            self->discarded_ += size;
                            if (error || self->discarded_ > max_discarded_bytes) {
                              self->finish(false);
                            } else {
                              self->discard_until_eof();
                            }
                          });
}

void http_connection::finish(bool timed_out) {
  if (finished_) return;
  finished_ = true;
  asio::error_code ignored;
  socket_.close(ignored);  // pending reads and writes complete with operation_aborted
  deadline_.cancel();
  server_->connection_closed(*this, timed_out);
}

}  // namespace shardmq::net::detail
