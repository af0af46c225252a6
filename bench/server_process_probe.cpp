#include "server_process_probe.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace shardmq::bench {

namespace {

std::filesystem::path proc_dir(pid_t pid) { return std::filesystem::path("/proc") / std::to_string(pid); }

}  // namespace

std::optional<std::uint64_t> server_cpu_ns(pid_t pid) {
  std::error_code error;
  std::filesystem::directory_iterator tasks(proc_dir(pid) / "task", error);
  if (error) return std::nullopt;
  std::uint64_t total = 0;
  // A server has a handful of threads; the bound only guards against a runaway listing.
  std::size_t seen = 0;
  for (const auto& task : tasks) {
    if (++seen > 100000) break;
    std::ifstream in(task.path() / "schedstat");
    std::uint64_t on_cpu = 0;
    if (in >> on_cpu) total += on_cpu;  // a thread that just exited only loses its last slice
  }
  if (seen == 0) return std::nullopt;
  return total;
}

std::optional<std::uint64_t> server_resident_bytes(pid_t pid) {
  std::ifstream in(proc_dir(pid) / "status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      std::uint64_t kib = 0;
      if (in >> kib) return kib * 1024;
      return std::nullopt;
    }
    in.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

std::optional<std::uint64_t> server_open_descriptors(pid_t pid) {
  std::error_code error;
  std::filesystem::directory_iterator fds(proc_dir(pid) / "fd", error);
  if (error) return std::nullopt;
  std::uint64_t count = 0;
  for (auto it = fds; it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (error) return std::nullopt;
    ++count;
  }
  return count;
}

}  // namespace shardmq::bench
