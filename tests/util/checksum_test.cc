// tests/util/checksum_test.cc
//
// ChecksumStream, which snapshots are checksummed with while they are
// written and verified, must give Checksum()'s value over the same bytes
// however they are cut into pieces: the value is on disk.

#include "util/checksum.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace statelog::internal {
namespace {

TEST(ChecksumStreamTest, AnyCutGivesTheOneShotValue) {
  std::mt19937 rng(17);
  for (size_t size :
       {0, 1, 15, 16, 17, 128, 129, 240, 241, 1000, 4096, 100000}) {
    std::string data(size, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    for (int trial = 0; trial < 5; ++trial) {
      ChecksumStream stream;
      size_t at = 0;
      while (at < size) {
        const size_t take = std::min<size_t>(size - at, 1 + rng() % 300);
        stream.Update(absl::string_view(data).substr(at, take));
        at += take;
      }
      EXPECT_EQ(stream.Digest(), Checksum(data)) << size << " bytes";
      EXPECT_EQ(stream.bytes(), size);
    }
  }
}

TEST(ChecksumStreamTest, EmptyStreamIsTheChecksumOfNothing) {
  ChecksumStream stream;
  EXPECT_EQ(stream.Digest(), Checksum(""));
  stream.Update("");
  EXPECT_EQ(stream.Digest(), Checksum(""));
}

}  // namespace
}  // namespace statelog::internal
