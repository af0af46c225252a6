#include "http_response.hpp"

namespace shardmq::net::detail {

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string format_response(int status, std::string_view content_type, std::string_view body,
                            std::string_view extra_headers) {
  std::string response =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase(status)) + "\r\n";
  response += "Content-Type: ";
  response += content_type;
  response += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  response += "Connection: close\r\nCache-Control: no-store\r\n";
  response += extra_headers;
  response += "\r\n";
  response += body;
  return response;
}

std::string format_error_response(int status, std::string_view detail, std::string_view extra_headers) {
  std::string body = std::to_string(status) + " " + std::string(reason_phrase(status));
  if (!detail.empty()) {
    body += ": ";
    body += detail;
  }
  body += "\n";
  return format_response(status, text_content_type, body, extra_headers);
}

}  // namespace shardmq::net::detail
