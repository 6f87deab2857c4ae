// tests/testing/allocation_hooks.h
//
// Replaced global allocation functions for the test programs that must see
// or steer every allocation: store_test makes one allocation fail to test
// what running out of memory leaves behind, fault_test watches the largest
// allocation while recovering damaged files. allocation_hooks.cc is built
// into those two programs only (CMakeLists.txt): in the shared test library
// the linker would pull it into every program while resolving operator new,
// and the sanitizer's own allocation functions, with their new/delete
// mismatch checks, would be gone from all of them. Untouched, the hooks
// allocate with malloc as usual.

#ifndef STATELOG_TESTS_TESTING_ALLOCATION_HOOKS_H_
#define STATELOG_TESTS_TESTING_ALLOCATION_HOOKS_H_

#include <cstddef>

namespace statelog::testing {

// The allocation `n` allocations from now on this thread throws
// std::bad_alloc (n >= 1); 0 cancels. Other threads are not affected.
void FailAllocationIn(int n);
// Whether the failure set up last has happened.
bool AllocationFailed();
// Until cancelled (0), every allocation of more than `bytes` bytes on this
// thread throws std::bad_alloc, as near a memory limit, where small
// allocations still succeed and large ones do not.
void FailAllocationsOver(size_t bytes);

// While on, the size of each allocation made by this thread is counted in
// LargestAllocation(), which is shared by all threads.
void WatchAllocations(bool on);
size_t LargestAllocation();
void ResetLargestAllocation();

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_ALLOCATION_HOOKS_H_
