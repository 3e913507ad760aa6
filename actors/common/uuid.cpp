#include "actors/common/uuid.hpp"

#include <cstdio>

namespace mensa::common {

std::string make_uuid(uint64_t high, uint64_t low) {
  std::string bytes(16, '\0');
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<char>((high >> (56 - 8 * i)) & 0xff);
    bytes[8 + i] = static_cast<char>((low >> (56 - 8 * i)) & 0xff);
  }
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return bytes;
}

std::string format_uuid(const std::string& bytes) {
  std::string out;
  char hex[3];
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out += '-';
    std::snprintf(hex, sizeof(hex), "%02x", static_cast<unsigned char>(bytes[i]));
    out += hex;
  }
  return out;
}

}  // namespace mensa::common
