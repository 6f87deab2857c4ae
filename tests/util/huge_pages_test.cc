// tests/util/huge_pages_test.cc
//
// MapHugePages and HugePageAllocator: large arrays come aligned to a huge
// page and zeroed, small ones from the usual allocator, and a vector moves
// between the two as it grows with its contents intact.

#include "util/huge_pages.h"

#include <cstdint>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
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

// The VmFlags of the mapping that holds `p`, from /proc/self/smaps.
std::string VmFlagsAt(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t begin = 0;
    uintptr_t end = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> begin >> dash >> end && dash == '-') {
      inside = at >= begin && at < end;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

// Huge pages are advised for the whole huge pages a request covers, not
// for a last one it ends inside, which would be resident whole.
TEST(HugePagesTest, OnlyWholeHugePagesAreAdvised) {
  const size_t bytes = kHugePageBytes + kHugePageBytes / 2;
  auto* p = static_cast<char*>(MapHugePages(bytes));
  ASSERT_NE(p, nullptr);
  const std::string head = VmFlagsAt(p);
  const std::string tail = VmFlagsAt(p + bytes - 1);
  UnmapHugePages(p, bytes);
  ASSERT_FALSE(head.empty());
  if (head.find(" hg") == std::string::npos) {
    GTEST_SKIP() << "no transparent huge pages here: " << head;
  }
  EXPECT_EQ(tail.find(" hg"), std::string::npos) << tail;
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
