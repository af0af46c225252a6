// The JSON and Prometheus texts from hand-made snapshots: shapes, totals and escaping.

#include <gtest/gtest.h>
#include <shardmq/net/metrics_format.hpp>

#include <nlohmann/json.hpp>

namespace shardmq::net {
namespace {

std::vector<core_metrics> two_cores() {
  std::vector<core_metrics> cores(2);
  for (unsigned core = 0; core < 2; ++core) {
    cores[core].core = core;
    metrics_writer out(cores[core], "tcp");
    out.counter("bytes_in", "Bytes read.", 100 + core);
    out.gauge("pu", "Where it runs.", core + 4, {}, metric_total::none);
    out.gauge("queue_peak", "Longest queue.", 10 * (core + 1), {}, metric_total::max);
    out.gauge("load", "A ratio.", 0.25);
    out.counter("frames", "Frames by socket.", 1 + core, {{"socket", "a"}});
    out.counter("frames", "Frames by socket.", 5, {{"socket", "b"}});
  }
  return cores;
}

TEST(metrics_format, json_has_per_core_groups_and_totals) {
  const nlohmann::json stats = nlohmann::json::parse(format_stats_json(two_cores()));
  ASSERT_EQ(stats["cores"].size(), 2u);
  EXPECT_EQ(stats["cores"][1]["core"], 1);
  EXPECT_EQ(stats["cores"][1]["tcp"]["bytes_in"], 101);
  EXPECT_EQ(stats["cores"][1]["tcp"]["frames"][0], (nlohmann::json{{"socket", "a"}, {"value", 2}}));
  const nlohmann::json& totals = stats["totals"]["tcp"];
  EXPECT_EQ(totals["bytes_in"], 201);
  EXPECT_EQ(totals["queue_peak"], 20);
  EXPECT_DOUBLE_EQ(totals["load"].get<double>(), 0.5);
  EXPECT_FALSE(totals.contains("pu"));
  EXPECT_EQ(totals["frames"][0], (nlohmann::json{{"socket", "a"}, {"value", 3}}));
  EXPECT_EQ(totals["frames"][1], (nlohmann::json{{"socket", "b"}, {"value", 10}}));
}

TEST(metrics_format, json_of_no_cores_is_still_the_same_shape) {
  const nlohmann::json stats = nlohmann::json::parse(format_stats_json({}));
  EXPECT_TRUE(stats["cores"].is_array());
  EXPECT_TRUE(stats["totals"].is_object());
}

TEST(metrics_format, prometheus_groups_families_across_cores) {
  const std::string text = format_prometheus_text(two_cores());
  const std::string expected_start =
      "# HELP shardmq_tcp_bytes_in_total Bytes read.\n"
      "# TYPE shardmq_tcp_bytes_in_total counter\n"
      "shardmq_tcp_bytes_in_total{core=\"0\"} 100\n"
      "shardmq_tcp_bytes_in_total{core=\"1\"} 101\n"
      "# HELP shardmq_tcp_pu Where it runs.\n"
      "# TYPE shardmq_tcp_pu gauge\n";
  EXPECT_EQ(text.substr(0, expected_start.size()), expected_start);
  EXPECT_NE(text.find("shardmq_tcp_load{core=\"1\"} 0.25\n"), std::string::npos);
  EXPECT_NE(text.find("shardmq_tcp_frames_total{core=\"0\",socket=\"a\"} 1\n"
                      "shardmq_tcp_frames_total{core=\"0\",socket=\"b\"} 5\n"
                      "shardmq_tcp_frames_total{core=\"1\",socket=\"a\"} 2\n"),
            std::string::npos)
      << text;
}

TEST(metrics_format, prometheus_escapes_help_and_label_values) {
  std::vector<core_metrics> cores(1);
  metrics_writer out(cores[0], "zmtp");
  out.gauge("peers", "Line one\nback\\slash \"quoted\"", 1, {{"endpoint", "tcp://\"x\"\\\n"}});
  const std::string text = format_prometheus_text(cores);
  EXPECT_NE(text.find("# HELP shardmq_zmtp_peers Line one\\nback\\\\slash \"quoted\"\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("shardmq_zmtp_peers{core=\"0\",endpoint=\"tcp://\\\"x\\\"\\\\\\n\"} 1\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace shardmq::net
