// tests/util/huge_pages_test.cc
//
// MapHugePages and HugePageAllocator: large arrays come aligned to a huge
// page and zeroed, small ones from the usual allocator, and a vector moves
// between the two as it grows with its contents intact.

#include "util/huge_pages.h"

#include <cstdint>
#include <new>
#include <vector>

#include "tests/testing/test_util.h"

namespace statelog::internal {
namespace {

bool HugePageAligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % kHugePageBytes == 0;
}

TEST(HugePagesTest, MappedMemoryIsAlignedZeroedAndWritableToItsEnd) {
  for (const size_t bytes :
       {kHugePageBytes, kHugePageBytes + 1, 3 * kHugePageBytes - 4096}) {
    auto* p = static_cast<unsigned char*>(MapHugePages(bytes));
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(HugePageAligned(p)) << bytes;
    EXPECT_EQ(p[0], 0);
    EXPECT_EQ(p[bytes - 1], 0);
    p[0] = 1;
    p[bytes - 1] = 2;
    EXPECT_EQ(p[0] + p[bytes - 1], 3);
    UnmapHugePages(p, bytes);
  }
}

TEST(HugePagesTest, AVectorKeepsItsContentsAcrossTheThreshold) {
  std::vector<uint64_t, HugePageAllocator<uint64_t>> v;
  const size_t past = 2 * kHugePageBytes / sizeof(uint64_t) + 17;
  bool saw_small = false;
  bool saw_huge = false;
  for (uint64_t i = 0; i < past; ++i) {
    v.push_back(i * 7);
    if (v.capacity() * sizeof(uint64_t) < kHugePageBytes) {
      saw_small = true;
    } else {
      saw_huge = true;
      EXPECT_TRUE(HugePageAligned(v.data()));
    }
  }
  EXPECT_TRUE(saw_small);
  EXPECT_TRUE(saw_huge);
  for (uint64_t i = 0; i < past; ++i) ASSERT_EQ(v[i], i * 7) << i;
  v.resize(100);
  v.shrink_to_fit();  // from mapped pages back to the usual allocator
  ASSERT_EQ(v.size(), 100u);
  EXPECT_EQ(v[99], 99u * 7);
}

TEST(HugePagesTest, AnImpossibleSizeIsBadAlloc) {
  HugePageAllocator<uint64_t> allocator;
  EXPECT_THROW((void)allocator.allocate(static_cast<size_t>(-1) / 4),
               std::bad_alloc);
  EXPECT_EQ(MapHugePages(static_cast<size_t>(-1) - 10), nullptr);
}

}  // namespace
}  // namespace statelog::internal
