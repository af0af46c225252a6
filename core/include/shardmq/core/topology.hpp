#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

struct hwloc_topology;

namespace shardmq {

/// One processing unit a reactor can run on.
struct cpu_slot {
  unsigned pu = 0;         ///< OS index of the PU (what taskset and /proc call a CPU)
  unsigned core = 0;       ///< logical index of its physical core
  unsigned numa_node = 0;  ///< OS index of its NUMA node
};

/// The PUs, physical cores and NUMA nodes this process may use, as hwloc sees them through the
/// process affinity mask.
class topology {
 public:
  /// Loads the machine topology. Throws std::runtime_error if hwloc cannot.
  static topology discover();

  /// Allowed PUs, physical cores first (one PU of each core, then SMT siblings).
  const std::vector<cpu_slot>& pus() const noexcept { return pus_; }
  unsigned physical_cores() const noexcept { return physical_cores_; }
  unsigned numa_nodes() const noexcept { return numa_nodes_; }

  /// The PUs for `cores` reactors: default one per physical core; more than the physical cores
  /// uses SMT siblings. Throws std::invalid_argument when more are asked than the mask allows.
  std::vector<cpu_slot> choose(std::optional<unsigned> cores) const;

  /// Binds the calling thread to `slot`'s PU. Returns false (with a reason) if the OS refuses.
  bool pin_this_thread(const cpu_slot& slot, std::string* reason = nullptr) const;

  /// e.g. "2 PUs on 2 cores, 1 NUMA node".
  std::string describe() const;

 private:
  std::shared_ptr<hwloc_topology> handle_;
  std::vector<cpu_slot> pus_;
  unsigned physical_cores_ = 0;
  unsigned numa_nodes_ = 0;
};

}  // namespace shardmq
