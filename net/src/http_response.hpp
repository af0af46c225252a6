#pragma once
// The few responses the stats endpoint sends: a status line, four headers, a body, and always
// "Connection: close" (one request per connection keeps the server's state machine small).

#include <string>
#include <string_view>

namespace shardmq::net::detail {

inline constexpr std::string_view json_content_type = "application/json";
/// Prometheus' text format, version 0.0.4.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view text_content_type = "text/plain; charset=utf-8";

/// "Not Found" for 404, ...; "Unknown" for codes the endpoint never sends.
std::string_view reason_phrase(int status) noexcept;

/// The whole response. `extra_headers` are complete lines ("Allow: GET\r\n").
std::string format_response(int status, std::string_view content_type, std::string_view body,
                            std::string_view extra_headers = {});

/// A short text/plain response whose body is the reason phrase and `detail`, if any.
std::string format_error_response(int status, std::string_view detail = {},
                                  std::string_view extra_headers = {});

}  // namespace shardmq::net::detail
