#include "allocator_baselines.hpp"

#include "optimizer_escape.hpp"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace shardmq::bench {
namespace {

using allocate_fn = void* (*)(std::size_t);
using deallocate_fn = void (*)(void*);
using mallctl_fn = int (*)(const char*, void*, std::size_t*, void*, std::size_t);

constexpr const char* static_tls_tunable = "glibc.rtld.optional_static_tls";

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("allocator isolation check failed: " + what);
}

template <class Fn>
const void* address_of(Fn fn) noexcept {
  return reinterpret_cast<const void*>(fn);
}

Dl_info object_info(const void* address, const std::string& what) {
  Dl_info info{};
  if (address == nullptr || ::dladdr(address, &info) == 0 || info.dli_fname == nullptr) {
    fail("dladdr cannot place " + what);
  }
  return info;
}

std::string file_name(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// The object both functions of `b` live in; fails unless its file name starts with `expected`
/// (or, for an empty `expected`, unless it is the executable itself).
void place_in(allocator_baseline& b, const std::string& expected) {
  const Dl_info allocate = object_info(address_of(b.allocate), b.name + " allocate");
  const Dl_info deallocate = object_info(address_of(b.deallocate), b.name + " deallocate");
  if (allocate.dli_fbase != deallocate.dli_fbase)
    fail(b.name + "'s allocate and free live in different objects");
  b.object = allocate.dli_fname;
  if (expected.empty()) {
    const Dl_info executable = object_info(address_of(&load_allocator_baselines), "the executable");
    if (allocate.dli_fbase != executable.dli_fbase)
      fail(b.name + " is not in the executable but in " + b.object);
    b.object = "the executable";
  } else if (file_name(b.object).rfind(expected, 0) != 0) {
    fail(b.name + " resolves into " + b.object + ", expected " + expected + "*");
  }
}

template <class Fn>
Fn symbol(void* handle, const char* name, const char* library) {
  void* address = ::dlsym(handle, name);
  if (address == nullptr) fail(std::string(name) + " not found in " + library);
  return reinterpret_cast<Fn>(address);
}

void* open_privately(const char* path) {
  // RTLD_LOCAL keeps the library's malloc/free out of the global scope the process resolves
  // through; RTLD_DEEPBIND makes the library's own calls bind to itself first.
  void* handle = ::dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (handle == nullptr) {
    const char* error = ::dlerror();
    throw std::runtime_error(std::string("cannot load ") + path + ": " + (error ? error : "?") +
                             (std::getenv("GLIBC_TUNABLES") ? "" : " (GLIBC_TUNABLES not set: see --help)"));
  }
  return handle;
}

std::string jemalloc_version(mallctl_fn mallctl) {
  const char* version = nullptr;
  std::size_t length = sizeof version;
  if (mallctl("version", &version, &length, nullptr, 0) != 0 || version == nullptr) return "?";
  return version;
}

/// The process's malloc, free, calloc, realloc are glibc's and operator new/delete libstdc++'s.
void check_process_malloc_is_glibc(const char* when) {
  for (const char* name : {"malloc", "free", "calloc", "realloc"}) {
    const Dl_info info = object_info(::dlsym(RTLD_DEFAULT, name), std::string("the process's ") + name);
    if (file_name(info.dli_fname).rfind("libc.so", 0) != 0) {
      fail(std::string("the process's ") + name + " " + when + " is in " + info.dli_fname + ", not glibc");
    }
  }
  for (const char* name : {"_Znwm", "_ZdlPv"}) {
    const Dl_info info = object_info(::dlsym(RTLD_DEFAULT, name), std::string("the process's ") + name);
    if (file_name(info.dli_fname).rfind("libstdc++.so", 0) != 0) {
      fail(std::string("the process's ") + name + " " + when + " is in " + info.dli_fname +
           ", not libstdc++");
    }
  }
}

/// glibc's own accounting sees what plain malloc and operator new hand out: they reach glibc.
void check_glibc_heap_serves_us() {
  constexpr std::size_t bytes = 50'000;  // below the mmap threshold: counted in uordblks
  const std::size_t before = ::mallinfo2().uordblks;
  void* from_malloc = std::malloc(bytes);
  escape(from_malloc);
  const std::size_t after_malloc = ::mallinfo2().uordblks;
  void* from_new = ::operator new(bytes);
  escape(from_new);
  const std::size_t after_new = ::mallinfo2().uordblks;
  ::operator delete(from_new);
  std::free(from_malloc);
  if (after_malloc < before + bytes) fail("glibc's mallinfo2 did not see a malloc(50000)");
  if (after_new < after_malloc + bytes) fail("glibc's mallinfo2 did not see an operator new(50000)");
}

/// Each baseline really allocates: two sizes, written and freed.
void exercise(const allocator_baseline& b) {
  for (const std::size_t size : {std::size_t{64}, std::size_t{512}, std::size_t{16384}}) {
    void* block = b.allocate(size);
    if (block == nullptr) fail(b.name + " returned null for " + std::to_string(size) + " bytes");
    std::memset(block, 0x5a, size);
    escape(block);
    b.deallocate(block);
  }
}

}  // namespace

