// tests/store/fail_allocation_test.cc
//
// The allocation functions of store_test, which can be made to fail
// (tests/store/fail_allocation.h), and a test that they do as asked.

#include "tests/store/fail_allocation.h"

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

#include "tests/testing/test_util.h"

namespace {
// Allocations left on this thread before the one that fails; 0: none.
thread_local int t_fail_in = 0;
thread_local bool t_failed = false;
}  // namespace

namespace statelog::testing {

void FailAllocationIn(int n) {
  t_fail_in = n;
  t_failed = false;
}

bool AllocationFailed() { return t_failed; }

}  // namespace statelog::testing

// Every allocation of store_test goes through here. Not inlined: the
// compiler would otherwise pair a visible malloc with a
// caller's `delete` and warn about a mismatch that is not there.
__attribute__((noinline)) void* operator new(size_t n) {
  if (t_fail_in > 0 && --t_fail_in == 0) {
    t_failed = true;
    throw std::bad_alloc();
  }
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
__attribute__((noinline)) void operator delete(void* p) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
// The array and nothrow forms too: left to the sanitizer's, their memory
// would reach the free() above from its own allocator.
__attribute__((noinline)) void* operator new[](size_t n) {
  return ::operator new(n);
}
__attribute__((noinline)) void* operator new(size_t n,
                                             const std::nothrow_t&) noexcept {
  return std::malloc(n == 0 ? 1 : n);
}
__attribute__((noinline)) void* operator new[](size_t n,
                                               const std::nothrow_t&) noexcept {
  return std::malloc(n == 0 ? 1 : n);
}
__attribute__((noinline)) void operator delete[](void* p) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete(void* p,
                                               const std::nothrow_t&) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete[](
    void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace statelog::testing {
namespace {

TEST(FailAllocationTest, TheNthAllocationOnThisThreadThrowsOnce) {
  FailAllocationIn(3);
  auto first = std::make_unique<int>(1);
  auto second = std::make_unique<int>(2);
  EXPECT_FALSE(AllocationFailed());
  EXPECT_THROW(std::make_unique<int>(3), std::bad_alloc);
  EXPECT_TRUE(AllocationFailed());
  auto after = std::make_unique<int>(4);  // once only
  EXPECT_EQ(*first + *second + *after, 7);
  FailAllocationIn(1);
  FailAllocationIn(0);  // cancelled
  auto kept = std::make_unique<int[]>(8);
  EXPECT_FALSE(AllocationFailed());
}

}  // namespace
}  // namespace statelog::testing
