#include <shardmq/net/zmtp/greeting.hpp>

#include <algorithm>
#include <cstring>

namespace shardmq::net::zmtp {
namespace {

constexpr std::size_t major_offset = 10;
constexpr std::size_t minor_offset = 11;
constexpr std::size_t mechanism_offset = 12;
constexpr std::size_t as_server_offset = 32;

void copy_mechanism(std::string_view mechanism, char* out) noexcept {
  std::memcpy(out, mechanism.data(), std::min(mechanism.size(), mechanism_field_size));
}

}  // namespace

std::array<std::byte, greeting_size> make_greeting(std::string_view mechanism, bool as_server) {
  std::array<std::byte, greeting_size> out{};
  out[0] = std::byte{0xFF};
  // libzmq writes identity length + 1 here so a ZMTP 1.0 peer reads a frame header; an empty
  // identity gives 1. Receivers must not look at it, we match libzmq byte for byte anyway.
  out[8] = std::byte{0x01};
  out[9] = std::byte{0x7F};
  out[major_offset] = std::byte{3};
  out[minor_offset] = std::byte{1};
  copy_mechanism(mechanism, reinterpret_cast<char*>(out.data() + mechanism_offset));
  out[as_server_offset] = std::byte{as_server ? std::uint8_t{1} : std::uint8_t{0}};
  return out;
}

greeting_reader::greeting_reader(std::string_view mechanism) noexcept {
  copy_mechanism(mechanism, mechanism_.data());
}

std::size_t greeting_reader::feed(std::span<const std::byte> input) noexcept {
  std::size_t taken = 0;
  while (taken < input.size() && received_ < greeting_size && !error_) {
    bytes_[received_] = input[taken++];
    check_byte(received_++);
  }
  return taken;
}

void greeting_reader::finish() noexcept {
  if (!error_ && received_ < greeting_size)
    fail(errc::truncated, "connection closed during the ZMTP greeting");
}

// Checks each byte as soon as it arrives, in libzmq's order (select_handshake_fun), so old peers
// are told apart at the earliest byte that identifies them.
void greeting_reader::check_byte(std::size_t offset) noexcept {
  const auto at = [this](std::size_t i) { return std::to_integer<std::uint8_t>(bytes_[i]); };
  switch (offset) {
    case 0:
      if (at(0) != 0xFF)
        fail(errc::not_zmtp,
             "greeting does not start with 0xFF: not ZMTP 3 (garbage or an unversioned ZMTP 1.0 peer)");
      break;
    case 9:
      if ((at(9) & 1) == 0)
        fail(errc::not_zmtp, "greeting byte 9 has bit 0 clear: an unversioned ZMTP 1.0 peer");
      break;
    case major_offset:
      peer_.major = at(major_offset);
      if (peer_.major == 0)
        fail(errc::unsupported_version, "peer speaks ZMTP 1.0; only 3.0 and later are supported");
      else if (peer_.major == 1)
        fail(errc::unsupported_version, "peer speaks ZMTP 2.0; only 3.0 and later are supported");
      else if (peer_.major == 2)
        fail(errc::unsupported_version, "peer announces ZMTP major version 2, which does not exist");
      break;
    case minor_offset:
      peer_.minor = at(minor_offset);
      break;
    case mechanism_offset + mechanism_field_size - 1:
      if (std::memcmp(bytes_.data() + mechanism_offset, mechanism_.data(), mechanism_field_size) != 0)
        fail(errc::mechanism_mismatch, "peer's security mechanism differs from ours");
      break;
    case as_server_offset:
      // Recorded, never checked: libzmq sends 0 even as a PLAIN or CURVE server.
      peer_.as_server = at(as_server_offset) != 0;
      break;
    default:
      break;  // padding and filler are not significant
  }
}

void greeting_reader::fail(errc code, std::string_view reason) noexcept { error_ = {code, reason}; }

}  // namespace shardmq::net::zmtp
