// util/coding.h
//
// Fixed-width little-endian integers, the only integer encoding on disk.

#ifndef STATELOG_UTIL_CODING_H_
#define STATELOG_UTIL_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>

namespace statelog::internal {

inline void PutFixed32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>(v >> (8 * i));
}
inline void PutFixed64(char* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>(v >> (8 * i));
}
inline uint32_t GetFixed32(const char* src) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(src[i]);
  return v;
}
inline uint64_t GetFixed64(const char* src) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(src[i]);
  return v;
}

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_CODING_H_
