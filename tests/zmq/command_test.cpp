// Commands against the byte dumps of zmtp.md: READY with Socket-Type and Identity, ERROR,
// PING/PONG, SUBSCRIBE/CANCEL; property rules; the socket-type compatibility table.

#include <gtest/gtest.h>
#include <shardmq/net/zmtp/command.hpp>

#include "byte_dump.hpp"

#include <array>

namespace shardmq::net::zmtp {
namespace {

using testing::bytes_of;
using testing::from_hex;
using testing::to_hex;

// A command frame from a dump, its body (after the 2-byte short header) parsed.
command parsed(const std::vector<std::byte>& frame_bytes) {
  command out;
  EXPECT_FALSE(parse_command(std::span(frame_bytes).subspan(2), out));
  return out;
}

std::string written(std::size_t (*write)(std::span<std::byte>, std::span<const std::byte>),
                    std::span<const std::byte> arg) {
  std::array<std::byte, 512> out{};
  return to_hex(std::span(out).first(write(out, arg)));
}

const auto dealer_ready = from_hex(
    "04 29 05 52 45 41 44 59 0B 53 6F 63 6B 65 74 2D 54 79 70 65 00 00 00 06 44 45 41 4C 45 52"
    "08 49 64 65 6E 74 69 74 79 00 00 00 00");
const auto sub_ready =
    from_hex("04 19 05 52 45 41 44 59 0B 53 6F 63 6B 65 74 2D 54 79 70 65 00 00 00 03 53 55 42");

TEST(command, ready_of_a_dealer_is_the_43_bytes_of_zmtp_md) {
  std::array<std::byte, 512> out{};
  const std::size_t size = write_ready(out, socket_type::dealer);
  EXPECT_EQ(size, ready_frame_size(socket_type::dealer, {}));
  EXPECT_EQ(to_hex(std::span(out).first(size)), to_hex(dealer_ready));
}

TEST(command, ready_of_a_sub_has_no_identity) {
  std::array<std::byte, 512> out{};
  EXPECT_EQ(to_hex(std::span(out).first(write_ready(out, socket_type::sub, bytes_of("ignored")))),
            to_hex(sub_ready));
}

TEST(command, ready_parses_socket_type_and_identity) {
  const command ready = parsed(dealer_ready);
  EXPECT_EQ(ready.name, command_name::ready);
  ready_metadata meta;
  ASSERT_FALSE(parse_ready(ready.data, meta));
  EXPECT_TRUE(meta.has_socket_type);
  EXPECT_EQ(meta.socket_type, "DEALER");
  EXPECT_TRUE(meta.has_identity);
  EXPECT_TRUE(meta.identity.empty());

  std::array<std::byte, 512> out{};
  const std::size_t size = write_ready(out, socket_type::router, bytes_of("peer-7"));
  const std::vector<std::byte> router_ready(out.begin(), out.begin() + size);  // the command views it
  ASSERT_FALSE(parse_ready(parsed(router_ready).data, meta));
  EXPECT_EQ(meta.socket_type, "ROUTER");
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(meta.identity.data()), meta.identity.size()),
            "peer-7");
}

TEST(command, ready_property_names_match_ignoring_case_and_unknown_ones_are_skipped) {
  const auto data = from_hex(
      "05 58 2D 41 70 70 00 00 00 02 68 69"                          // X-App = "hi"
      "0B 73 6F 63 6B 65 74 2D 74 79 70 65 00 00 00 04 50 55 53 48"  // socket-type = PUSH
      "08 49 44 45 4E 54 49 54 59 00 00 00 01 41");                  // IDENTITY = "A"
  ready_metadata meta;
  ASSERT_FALSE(parse_ready(data, meta));
  EXPECT_EQ(meta.socket_type, "PUSH");
  EXPECT_EQ(meta.identity.size(), 1u);
}

TEST(command, ready_property_length_rules_are_enforced) {
  ready_metadata meta;
  EXPECT_EQ(parse_ready(from_hex("00 00 00 00 00"), meta).code, errc::malformed_command) << "empty name";
  EXPECT_EQ(parse_ready(from_hex("08 49 64 65 6E"), meta).code, errc::malformed_command)
      << "name past the end";
  EXPECT_EQ(parse_ready(from_hex("01 41 00 00 00 05 41"), meta).code, errc::malformed_command)
      << "value past end";
  EXPECT_EQ(parse_ready(from_hex("08 49 64 65 6E 74 69 74 79 00 00 00 01 00"), meta).code,
            errc::malformed_command)
      << "identity starting with 0";
  std::vector<std::byte> long_identity = from_hex("08 49 64 65 6E 74 69 74 79 00 00 01 00");
  long_identity.resize(long_identity.size() + 256, std::byte{'i'});
  EXPECT_EQ(parse_ready(long_identity, meta).code, errc::malformed_command) << "identity of 256 bytes";
  EXPECT_FALSE(parse_ready({}, meta)) << "no properties at all is fine";
}

