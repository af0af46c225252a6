#pragma once
// The request head of one connection, parsed with http_parser as bytes arrive in any split. Pure:
// no I/O, so the 400 and 431 decisions are tested byte by byte.

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace shardmq::net::detail {

/// Reads one request head (request line and headers) and stops there: the endpoint answers
/// without a body, then closes.
class http_request_reader {
 public:
  enum class state { reading, complete, malformed, head_too_large };

  explicit http_request_reader(std::size_t max_head);
  http_request_reader(const http_request_reader&) = delete;
  http_request_reader& operator=(const http_request_reader&) = delete;

  /// Takes the next bytes; returns the state after them. Once not `reading`, further bytes are
  /// ignored.
  state feed(std::string_view bytes);
  state current() const noexcept { return state_; }

  /// After `complete`: the method ("GET") and the URL's path, without the query.
  std::string_view method() const noexcept { return method_; }
  std::string_view path() const noexcept { return path_; }
  /// After `malformed`: what http_parser (or the URL check) objected to.
  std::string_view error() const noexcept { return error_; }

 private:
  static const http_parser_settings& settings() noexcept;
  static int on_url(http_parser* parser, const char* at, std::size_t length);
  static int on_headers_complete(http_parser* parser);
  void finish_head();

  http_parser parser_;
  const std::size_t max_head_;
  std::size_t head_bytes_ = 0;
  std::string url_;
  std::string_view method_;
  std::string path_;
  std::string error_;
  bool head_done_ = false;
  state state_ = state::reading;
};

}  // namespace shardmq::net::detail
