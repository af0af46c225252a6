#pragma once
// The size classes of core_pool: multiples of 16 up to 128 B, then four per power of two up to
// 16 KiB, so that rounding a request up wastes at most ~20 % above 128 B. Every class is a
// multiple of 16, so every block is aligned for any fundamental type.

#include <array>
#include <cstddef>
#include <cstdint>

namespace shardmq::alloc {

/// Size classes and the size -> class lookup (a table indexed in 16-byte granules: one load).
struct size_classes {
  static constexpr std::size_t granule = 16;
  static constexpr std::size_t max_size = 16 * 1024;
  static constexpr std::size_t count = 8 + 7 * 4;
  /// Returned by class_of for sizes above max_size.
  static constexpr std::uint8_t none = 0xff;

  static constexpr std::array<std::uint32_t, count> sizes = [] {
    std::array<std::uint32_t, count> result{};
    std::size_t i = 0;
    for (std::uint32_t size = 16; size <= 128; size += 16) result[i++] = size;
    for (std::uint32_t power = 128; power < max_size; power *= 2) {
      for (std::uint32_t quarter = 5; quarter <= 8; ++quarter) result[i++] = power * quarter / 4;
    }
    return result;
  }();

  static constexpr std::size_t size_of(std::uint8_t size_class) noexcept { return sizes[size_class]; }

  static constexpr std::uint8_t class_of(std::size_t size) noexcept {
    if (size > max_size) return none;
    return lookup[(size + granule - 1) / granule];
  }

 private:
  static constexpr std::array<std::uint8_t, max_size / granule + 1> lookup = [] {
    std::array<std::uint8_t, max_size / granule + 1> result{};
    std::uint8_t size_class = 0;
    for (std::size_t granules = 0; granules < result.size(); ++granules) {
      while (sizes[size_class] < granules * granule) ++size_class;
      result[granules] = size_class;
    }
    return result;
  }();
};

static_assert(size_classes::sizes.back() == size_classes::max_size);
static_assert(size_classes::class_of(1) == 0 && size_classes::class_of(16) == 0);
static_assert(size_classes::class_of(17) == 1 && size_classes::class_of(129) == 8);
static_assert(size_classes::size_of(size_classes::class_of(4097)) == 5120);

}  // namespace shardmq::alloc
