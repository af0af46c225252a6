// hwloc discovery, core selection and pinning.

#include "engine_fixture.hpp"

#include <sched.h>

namespace shardmq {
namespace {

TEST(topology, sees_the_pus_of_the_affinity_mask) {
  const topology machine = topology::discover();
  cpu_set_t mask;
  ASSERT_EQ(sched_getaffinity(0, sizeof mask, &mask), 0);
  EXPECT_EQ(machine.pus().size(), static_cast<std::size_t>(CPU_COUNT(&mask)));
  for (const cpu_slot& slot : machine.pus()) EXPECT_TRUE(CPU_ISSET(slot.pu, &mask));
  EXPECT_GE(machine.physical_cores(), 1u);
  EXPECT_GE(machine.numa_nodes(), 1u);
}

TEST(topology, defaults_to_one_reactor_per_physical_core) {
  const topology machine = topology::discover();
  const auto chosen = machine.choose(std::nullopt);
  EXPECT_EQ(chosen.size(), machine.physical_cores());
  for (std::size_t i = 0; i < chosen.size(); ++i) EXPECT_EQ(chosen[i].core, i);  // distinct cores
}

TEST(topology, asking_for_more_cores_than_allowed_is_a_clear_error) {
  const topology machine = topology::discover();
  const unsigned too_many = static_cast<unsigned>(machine.pus().size()) + 1;
  try {
    engine e(testing::test_config(too_many));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("cores requested"), std::string::npos) << error.what();
  }
  EXPECT_THROW(engine(testing::test_config(0)), std::invalid_argument);
}

TEST(topology, reactors_run_pinned_to_their_pu_and_report_it) {
  {
    // Some containers refuse affinity changes; the engine then runs unpinned (tested below).
    cpu_set_t mask;
    ASSERT_EQ(sched_getaffinity(0, sizeof mask, &mask), 0);
    if (sched_setaffinity(0, sizeof mask, &mask) != 0) GTEST_SKIP() << "this machine refuses pinning";
  }
  engine e;  // default: one per physical core
  e.start();
  for (unsigned core = 0; core < e.core_count(); ++core) {
    const auto [cpu, pinned] = testing::run_on(e, core, [] {
      return std::pair{sched_getcpu(), this_reactor().snapshot_stats().pinned};
    });
    EXPECT_TRUE(pinned);
    EXPECT_EQ(static_cast<unsigned>(cpu), e.placement()[core].pu);
  }
  e.stop();
}

TEST(topology, unpinned_reactors_say_so_in_stats) {
  engine_config config;
  config.pin = false;
  engine e(config);
  e.start();
  EXPECT_FALSE(testing::run_on(e, 0, [] { return this_reactor().snapshot_stats().pinned; }));
  e.stop();
}

}  // namespace
}  // namespace shardmq
