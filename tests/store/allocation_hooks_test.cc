// tests/store/allocation_hooks_test.cc
//
// The replaced allocation functions (tests/testing/allocation_hooks.h) do
// as asked. Each allocation is made by calling operator new directly: a
// new-expression whose result is not needed may be left out by the
// compiler.

#include "tests/testing/allocation_hooks.h"

#include <new>
#include <thread>

#include "tests/testing/test_util.h"

namespace statelog::testing {
namespace {

void* Take(size_t n) { return ::operator new(n); }

TEST(AllocationHooksTest, TheNthAllocationOnThisThreadThrowsOnce) {
  FailAllocationIn(3);
  void* first = Take(8);
  void* second = Take(8);
  EXPECT_FALSE(AllocationFailed());
  EXPECT_THROW(Take(8), std::bad_alloc);
  EXPECT_TRUE(AllocationFailed());
  void* after = Take(8);  // once only
  EXPECT_NE(after, nullptr);
  ::operator delete(first);
  ::operator delete(second);
  ::operator delete(after);
  FailAllocationIn(1);
  FailAllocationIn(0);  // cancelled
  void* kept = ::operator new[](64);
  EXPECT_FALSE(AllocationFailed());
  ::operator delete[](kept);
}

TEST(AllocationHooksTest, TheNothrowFormsReturnNullInstead) {
  FailAllocationIn(1);
  EXPECT_EQ(::operator new(8, std::nothrow), nullptr);
  EXPECT_TRUE(AllocationFailed());
  FailAllocationIn(1);
  EXPECT_EQ(::operator new[](8, std::nothrow), nullptr);
}

TEST(AllocationHooksTest, AllocationsOverALimitThrowUntilCancelled) {
  FailAllocationsOver(100);
  void* small = Take(100);
  EXPECT_THROW(Take(101), std::bad_alloc);
  EXPECT_THROW(Take(101), std::bad_alloc);  // every time
  FailAllocationsOver(0);
  void* large = Take(101);
  ::operator delete(small);
  ::operator delete(large);
}

TEST(AllocationHooksTest, OnlyWatchedThreadsCountTheirLargestAllocation) {
  ResetLargestAllocation();
  std::thread other([] { ::operator delete(Take(1 << 20)); });
  other.join();
  EXPECT_EQ(LargestAllocation(), 0u);
  WatchAllocations(true);
  ::operator delete(Take(1000));
  ::operator delete(Take(300));
  WatchAllocations(false);
  ::operator delete(Take(5000));
  EXPECT_EQ(LargestAllocation(), 1000u);
}

}  // namespace
}  // namespace statelog::testing
