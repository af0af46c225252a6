#include "http_request_reader.hpp"

#include <algorithm>

namespace shardmq::net::detail {

http_request_reader::http_request_reader(std::size_t max_head) : max_head_(max_head) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
}

http_request_reader::state http_request_reader::feed(std::string_view bytes) {
  if (state_ != state::reading) return state_;
  // Never show the parser more than the head may take: past the limit, the answer is 431
  // whatever the bytes are.
  const std::size_t allowed = std::min(bytes.size(), max_head_ - head_bytes_);
  const std::size_t parsed = http_parser_execute(&parser_, &settings(), bytes.data(), allowed);
  head_bytes_ += parsed;
  const auto error = HTTP_PARSER_ERRNO(&parser_);
  if (head_done_) {
    finish_head();
  } else if (error == HPE_HEADER_OVERFLOW) {
    state_ = state::head_too_large;  // http_parser's own limit, if ever below ours
  } else if (error != HPE_OK) {
    error_ = http_errno_description(error);
    state_ = state::malformed;
  } else if (head_bytes_ >= max_head_) {
    state_ = state::head_too_large;
  }
  return state_;
}

const http_parser_settings& http_request_reader::settings() noexcept {
  static const http_parser_settings callbacks = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_url = &on_url;
    s.on_headers_complete = &on_headers_complete;
    return s;
  }();
  return callbacks;
}

int http_request_reader::on_url(http_parser* parser, const char* at, std::size_t length) {
  static_cast<http_request_reader*>(parser->data)->url_.append(at, length);
  return 0;
}

int http_request_reader::on_headers_complete(http_parser* parser) {
  static_cast<http_request_reader*>(parser->data)->head_done_ = true;
  // A body, if any, is not ours to read: stop the parser right after the head.
  http_parser_pause(parser, 1);
  return 0;
}

void http_request_reader::finish_head() {
  method_ = http_method_str(static_cast<http_method>(parser_.method));
  http_parser_url url;
  http_parser_url_init(&url);
  if (http_parser_parse_url(url_.data(), url_.size(), 0, &url) != 0 || !(url.field_set & (1 << UF_PATH))) {
    error_ = "invalid request target '" + url_ + "'";
    state_ = state::malformed;
    return;
  }
  path_ = url_.substr(url.field_data[UF_PATH].off, url.field_data[UF_PATH].len);
  state_ = state::complete;
}

}  // namespace shardmq::net::detail
