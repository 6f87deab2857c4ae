// util/checksum.h
//
// XXH3-64 (seed 0), the one checksum statelog writes. Its output is frozen
// since xxHash 0.8.0, so it is safe to keep on disk.

#ifndef STATELOG_UTIL_CHECKSUM_H_
#define STATELOG_UTIL_CHECKSUM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace statelog::internal {

uint64_t Checksum(const char* data, size_t n);
inline uint64_t Checksum(absl::string_view data) {
  return Checksum(data.data(), data.size());
}

// Checksum() of bytes that arrive in pieces: the same value as over their
// concatenation.
class ChecksumStream {
 public:
  ChecksumStream();
  ~ChecksumStream();
  ChecksumStream(const ChecksumStream&) = delete;
  ChecksumStream& operator=(const ChecksumStream&) = delete;

  void Update(absl::string_view piece);
  uint64_t Digest() const;
  uint64_t bytes() const { return bytes_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  uint64_t bytes_ = 0;
};

// 16 lowercase hex digits, the form checksums take in JSON files.
std::string ChecksumHex(uint64_t checksum);
// Parses ChecksumHex's form; false on anything else.
bool ParseChecksumHex(absl::string_view hex, uint64_t* out);

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_CHECKSUM_H_
