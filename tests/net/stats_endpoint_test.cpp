// GET /stats and GET /metrics over real loopback sockets, and the error answers.

#include "endpoint_fixture.hpp"

#include <regex>
#include <set>
#include <sstream>

namespace shardmq::testing {
namespace {

void expect_one_entry_per_core_with_every_group(unsigned cores) {
  running_endpoint server(cores);
  const nlohmann::json stats = server.stats();
  ASSERT_EQ(stats["cores"].size(), cores);
  for (unsigned core = 0; core < cores; ++core) {
    const nlohmann::json& entry = stats["cores"][core];
    EXPECT_EQ(entry["core"], core);
    for (const char* group : {"reactor", "pool", "buffers", "timers"}) {
      EXPECT_TRUE(entry.contains(group) && entry[group].is_object()) << "core " << core << " lacks " << group;
    }
    EXPECT_TRUE(entry["reactor"]["turns"].is_number_unsigned());
    EXPECT_EQ(entry["reactor"]["turns_by_work"].size(), reactor_stats::histogram_buckets);
    EXPECT_EQ(entry["buffers"]["acquires"].size(), 3u);  // one per buffer class
    EXPECT_EQ(entry.contains("http"), core == 0) << "the endpoint's own group is on its home core only";
  }
  // Totals: summed counters, maxed peaks, and no placement facts.
  const nlohmann::json& totals = stats["totals"];
  std::uint64_t turns = 0;
  for (const nlohmann::json& entry : stats["cores"]) turns += entry["reactor"]["turns"].get<std::uint64_t>();
  EXPECT_EQ(totals["reactor"]["turns"], turns);
  EXPECT_FALSE(totals["reactor"].contains("pu"));
  EXPECT_TRUE(totals["reactor"].contains("overflow_peak"));
  EXPECT_EQ(totals["http"]["gatherings"], 1u);
}

TEST(stats_endpoint, stats_json_has_one_entry_per_core_with_every_group_on_one_core) {
  expect_one_entry_per_core_with_every_group(1);
}

TEST(stats_endpoint, stats_json_has_one_entry_per_core_with_every_group_on_two_cores) {
  SHARDMQ_REQUIRE_CORES(2);
  expect_one_entry_per_core_with_every_group(2);
}

TEST(stats_endpoint, counters_move_between_two_requests_when_work_happens) {
  const unsigned cores = allowed_pus() >= 2 ? 2 : 1;
  running_endpoint server(cores);
  const nlohmann::json before = server.stats();
  constexpr unsigned calls = 100;
  for (unsigned core = 0; core < cores; ++core) {
    for (unsigned i = 0; i < calls; ++i) run_on(server.e, core, [] {});
  }
  const nlohmann::json after = server.stats();
  for (unsigned core = 0; core < cores; ++core) {
    const auto in_before = before["cores"][core]["reactor"]["outside_in"].get<std::uint64_t>();
    const auto in_after = after["cores"][core]["reactor"]["outside_in"].get<std::uint64_t>();
    EXPECT_GE(in_after - in_before, calls) << "core " << core;
    EXPECT_GT(after["cores"][core]["reactor"]["turns"].get<std::uint64_t>(),
              before["cores"][core]["reactor"]["turns"].get<std::uint64_t>());
  }
  EXPECT_GE(after["totals"]["reactor"]["outside_in"].get<std::uint64_t>() -
                before["totals"]["reactor"]["outside_in"].get<std::uint64_t>(),
            calls * cores);
  EXPECT_EQ(after["cores"][0]["http"]["gatherings"], 2u);
}

TEST(stats_endpoint, metrics_follow_the_prometheus_text_format) {
  const unsigned cores = allowed_pus() >= 2 ? 2 : 1;
  running_endpoint server(cores);
  http_reply reply = http_get(server.address(), "/metrics");
  ASSERT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.headers["content-type"].starts_with("text/plain; version=0.0.4"))
      << reply.headers["content-type"];
  EXPECT_EQ(reply.headers["connection"], "close");
  ASSERT_FALSE(reply.body.empty());
  EXPECT_EQ(reply.body.back(), '\n');

  const std::string name = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  const std::regex help("# HELP (" + name + ") .*");
  const std::regex type("# TYPE (" + name + ") (counter|gauge|histogram|summary|untyped)");
  const std::string label = R"([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")";
  const std::regex sample("(" + name + R"()\{()" + label + "(?:," + label +
                          R"()*)\} (-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|NaN|[+-]Inf))");
  const std::regex core_label(R"re(^core="([0-9]+)")re");

