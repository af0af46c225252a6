#include "command_line.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace shardmq::cat {
namespace {

options parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"shardmq-cat"};
  argv.insert(argv.end(), args);
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

/// The message of the command_line_error that `args` throw ("" when they parse).
std::string error_of(std::initializer_list<const char*> args) {
  try {
    parse(args);
  } catch (const command_line_error& error) {
    return error.what();
  }
  return "";
}

TEST(cat_command_line, a_plain_pull_takes_its_defaults) {
  const options opts = parse({"--type", "pull", "--bind", "tcp://127.0.0.1:5555"});
  EXPECT_EQ(opts.type, net::zmtp::socket_type::pull);
  EXPECT_EQ(opts.bind, std::vector<std::string>{"tcp://127.0.0.1:5555"});
  EXPECT_TRUE(opts.connect.empty());
  EXPECT_EQ(opts.separator, '|');
  EXPECT_EQ(opts.format, print_format::text);
  EXPECT_EQ(opts.cores, 1u);
  EXPECT_FALSE(opts.count);
  EXPECT_EQ(mode_of(opts), cat_mode::receive);
}

TEST(cat_command_line, endpoints_repeat_and_values_may_follow_an_equals_sign) {
  const options opts = parse({"--type=dealer", "--connect=tcp://127.0.0.1:1", "-c", "inproc://x", "--bind",
                              "tcp://*:*", "--hwm=7", "--count=3", "--separator=,", "--multipart"});
  EXPECT_EQ(opts.connect, (std::vector<std::string>{"tcp://127.0.0.1:1", "inproc://x"}));
  EXPECT_EQ(opts.bind, std::vector<std::string>{"tcp://*:*"});
  EXPECT_EQ(opts.hwm, 7u);
  EXPECT_EQ(opts.count, 3u);
  EXPECT_EQ(opts.separator, ',');
  EXPECT_TRUE(opts.multipart);
  EXPECT_EQ(socket_options_of(opts).sndhwm, 7u);
  EXPECT_EQ(socket_options_of(opts).rcvhwm, 7u);
}

TEST(cat_command_line, the_type_is_required_and_must_be_one_cat_speaks) {
  EXPECT_NE(error_of({"--bind", "tcp://*:*"}).find("--type is required"), std::string::npos);
  EXPECT_NE(error_of({"--type", "bogus", "--bind", "tcp://*:*"}).find("unknown --type 'bogus'"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "pub", "--bind", "tcp://*:*"}).find("unknown --type 'pub'"),
            std::string::npos);
  EXPECT_EQ(parse({"--type", "ROUTER", "--bind", "tcp://*:*"}).type, net::zmtp::socket_type::router);
}

TEST(cat_command_line, a_socket_needs_an_endpoint) {
  EXPECT_NE(error_of({"--type", "push"}).find("give at least one --bind or --connect"), std::string::npos);
}

TEST(cat_command_line, numbers_are_checked) {
  EXPECT_NE(error_of({"--type", "push", "-c", "tcp://127.0.0.1:1", "--generate", "5", "--size", "big"})
                .find("--size needs a whole number, not 'big'"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "push", "-c", "tcp://127.0.0.1:1", "--generate", "5", "--size", "-3"})
                .find("--size needs a whole number"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "push", "-c", "tcp://127.0.0.1:1", "--generate", "5", "--size", "2000000000"})
                .find("is too large"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "push", "-c", "tcp://127.0.0.1:1", "--generate", "0"}).find("at least 1"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "pull", "-c", "tcp://127.0.0.1:1", "--count", "99999999999999999999999"})
                .find("too large"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "pull", "-c", "tcp://127.0.0.1:1", "--timeout", "0"}).find("at least 1"),
            std::string::npos);
  EXPECT_EQ(parse({"--type", "push", "-c", "tcp://127.0.0.1:1", "--linger", "-1"}).linger,
            std::chrono::milliseconds(-1));
  EXPECT_NE(error_of({"--type", "push", "-c", "tcp://127.0.0.1:1", "--linger", "-2"}).find("--linger"),
            std::string::npos);
}

TEST(cat_command_line, an_option_without_its_value_or_an_unknown_one_is_an_error) {
  EXPECT_NE(error_of({"--type"}).find("--type needs a value"), std::string::npos);
  EXPECT_NE(error_of({"--type", "pull", "-c", "tcp://127.0.0.1:1", "--frobnicate"}).find("unknown option"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "pull", "tcp://127.0.0.1:1"}).find("unexpected argument"), std::string::npos);
  EXPECT_NE(error_of({"--type", "pull", "-c", "tcp://127.0.0.1:1", "--echo=yes"}).find("takes no value"),
            std::string::npos);
}

