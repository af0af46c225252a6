#include <shardmq/core/topology.hpp>

#include <hwloc.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace shardmq {
namespace {

struct bitmap_deleter {
  void operator()(hwloc_bitmap_s* set) const noexcept { hwloc_bitmap_free(set); }
};
using bitmap = std::unique_ptr<hwloc_bitmap_s, bitmap_deleter>;

unsigned numa_node_of(hwloc_topology_t topo, hwloc_obj_t pu) {
  hwloc_obj_t node = nullptr;
  for (hwloc_obj_t ancestor = pu; ancestor && !node; ancestor = ancestor->parent) {
    if (ancestor->memory_arity > 0) node = ancestor->memory_first_child;
  }
  while (node && node->type != HWLOC_OBJ_NUMANODE) node = node->memory_first_child;
  (void)topo;
  return node ? node->os_index : 0;
}

}  // namespace

topology topology::discover() {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0) throw std::runtime_error("shardmq: hwloc_topology_init failed");
  std::shared_ptr<hwloc_topology> handle(raw, [](hwloc_topology_t t) { hwloc_topology_destroy(t); });
  if (hwloc_topology_load(raw) != 0) throw std::runtime_error("shardmq: hwloc_topology_load failed");

  // The process affinity mask (taskset, cgroups cpusets) bounds what we may use.
  bitmap allowed(hwloc_bitmap_alloc());
  if (hwloc_get_cpubind(raw, allowed.get(), HWLOC_CPUBIND_PROCESS) != 0) {
    hwloc_bitmap_copy(allowed.get(), hwloc_topology_get_allowed_cpuset(raw));
  }
  hwloc_bitmap_and(allowed.get(), allowed.get(), hwloc_topology_get_allowed_cpuset(raw));

  topology result;
  result.handle_ = handle;
  std::vector<cpu_slot> siblings;
  const int core_depth = hwloc_get_type_or_below_depth(raw, HWLOC_OBJ_CORE);
  const unsigned cores = hwloc_get_nbobjs_by_depth(raw, core_depth);
  unsigned logical_core = 0;
  for (unsigned i = 0; i < cores; ++i) {
    hwloc_obj_t core = hwloc_get_obj_by_depth(raw, core_depth, i);
    bool first = true;
    for (hwloc_obj_t pu = hwloc_get_next_obj_inside_cpuset_by_type(raw, core->cpuset, HWLOC_OBJ_PU, nullptr);
         pu != nullptr; pu = hwloc_get_next_obj_inside_cpuset_by_type(raw, core->cpuset, HWLOC_OBJ_PU, pu)) {
      if (!hwloc_bitmap_isset(allowed.get(), pu->os_index)) continue;
      cpu_slot slot{pu->os_index, logical_core, numa_node_of(raw, pu)};
      (first ? result.pus_ : siblings).push_back(slot);
      first = false;
    }
    if (!first) ++logical_core;
  }
  result.physical_cores_ = logical_core;
  result.pus_.insert(result.pus_.end(), siblings.begin(), siblings.end());
  result.numa_nodes_ = std::max(1, hwloc_get_nbobjs_by_type(raw, HWLOC_OBJ_NUMANODE));
  if (result.pus_.empty()) throw std::runtime_error("shardmq: hwloc found no usable PU in the affinity mask");
  return result;
}

std::vector<cpu_slot> topology::choose(std::optional<unsigned> cores) const {
  const unsigned wanted = cores.value_or(physical_cores_);
  if (wanted == 0) throw std::invalid_argument("shardmq: cores must be at least 1");
  if (wanted > pus_.size()) {
    throw std::invalid_argument("shardmq: " + std::to_string(wanted) + " cores requested, but the " +
                                "process affinity mask allows only " + describe());
  }
  return {pus_.begin(), pus_.begin() + wanted};
}

bool topology::pin_this_thread(const cpu_slot& slot, std::string* reason) const {
  bitmap set(hwloc_bitmap_alloc());
  hwloc_bitmap_only(set.get(), slot.pu);
  if (hwloc_set_cpubind(handle_.get(), set.get(), HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT) == 0 ||
      hwloc_set_cpubind(handle_.get(), set.get(), HWLOC_CPUBIND_THREAD) == 0) {
    return true;
  }
  if (reason) *reason = std::strerror(errno);
  return false;
}

std::string topology::describe() const {
  auto plural = [](std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  std::string pu_list;
  for (const cpu_slot& slot : pus_) pu_list += (pu_list.empty() ? "" : ",") + std::to_string(slot.pu);
  return plural(pus_.size(), "PU") + " (" + pu_list + ") on " + plural(physical_cores_, "core") + ", " +
         plural(numa_nodes_, "NUMA node");
}

}  // namespace shardmq
