// Sources: what they may write, when they may be added, and that each runs on its own core.

#include "core/engine_fixture.hpp"

#include <shardmq/net/metrics_format.hpp>
#include <shardmq/net/metrics_registry.hpp>

#include <nlohmann/json.hpp>

namespace shardmq::testing {
namespace {

TEST(metrics_registry, starts_with_the_builtin_groups_or_none) {
  EXPECT_EQ(net::metrics_registry().groups(),
            (std::vector<std::string>{"reactor", "pool", "buffers", "timers"}));
  EXPECT_TRUE(net::metrics_registry(net::builtin_sources::no).groups().empty());
}

TEST(metrics_registry, rejects_bad_or_taken_group_names_and_sources_after_sealing) {
  net::metrics_registry registry;
  auto nothing = [](net::metrics_writer&) {};
  EXPECT_THROW(registry.add_source("reactor", nothing), std::invalid_argument);
  EXPECT_THROW(registry.add_source("core", nothing), std::invalid_argument);
  EXPECT_THROW(registry.add_source("no-dashes", nothing), std::invalid_argument);
  EXPECT_THROW(registry.add_source("9lives", nothing), std::invalid_argument);
  EXPECT_THROW(registry.add_source("empty", nullptr), std::invalid_argument);
  registry.add_source("tcp", nothing);
  registry.seal();
  EXPECT_THROW(registry.add_source("timers", nothing), std::logic_error);
}

TEST(metrics_registry, collect_here_needs_a_reactor) {
  net::metrics_registry registry;
  EXPECT_THROW(registry.collect_here(), std::logic_error);
}

TEST(metrics_registry, each_source_runs_on_the_core_it_describes) {
  SHARDMQ_REQUIRE_CORES(2);
  net::metrics_registry registry(net::builtin_sources::no);
  registry.add_source("probe", [](net::metrics_writer& out) {
    out.gauge("running_on", "The core that ran this source.", this_core(), {}, net::metric_total::none);
    out.counter("sockets", "Per-socket counter with a label.", 7, {{"socket", "pub \"a\""}});
  });
  engine e(test_config(2));
  e.start();
  for (unsigned core = 0; core < 2; ++core) {
    const net::core_metrics metrics = run_on(e, core, [&] { return registry.collect_here(); });
    EXPECT_EQ(metrics.core, core);
    ASSERT_EQ(metrics.samples.size(), 2u);
    EXPECT_EQ(std::get<std::uint64_t>(metrics.samples[0].value), core);
    EXPECT_EQ(metrics.samples[1].group, "probe");
  }
  e.stop();
}

TEST(metrics_registry, the_writer_rejects_bad_metric_and_label_names) {
  net::core_metrics into;
  net::metrics_writer out(into, "tcp");
  EXPECT_THROW(out.counter("bytes-in", "", 1), std::invalid_argument);
  EXPECT_THROW(out.counter("", "", 1), std::invalid_argument);
  EXPECT_THROW(out.gauge("open", "", 1, {{"core", "3"}}), std::invalid_argument);  // the endpoint's label
  EXPECT_THROW(out.gauge("open", "", 1, {{"bad label", "x"}}), std::invalid_argument);
  out.gauge("open", "Open connections.", -2, {{"listener", "0"}});
  ASSERT_EQ(into.samples.size(), 1u);
  EXPECT_EQ(std::get<std::int64_t>(into.samples[0].value), -2);
  EXPECT_EQ(net::prometheus_name(into.samples[0]), "shardmq_tcp_open");
}

TEST(metrics_registry, builtin_sources_report_this_cores_pools) {
  engine e(test_config(1));
  e.start();
  net::metrics_registry registry;
  const net::core_metrics metrics = run_on(e, 0, [&] {
    // While sampling: one 8 KiB buffer in use and one 100-byte block (class 112) from the pool.
    alloc::slice buffer = this_reactor().buffers().acquire(100);
    void* block = this_reactor().item_pool().allocate(100);
    net::core_metrics sampled = registry.collect_here();
    alloc::core_pool::deallocate(block);
    return sampled;
  });
  e.stop();
  const nlohmann::json stats = nlohmann::json::parse(net::format_stats_json({metrics}));
  const nlohmann::json& core = stats["cores"][0];
  EXPECT_EQ(core["buffers"]["in_use"][0]["class"], "8192");
  EXPECT_EQ(core["buffers"]["in_use"][0]["value"], 1u);
  EXPECT_GT(core["pool"]["bytes_mapped"].get<std::uint64_t>(), 0u);
  EXPECT_GE(core["pool"]["live_objects"].get<std::uint64_t>(), 1u);
  bool found = false;
  for (const nlohmann::json& live : core["pool"]["live"])
    found |= live["class"] == "112" && live["value"] >= 1;
  EXPECT_TRUE(found) << core["pool"].dump();
}

}  // namespace
}  // namespace shardmq::testing