void reserve_static_tls_for_dlopen(char** argv) {
  const char* current = std::getenv("GLIBC_TUNABLES");
  std::string tunables = current ? current : "";
  if (tunables.find(static_tls_tunable) != std::string::npos) return;
  tunables += (tunables.empty() ? "" : ":") + std::string(static_tls_tunable) + "=16384";
  ::setenv("GLIBC_TUNABLES", tunables.c_str(), 1);
  ::execv("/proc/self/exe", argv);
  std::fprintf(stderr, "shardmq-bench-alloc: cannot re-execute itself (%s); jemalloc may not load\n",
               std::strerror(errno));
}

allocator_baselines load_allocator_baselines() {
  check_process_malloc_is_glibc("at start-up");
  check_glibc_heap_serves_us();

  allocator_baselines all;
  all.glibc = {"glibc",
               reinterpret_cast<allocate_fn>(::dlsym(RTLD_DEFAULT, "malloc")),
               reinterpret_cast<deallocate_fn>(::dlsym(RTLD_DEFAULT, "free")),
               "malloc/free resolved by the process (dlsym RTLD_DEFAULT)",
               "",
               ::gnu_get_libc_version()};
  place_in(all.glibc, "libc.so");

  void* mimalloc = open_privately(SHARDMQ_BENCH_MIMALLOC_PATH);
  all.mimalloc = {"mimalloc",
                  symbol<allocate_fn>(mimalloc, "mi_malloc", "mimalloc"),
                  symbol<deallocate_fn>(mimalloc, "mi_free", "mimalloc"),
                  "mi_malloc/mi_free from dlopen(RTLD_NOW|RTLD_LOCAL|RTLD_DEEPBIND)",
                  "",
                  "mi_version()=" + std::to_string(symbol<int (*)()>(mimalloc, "mi_version", "mimalloc")())};
  place_in(all.mimalloc, "libmimalloc.so");

  void* jemalloc = open_privately(SHARDMQ_BENCH_JEMALLOC_PATH);
  all.jemalloc = {"jemalloc",
                  symbol<allocate_fn>(jemalloc, "malloc", "jemalloc"),
                  symbol<deallocate_fn>(jemalloc, "free", "jemalloc"),
                  "malloc/free from dlopen(RTLD_NOW|RTLD_LOCAL|RTLD_DEEPBIND)",
                  "",
                  jemalloc_version(symbol<mallctl_fn>(jemalloc, "mallctl", "jemalloc"))};
  place_in(all.jemalloc, "libjemalloc.so");

  all.jemalloc_static = {"jemalloc_static",
                         &sjem_malloc,
                         &sjem_free,
                         "sjem_malloc/sjem_free: libjemalloc_pic.a linked with its public symbols renamed",
                         "",
                         jemalloc_version(&sjem_mallctl)};
  place_in(all.jemalloc_static, "");

  // Loading the libraries must not have changed what the process calls.
  check_process_malloc_is_glibc("after loading mimalloc and jemalloc");
  check_glibc_heap_serves_us();

  const allocator_baseline* list[] = {&all.glibc, &all.mimalloc, &all.jemalloc, &all.jemalloc_static};
  for (const allocator_baseline* a : list) {
    for (const allocator_baseline* b : list) {
      if (a == b) continue;
      const void* base_a = object_info(address_of(a->allocate), a->name).dli_fbase;
      const void* base_b = object_info(address_of(b->allocate), b->name).dli_fbase;
      if (a->allocate == b->allocate || base_a == base_b)
        fail(a->name + " and " + b->name + " are the same allocator");
    }
    exercise(*a);
  }
  return all;
}

std::vector<std::string> describe_allocator_binding(const allocator_baselines& all) {
  std::vector<std::string> lines;
  lines.push_back(
      "process malloc: glibc (malloc/free/calloc/realloc resolve into libc.so.6 and operator new/delete into "
      "libstdc++ before and after loading the baselines; glibc's mallinfo2 counts our own malloc and new)");
  for (const allocator_baseline* b : {&all.glibc, &all.mimalloc, &all.jemalloc, &all.jemalloc_static}) {
    lines.push_back("baseline " + b->name + ": " + b->binding + ", in " + b->object + ", version " +
                    b->version);
  }
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  lines.push_back(std::string("GLIBC_TUNABLES=") + (tunables ? tunables : "") +
                  " (jemalloc's initial-exec TLS needs more dlopen reserve than glibc's default; it does not "
                  "change malloc)");
  return lines;
}

}  // namespace shardmq::bench