TEST(command, socket_types_pair_as_rfc_23_lists) {
  using enum socket_type;
  EXPECT_TRUE(compatible(req, rep));
  EXPECT_TRUE(compatible(req, router));
  EXPECT_FALSE(compatible(req, req));
  EXPECT_TRUE(compatible(rep, dealer));
  EXPECT_TRUE(compatible(dealer, dealer));
  EXPECT_TRUE(compatible(router, router));
  EXPECT_FALSE(compatible(router, rep));
  EXPECT_TRUE(compatible(xpub, sub));
  EXPECT_TRUE(compatible(xsub, pub));
  EXPECT_FALSE(compatible(pub, pub));
  EXPECT_TRUE(compatible(push, pull));
  EXPECT_FALSE(compatible(push, push));
  EXPECT_TRUE(compatible(pair, pair));
  EXPECT_FALSE(compatible(pair, dealer));
  EXPECT_EQ(parse_socket_type("dealer"), dealer);
  EXPECT_EQ(parse_socket_type("CLIENT"), std::nullopt);
  EXPECT_EQ(socket_type_name(xsub), "XSUB");
}

TEST(command, an_incompatible_or_unknown_peer_type_is_refused_and_a_missing_one_accepted) {
  ready_metadata meta;
  meta.has_socket_type = true;
  meta.socket_type = "PUSH";
  EXPECT_FALSE(check_peer_socket_type(socket_type::pull, meta));
  EXPECT_EQ(check_peer_socket_type(socket_type::push, meta).code, errc::incompatible_socket_type);
  meta.socket_type = "RADIO";
  EXPECT_EQ(check_peer_socket_type(socket_type::pull, meta).code, errc::incompatible_socket_type);
  EXPECT_FALSE(check_peer_socket_type(socket_type::pull, ready_metadata{}));
}

TEST(command, error_is_written_and_parsed_as_zmtp_md_shows) {
  const auto dump = from_hex("04 0A 05 45 52 52 4F 52 03 34 30 30");
  std::array<std::byte, 64> out{};
  EXPECT_EQ(to_hex(std::span(out).first(write_error(out, "400"))), to_hex(dump));
  const command error = parsed(dump);
  EXPECT_EQ(error.name, command_name::error);
  std::string_view reason;
  ASSERT_FALSE(parse_error(error.data, reason));
  EXPECT_EQ(reason, "400");
  EXPECT_EQ(parse_error(from_hex("05 41"), reason).code, errc::malformed_command);
}

TEST(command, ping_carries_ttl_and_context_and_pong_echoes_the_context) {
  std::array<std::byte, 64> out{};
  EXPECT_EQ(to_hex(std::span(out).first(write_ping(out, 0))), "04 07 04 50 49 4E 47 00 00");
  EXPECT_EQ(to_hex(std::span(out).first(write_ping(out, 30))), "04 07 04 50 49 4E 47 00 1E");
  const auto ping_dump = from_hex("04 09 04 50 49 4E 47 00 1E 43 58");
  const command cmd = parsed(ping_dump);
  ASSERT_EQ(cmd.name, command_name::ping);
  ping p;
  ASSERT_FALSE(parse_ping(cmd.data, p));
  EXPECT_EQ(p.ttl_deciseconds, 30);
  EXPECT_EQ(written(write_pong, p.context), "04 07 04 50 4F 4E 47 43 58");
  EXPECT_EQ(written(write_pong, {}), "04 05 04 50 4F 4E 47");
  EXPECT_EQ(parse_ping(from_hex("00"), p).code, errc::malformed_command);
}

TEST(command, pong_echoes_at_most_16_context_bytes) {
  const std::string context(20, 'c');
  std::array<std::byte, 64> out{};
  const std::size_t size = write_pong(out, bytes_of(context));
  EXPECT_EQ(size, 2u + 5 + 16);
  EXPECT_THROW(write_ping(out, 1, bytes_of(context)), std::length_error);
}

TEST(command, subscribe_and_cancel_are_the_3_1_commands_of_zmtp_md) {
  EXPECT_EQ(written(write_subscribe, bytes_of("AB")), "04 0C 09 53 55 42 53 43 52 49 42 45 41 42");
  EXPECT_EQ(written(write_cancel, bytes_of("AB")), "04 09 06 43 41 4E 43 45 4C 41 42");
  const auto subscribe = from_hex("04 0C 09 53 55 42 53 43 52 49 42 45 41 42");
  const command sub = parsed(subscribe);  // views `subscribe`
  EXPECT_EQ(to_hex(sub.data), "41 42");
  EXPECT_EQ(parsed(from_hex("04 09 06 43 41 4E 43 45 4C 41 42")).name, command_name::cancel);
}

TEST(command, a_246_byte_topic_needs_the_long_form) {
  std::array<std::byte, 512> out{};
  const std::string topic(246, 't');
  const std::size_t size = write_subscribe(out, bytes_of(topic));
  EXPECT_EQ(out[0], std::byte{0x06});
  EXPECT_EQ(size, 9u + 10 + 246);
}

TEST(command, unknown_names_parse_as_unknown_and_bad_bodies_are_malformed) {
  EXPECT_EQ(parsed(from_hex("04 06 05 48 45 4C 4C 4F")).name, command_name::unknown);  // HELLO
  EXPECT_EQ(parsed(from_hex("04 06 05 72 65 61 64 79")).name, command_name::unknown)
      << "names are case-sensitive";
  command out;
  EXPECT_EQ(parse_command({}, out).code, errc::malformed_command);
  EXPECT_EQ(parse_command(from_hex("00"), out).code, errc::malformed_command);
  EXPECT_EQ(parse_command(from_hex("05 52 45"), out).code, errc::malformed_command);
}

}  // namespace
}  // namespace shardmq::net::zmtp
