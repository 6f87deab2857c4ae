// util/checksum.cc
//
// xxHash is used header-only: its Debian package has no CMake config, and
// inlining avoids a link dependency.

#include "util/checksum.h"

#define XXH_INLINE_ALL
#include "absl/strings/str_format.h"
#include "xxhash.h"

namespace statelog::internal {

uint64_t Checksum(const char* data, size_t n) { return XXH3_64bits(data, n); }

struct ChecksumStream::State {
  XXH3_state_t xxh;
};

ChecksumStream::ChecksumStream() : state_(std::make_unique<State>()) {
  XXH3_64bits_reset(&state_->xxh);
}

ChecksumStream::~ChecksumStream() = default;

void ChecksumStream::Update(absl::string_view piece) {
  XXH3_64bits_update(&state_->xxh, piece.data(), piece.size());
  bytes_ += piece.size();
}

uint64_t ChecksumStream::Digest() const {
  return XXH3_64bits_digest(&state_->xxh);
}

std::string ChecksumHex(uint64_t checksum) {
  return absl::StrFormat("%016x", checksum);
}

bool ParseChecksumHex(absl::string_view hex, uint64_t* out) {
  if (hex.size() != 16) return false;
  uint64_t v = 0;
  for (char c : hex) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

}  // namespace statelog::internal
