#include <shardmq/net/zmtp/error.hpp>

#include <string>

namespace shardmq::net::zmtp {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "zmtp"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::none:
        return "no error";
      case errc::not_zmtp:
        return "peer is not a ZMTP 3 peer";
      case errc::unsupported_version:
        return "peer speaks a ZMTP version older than 3.0";
      case errc::mechanism_mismatch:
        return "peer uses another security mechanism";
      case errc::bad_flags:
        return "invalid frame flags";
      case errc::frame_too_large:
        return "frame larger than maxmsgsize";
      case errc::truncated:
        return "stream ended inside a greeting or frame";
      case errc::malformed_command:
        return "malformed ZMTP command";
      case errc::incompatible_socket_type:
        return "incompatible socket type";
      case errc::unexpected_frame:
        return "frame not allowed in this handshake state";
      case errc::peer_error:
        return "peer sent ERROR";
    }
    return "unknown zmtp error";
  }
};

}  // namespace

const std::error_category& zmtp_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace shardmq::net::zmtp
