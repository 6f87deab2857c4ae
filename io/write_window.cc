// io/write_window.cc

#include "io/write_window.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "io/errno_status.h"

namespace statelog::internal {
namespace {

uint64_t PageSize() {
  static const uint64_t size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return size;
}
uint64_t PageFloor(uint64_t offset) { return offset & ~(PageSize() - 1); }
uint64_t PageCeil(uint64_t offset) {
  return PageFloor(offset + PageSize() - 1);
}

bool ProbePrefault() {
#if defined(MADV_POPULATE_WRITE)
  const size_t n = static_cast<size_t>(PageSize());
  void* page = ::mmap(nullptr, n, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return false;
  const bool ok = ::madvise(page, n, MADV_POPULATE_WRITE) == 0;
  ::munmap(page, n);
  return ok;
#else
  return false;
#endif
}

}  // namespace

bool WriteWindow::Supported() {
  static const bool supported = ProbePrefault();
  return supported;
}

WriteWindow::WriteWindow(int fd, std::string path, uint64_t end)
    : fd_(fd), path_(std::move(path)), end_(end) {}

WriteWindow::~WriteWindow() { Unmap(); }

void WriteWindow::Unmap() {
  if (window_ != nullptr) ::munmap(window_, window_size_);
  window_ = nullptr;
  window_begin_ = window_size_ = 0;
  prefault_begin_ = prefault_end_ = 0;
}

absl::Status WriteWindow::Map(uint64_t offset) {
  Unmap();
  const uint64_t begin = PageFloor(offset);
  // Whole pages up to the one holding end_ - 1, all inside the file; a
  // write of at most kMaxWrite starting at `offset` fits.
  const uint64_t size = std::min(kMapWindow, PageCeil(end_) - begin);
  void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_,
                      static_cast<off_t>(begin));
  if (addr == MAP_FAILED) {
    return ErrnoStatus(errno, absl::StrCat("map ", path_, " at offset ", begin,
                                           " for writing"));
  }
  window_ = static_cast<char*>(addr);
  window_begin_ = begin;
  window_size_ = size;
  return absl::OkStatus();
}

absl::Status WriteWindow::Write(uint64_t offset, absl::string_view data) {
  const uint64_t end = offset + data.size();
  if (window_ == nullptr || offset < window_begin_ ||
      end > window_begin_ + window_size_) {
    absl::Status mapped = Map(offset);
    if (!mapped.ok()) return mapped;
  }
  if (offset < prefault_begin_ || end > prefault_end_) {
#if defined(MADV_POPULATE_WRITE)
    const uint64_t from = PageFloor(offset);
    const uint64_t to = std::min(window_begin_ + window_size_,
                                 std::max(PageCeil(end), from + kPrefault));
    int rc;
    do {
      rc = ::madvise(window_ + (from - window_begin_), to - from,
                     MADV_POPULATE_WRITE);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      // EFAULT: the pages are beyond the end of the file (it was
      // truncated); EIO, ENOSPC, ...: what a pwrite would have returned.
      return ErrnoStatus(errno,
                         absl::StrCat("write ", path_, " at offset ", offset,
                                      " (prefaulting its "
                                      "mapped pages)"));
    }
    prefault_begin_ = from;
    prefault_end_ = to;
#else
    return absl::UnimplementedError("mapped writes need MADV_POPULATE_WRITE");
#endif
  }
  std::memcpy(window_ + (offset - window_begin_), data.data(), data.size());
  return absl::OkStatus();
}

}  // namespace statelog::internal
