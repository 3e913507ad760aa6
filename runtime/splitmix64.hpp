#pragma once

#include <cstdint>
#include <limits>

namespace mensa::runtime {

/// SplitMix64 (Steele, Lea and Flood): a 64-bit generator with 8 bytes of
/// state, for a process's random numbers (IDs, UUIDs, shuffles). Every
/// process has one: std::mt19937_64 made each process 2.5 KB larger and
/// seeding it cost more than the rest of a spawn. Not for cryptography.
class splitmix64 {
 public:
  using result_type = uint64_t;

  explicit splitmix64(uint64_t seed) noexcept : state_(seed) {}

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept {
    return std::numeric_limits<result_type>::max();
  }

  /// Returns the next number.
  result_type operator()() noexcept {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace mensa::runtime
