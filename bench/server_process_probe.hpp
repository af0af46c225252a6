#pragma once
// What the load client reads about the server process from /proc: CPU time, resident memory and
// open descriptors. Read from outside, so the server needs no cooperation and ours and the
// baseline are measured the same way.

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace shardmq::bench {

/// Nanoseconds on CPU summed over the threads of `pid` (first field of
/// /proc/<pid>/task/<tid>/schedstat). Empty when the process is gone or unreadable.
std::optional<std::uint64_t> server_cpu_ns(pid_t pid);

/// VmRSS of /proc/<pid>/status, in bytes.
std::optional<std::uint64_t> server_resident_bytes(pid_t pid);

/// Entries of /proc/<pid>/fd.
std::optional<std::uint64_t> server_open_descriptors(pid_t pid);

}  // namespace shardmq::bench