  std::set<std::string> helped, typed;
  std::set<unsigned> cores_seen;
  std::string family;  // the last TYPE: every sample belongs to it
  std::istringstream lines(reply.body);
  std::size_t samples = 0;
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "HELP twice: " << line;
    } else if (std::regex_match(line, m, type)) {
      EXPECT_TRUE(typed.insert(m[1]).second) << "TYPE twice: " << line;
      EXPECT_TRUE(helped.count(m[1])) << "TYPE before HELP: " << line;
      family = m[1];
      EXPECT_EQ(m[2] == "counter", family.ends_with("_total")) << line;
    } else if (std::regex_match(line, m, sample)) {
      ++samples;
      EXPECT_EQ(m[1], family) << "sample outside its family: " << line;
      const std::string labels = m[2];
      std::smatch c;
      ASSERT_TRUE(std::regex_search(labels, c, core_label)) << "no core label first: " << line;
      cores_seen.insert(static_cast<unsigned>(std::stoul(c[1])));
    } else {
      ADD_FAILURE() << "not exposition format: '" << line << "'";
    }
  }
  EXPECT_GT(samples, 50u);
  EXPECT_EQ(helped, typed);
  EXPECT_EQ(cores_seen.size(), cores);
  for (const char* family_name : {"shardmq_reactor_turns_total", "shardmq_pool_bytes_mapped",
                                  "shardmq_buffers_acquires_total", "shardmq_http_connections_open"}) {
    EXPECT_TRUE(typed.count(family_name)) << family_name;
  }
  EXPECT_NE(reply.body.find("shardmq_reactor_turns_by_work_total{core=\"0\",work=\"2-3\"} "),
            std::string::npos);
}

TEST(stats_endpoint, unknown_path_is_404_and_the_connection_is_closed) {
  running_endpoint server(1);
  http_reply reply = http_get(server.address(), "/nothing-here");
  EXPECT_EQ(reply.status, 404);
  EXPECT_TRUE(reply.closed);
  EXPECT_EQ(reply.headers["connection"], "close");
  EXPECT_EQ(reply.headers["content-length"], std::to_string(reply.body.size()));
  // A query string does not change the path.
  EXPECT_EQ(http_get(server.address(), "/stats?pretty=1").status, 200);
}

TEST(stats_endpoint, other_methods_are_405) {
  running_endpoint server(1);
  http_reply reply =
      send_request(server.address(), "POST /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.headers["allow"], "GET");
  EXPECT_TRUE(reply.closed);
}

TEST(stats_endpoint, garbage_bytes_are_400_and_the_server_keeps_serving) {
  running_endpoint server(1);
  http_reply garbage =
      send_request(server.address(), std::string("\x16\x03\x01\x02\x00\x01\x00\xff\r\n\r\n", 12));
  EXPECT_EQ(garbage.status, 400);
  EXPECT_TRUE(garbage.closed);
  EXPECT_EQ(http_get(server.address(), "/stats").status, 200);
}

TEST(stats_endpoint, malformed_request_lines_are_400) {
  running_endpoint server(1);
  for (const char* request : {"GET /stats HTTP/1.1 extra\r\n\r\n", "GET\r\n\r\n", "GET /stats HTTP/9\r\n\r\n",
                              "GET /stats HTTP/1.1\r\nno colon here\r\n\r\n"}) {
    http_reply reply = send_request(server.address(), request);
    EXPECT_EQ(reply.status, 400) << request;
    EXPECT_TRUE(reply.closed) << request;
  }
  EXPECT_EQ(server.endpoint->counters().client_errors, 4u);
}

TEST(stats_endpoint, an_oversized_head_is_431) {
  running_endpoint server(1);
  const std::string request = "GET /stats HTTP/1.1\r\nX-Padding: " + std::string(10'000, 'a') + "\r\n\r\n";
  http_reply reply = send_request(server.address(), request);
  EXPECT_EQ(reply.status, 431);
  EXPECT_TRUE(reply.closed);
  // Just under the limit is fine.
  const std::string fits = "GET /stats HTTP/1.1\r\nX-Padding: " + std::string(8000, 'a') + "\r\n\r\n";
  EXPECT_EQ(send_request(server.address(), fits).status, 200);
}

TEST(stats_endpoint, a_throwing_source_is_a_500_naming_the_problem) {
  running_endpoint server(1, {}, [](net::metrics_registry& registry) {
    registry.add_source("broken", [](net::metrics_writer& out) { out.counter("bad-name", "dash", 1); });
  });
  http_reply reply = http_get(server.address(), "/stats");
  EXPECT_EQ(reply.status, 500);
  EXPECT_NE(reply.body.find("bad-name"), std::string::npos) << reply.body;
  EXPECT_EQ(server.endpoint->counters().server_errors, 1u);
}

}  // namespace
}  // namespace shardmq::testing