TEST(cat_command_line, combinations_that_cannot_work_say_why) {
  EXPECT_NE(error_of({"--type", "push", "-c", "tcp://127.0.0.1:1", "--echo"}).find("--echo needs a socket"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "req", "-c", "tcp://127.0.0.1:1", "--echo"}).find("--echo needs a socket"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "pull", "-c", "tcp://127.0.0.1:1", "--generate", "3"}).find("cannot send"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "router", "-b", "tcp://*:*", "--generate", "3"}).find("whom to send to"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "dealer", "-b", "tcp://*:*", "--generate", "3", "--echo"}).find("--generate"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "push", "-c", "tcp://127.0.0.1:1", "--size", "10"}).find("only applies"),
            std::string::npos);
  EXPECT_NE(
      error_of({"--type", "push", "-c", "tcp://127.0.0.1:1", "--count", "1"}).find("push receives none"),
      std::string::npos);
  EXPECT_NE(
      error_of({"--type", "pull", "-c", "tcp://127.0.0.1:1", "--routing-id", "me"}).find("--routing-id"),
      std::string::npos);
}

TEST(cat_command_line, a_routing_id_is_text_or_hex) {
  EXPECT_EQ(parse({"--type", "dealer", "-c", "tcp://127.0.0.1:1", "--routing-id", "me"}).routing_id, "me");
  EXPECT_EQ(parse({"--type", "dealer", "-c", "tcp://127.0.0.1:1", "--routing-id", "0x4142"}).routing_id,
            "AB");
  EXPECT_NE(
      error_of({"--type", "dealer", "-c", "tcp://127.0.0.1:1", "--routing-id", "0x414"}).find("--routing-id"),
      std::string::npos);
  EXPECT_NE(
      error_of({"--type", "dealer", "-c", "tcp://127.0.0.1:1", "--routing-id", "0x0041"}).find("zero byte"),
      std::string::npos);
}

TEST(cat_command_line, the_separator_is_one_character) {
  EXPECT_EQ(parse({"--type", "pull", "-c", "tcp://127.0.0.1:1", "--separator", "\\t"}).separator, '\t');
  EXPECT_NE(
      error_of({"--type", "pull", "-c", "tcp://127.0.0.1:1", "--separator", "ab"}).find("one character"),
      std::string::npos);
}

TEST(cat_command_line, spread_takes_a_policy_for_accepted_connections) {
  const options opts = parse({"--type", "pull", "-b", "tcp://*:*", "--cores", "2", "--spread", "rr"});
  ASSERT_TRUE(opts.spread.has_value());
  EXPECT_EQ(*opts.spread, net::balance_policy::round_robin);
  EXPECT_EQ(socket_options_of(opts).spread, net::balance_policy::round_robin);
  EXPECT_FALSE(parse({"--type", "pull", "-b", "tcp://*:*"}).spread.has_value());
  EXPECT_NE(error_of({"--type", "pull", "-b", "tcp://*:*", "--spread", "reuseport"}).find("--spread"),
            std::string::npos);
  EXPECT_NE(error_of({"--type", "pull", "-b", "tcp://*:*", "--spread", "sideways"}).find("--spread"),
            std::string::npos);
}

TEST(cat_command_line, help_is_enough_on_its_own) {
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_TRUE(parse({"-h", "--type", "pull"}).help);
  const std::string text = usage_text("shardmq-cat");
  for (const char* flag : {"--type", "--bind", "--connect", "--multipart", "--separator", "--generate",
                           "--size", "--format", "--count", "--echo", "--cores", "--spread", "--stats",
                           "--hwm", "--routing-id", "--linger", "--timeout", "--help"}) {
    EXPECT_NE(text.find(flag), std::string::npos) << flag;
  }
}

TEST(cat_command_line, the_mode_follows_the_type_and_echo) {
  auto mode = [](std::initializer_list<const char*> args) { return mode_of(parse(args)); };
  EXPECT_EQ(mode({"-t", "push", "-c", "tcp://127.0.0.1:1"}), cat_mode::send);
  EXPECT_EQ(mode({"-t", "pull", "-c", "tcp://127.0.0.1:1"}), cat_mode::receive);
  EXPECT_EQ(mode({"-t", "pair", "-c", "tcp://127.0.0.1:1"}), cat_mode::send_and_receive);
  EXPECT_EQ(mode({"-t", "dealer", "-c", "tcp://127.0.0.1:1"}), cat_mode::send_and_receive);
  EXPECT_EQ(mode({"-t", "router", "-b", "tcp://*:*"}), cat_mode::send_and_receive);
  EXPECT_EQ(mode({"-t", "req", "-c", "tcp://127.0.0.1:1"}), cat_mode::request);
  EXPECT_EQ(mode({"-t", "rep", "-b", "tcp://*:*"}), cat_mode::reply);
  EXPECT_EQ(mode({"-t", "rep", "-b", "tcp://*:*", "--echo"}), cat_mode::echo);
  EXPECT_EQ(mode({"-t", "router", "-b", "tcp://*:*", "--echo"}), cat_mode::echo);
  EXPECT_TRUE(uses_input(cat_mode::reply));
  EXPECT_FALSE(uses_input(cat_mode::echo));
  EXPECT_FALSE(receives(cat_mode::send));
}

}  // namespace
}  // namespace shardmq::cat
