// util/huge_pages.h
//
// Memory for the few large arrays statelog builds when it opens a store:
// the member spans of the snapshot and its member index, a few megabytes
// each for 100,000 members. A fresh process faults such an array in a
// 4 KiB page at a time (about 1,800 faults for those two, a tenth of the
// time to open that store on the benchmark VM); mapped with transparent
// huge pages advised, it takes a 2 MiB page per fault. Where transparent
// huge pages are off, the pages are ordinary ones. Internal to statelog.

#ifndef STATELOG_UTIL_HUGE_PAGES_H_
#define STATELOG_UTIL_HUGE_PAGES_H_

#include <cstddef>
#include <memory>
#include <new>

namespace statelog::internal {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// `bytes` (rounded up to whole huge pages) of zeroed memory aligned to a
// huge page, with huge pages advised for the whole huge pages within
// `bytes`; null, with errno set, if it cannot be mapped.
void* MapHugePages(size_t bytes) noexcept;
// Returns what MapHugePages(bytes) gave.
void UnmapHugePages(void* p, size_t bytes) noexcept;

// A std allocator that takes arrays of at least kHugePageBytes from
// MapHugePages and smaller ones from std::allocator.
template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;

  HugePageAllocator() noexcept = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT

  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    if (n * sizeof(T) < kHugePageBytes) return std::allocator<T>().allocate(n);
    void* p = MapHugePages(n * sizeof(T));
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) noexcept {
    if (n * sizeof(T) < kHugePageBytes) {
      std::allocator<T>().deallocate(p, n);
      return;
    }
    UnmapHugePages(p, n * sizeof(T));
  }

  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) {
    return true;
  }
  friend bool operator!=(const HugePageAllocator&, const HugePageAllocator&) {
    return false;
  }
};

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_HUGE_PAGES_H_
