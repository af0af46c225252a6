#pragma once
// The general-purpose allocators core_pool is compared with, each bound so that it does NOT become
// the process malloc: Debian's libmimalloc.so, libjemalloc.so and libjemalloc_pic.a all export
// malloc/free, and linking any of them normally would replace glibc's for the whole program (our
// own allocations and the glibc baseline included).
//
// - glibc: malloc/free as the process resolves them (dlsym(RTLD_DEFAULT)), checked to be libc's.
// - mimalloc: dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND), mi_malloc/mi_free from the handle.
// - jemalloc: the same dlopen, malloc/free from the handle (the unsized drop-in API a user gets by
//   linking jemalloc; mallocx/sdallocx would be faster but no other side frees by size).
// - jemalloc_static: a copy of libjemalloc_pic.a with its public symbols renamed sjem_* at build
//   time (rename_jemalloc_symbols.cmake), so no shared-library call is paid.

#include <cstddef>
#include <string>
#include <vector>

// The renamed static jemalloc, called directly as a statically linked allocator is; "sjem_" is the
// prefix bench/CMakeLists.txt gives rename_jemalloc_symbols.cmake.
extern "C" {
void* sjem_malloc(std::size_t size);
void sjem_free(void* memory);
int sjem_mallctl(const char* name, void* old_value, std::size_t* old_length, void* new_value,
                 std::size_t new_length);
}

namespace shardmq::bench {

/// One allocator, called through pointers as a shared library's allocator is (through the GOT).
struct allocator_baseline {
  std::string name;  ///< glibc, mimalloc, jemalloc, jemalloc_static
  void* (*allocate)(std::size_t) = nullptr;
  void (*deallocate)(void*) = nullptr;
  std::string binding;  ///< how the functions were found, for the NOTE
  std::string object;   ///< the object file dladdr places both functions in
  std::string version;
};

struct allocator_baselines {
  allocator_baseline glibc;
  allocator_baseline mimalloc;
  allocator_baseline jemalloc;
  allocator_baseline jemalloc_static;
};

/// jemalloc's shared library uses ~2.6 KiB of initial-exec TLS, more than glibc keeps in reserve
/// for dlopen (512 B): without more, dlopen fails with "cannot allocate memory in static TLS block".
/// The reserve is a start-up tunable, so this re-executes the program once with
/// GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384 added (other tunables are kept). Returns
/// only when the tunable is already set or the exec failed (then loading jemalloc reports it).
void reserve_static_tls_for_dlopen(char** argv);

/// Binds the four baselines and proves the isolation: glibc's malloc is the process malloc before
/// and after loading the others, operator new is libstdc++'s, glibc's heap sees our own malloc and
/// new, and each baseline's functions live in a distinct object (the library, or the executable
/// for the renamed static jemalloc). Throws std::runtime_error naming what failed.
allocator_baselines load_allocator_baselines();

/// NOTE lines: where each baseline's functions live, its version, and the checks that passed.
std::vector<std::string> describe_allocator_binding(const allocator_baselines& baselines);

}  // namespace shardmq::bench
