// util/huge_pages.cc

#include "util/huge_pages.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdint>

namespace statelog::internal {
namespace {

size_t WholeHugePages(size_t bytes) {
  return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
}

}  // namespace

void* MapHugePages(size_t bytes) noexcept {
  const size_t size = WholeHugePages(bytes);
  if (size < bytes || size + kHugePageBytes < size) {
    errno = ENOMEM;
    return nullptr;
  }
  // One huge page more than needed, so that an aligned start lies inside;
  // what lies outside the aligned range is given back.
  const size_t mapped = size + kHugePageBytes;
  void* region = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(region);
  const uintptr_t aligned =
      (start + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  if (aligned > start) ::munmap(region, aligned - start);
  const uintptr_t end = aligned + size;
  if (start + mapped > end) {
    ::munmap(reinterpret_cast<void*>(end), start + mapped - end);
  }
  // Advice only: without transparent huge pages the memory is ordinary.
  // Not for the last huge page if `bytes` ends inside it: that one would
  // be resident whole once its first byte is touched, up to 2 MiB more
  // than the bytes asked for (the 10.6 MB snapshot of the benchmark took
  // 1.4 MB more that way); in small pages it costs only what is used.
  const size_t whole = bytes & ~(kHugePageBytes - 1);
  if (whole > 0) {
    (void)::madvise(reinterpret_cast<void*>(aligned), whole, MADV_HUGEPAGE);
  }
  return reinterpret_cast<void*>(aligned);
}

void UnmapHugePages(void* p, size_t bytes) noexcept {
  ::munmap(p, WholeHugePages(bytes));
}

}  // namespace statelog::internal
