#pragma once

#include <cstdint>
#include <string>

namespace mensa::common {

/// The size of a UUID in bytes, as status updates carry it.
inline constexpr std::size_t uuid_size = 16;

/// Makes the 16 bytes of a random (version 4) UUID from two random numbers.
std::string make_uuid(uint64_t high, uint64_t low);

/// Formats 16 UUID bytes as 8-4-4-4-12 hex, for logs and IDs.
std::string format_uuid(const std::string& bytes);

}  // namespace mensa::common
