// tests/testing/allocation_hooks.cc
//
// The replaced allocation functions (tests/testing/allocation_hooks.h).
// All forms are replaced, array and nothrow too: left to the sanitizer's,
// their memory would reach the free() below from its own allocator.

#include "tests/testing/allocation_hooks.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
// Allocations left on this thread before the one that fails; 0: none.
thread_local int t_fail_in = 0;
thread_local bool t_failed = false;
thread_local bool t_watch = false;
thread_local size_t t_fail_over = 0;  // 0: no size fails
std::atomic<size_t> g_largest{0};

void* Allocate(size_t n) {
  if (t_fail_in > 0 && --t_fail_in == 0) {
    t_failed = true;
    throw std::bad_alloc();
  }
  if (t_fail_over > 0 && n > t_fail_over) throw std::bad_alloc();
  if (t_watch) {
    size_t seen = g_largest.load(std::memory_order_relaxed);
    while (n > seen && !g_largest.compare_exchange_weak(
                           seen, n, std::memory_order_relaxed)) {
    }
  }
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void* AllocateNoThrow(size_t n) noexcept {
  try {
    return Allocate(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
}  // namespace

namespace statelog::testing {

void FailAllocationIn(int n) {
  t_fail_in = n;
  t_failed = false;
}
bool AllocationFailed() { return t_failed; }
void FailAllocationsOver(size_t bytes) { t_fail_over = bytes; }

void WatchAllocations(bool on) { t_watch = on; }
size_t LargestAllocation() { return g_largest.load(); }
void ResetLargestAllocation() { g_largest = 0; }

}  // namespace statelog::testing

// Not inlined: the compiler would otherwise pair a visible malloc with a
// caller's `delete` and warn about a mismatch that is not there.
__attribute__((noinline)) void* operator new(size_t n) { return Allocate(n); }
__attribute__((noinline)) void* operator new[](size_t n) { return Allocate(n); }
__attribute__((noinline)) void* operator new(size_t n,
                                             const std::nothrow_t&) noexcept {
  return AllocateNoThrow(n);
}
__attribute__((noinline)) void* operator new[](size_t n,
                                               const std::nothrow_t&) noexcept {
  return AllocateNoThrow(n);
}
__attribute__((noinline)) void operator delete(void* p) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete(void* p, size_t) noexcept {
  std::free(p);
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
