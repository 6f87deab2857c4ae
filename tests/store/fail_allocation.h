// tests/store/fail_allocation.h
//
// Making one allocation fail, for store_test's tests of what running out
// of memory leaves behind. The global allocation functions of store_test
// are replaced (tests/store/fail_allocation_test.cc) so that they can
// throw std::bad_alloc on request; otherwise they allocate as usual.

#ifndef STATELOG_TESTS_STORE_FAIL_ALLOCATION_H_
#define STATELOG_TESTS_STORE_FAIL_ALLOCATION_H_

namespace statelog::testing {

// The allocation `n` allocations from now on this thread throws
// std::bad_alloc (n >= 1); 0 cancels. Other threads are not affected.
void FailAllocationIn(int n);
// Whether the failure set up last has happened.
bool AllocationFailed();

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_STORE_FAIL_ALLOCATION_H_
