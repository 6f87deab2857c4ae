// io/write_window.h
//
// Small writes into a preallocated file through a shared memory mapping
// instead of a pwrite each (File::MapWrites). On the benchmark VM a pwrite
// of a 190-byte journal record cost 1.6 us and a copy into a mapping 0.23 us
// (the kernel's work to dirty a page, about 5 us, shared by the ~20 records
// a page holds); under Durability::kNone and kInterval that system call was
// a third of a transaction's time.
//
// The bytes go into the file's page cache exactly as a pwrite's do: a crash
// of the process loses none of them, and fdatasync makes them durable.
// What differs is how failure shows. Touching a mapped page the kernel
// cannot provide raises SIGBUS, so pages are prefaulted for writing before
// they are touched with madvise(MADV_POPULATE_WRITE), which returns the
// error instead (Linux 5.14 and later; without it no mapping is used).
// One gap remains: a page that the kernel writes back between the prefault
// and the copy is write-protected again, and the copy faults it once more;
// if the file system refuses that fault (it was shut down after an I/O
// error), the process gets SIGBUS where a pwrite would have returned EIO.
// Unmapping before each fdatasync (see Unmap) means pages the sync wrote
// back are prefaulted again, which leaves only the kernel's own background
// writeback in that gap.
//
// One window of the file (kMapWindow) is mapped at a time, so the mapping
// adds at most that much to the process's resident memory.

#ifndef STATELOG_IO_WRITE_WINDOW_H_
#define STATELOG_IO_WRITE_WINDOW_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace statelog::internal {

class WriteWindow {
 public:
  // Bytes of the file mapped at a time.
  static constexpr uint64_t kMapWindow = uint64_t{1} << 20;
  // Larger writes are left to pwrite: the system call is then a small part
  // of their cost.
  static constexpr uint64_t kMaxWrite = uint64_t{64} << 10;
  // Prefaulted for writing per madvise call.
  static constexpr uint64_t kPrefault = uint64_t{64} << 10;

  // Whether this kernel can prefault a shared mapping for writing.
  static bool Supported();

  // For the file `fd` (open for reading and writing, not owned), whose
  // bytes below `end` exist and stay; `path` names it in errors.
  WriteWindow(int fd, std::string path, uint64_t end);
  ~WriteWindow();
  WriteWindow(const WriteWindow&) = delete;
  WriteWindow& operator=(const WriteWindow&) = delete;

  // Whether `Write` takes `n` bytes at `offset`.
  bool Covers(uint64_t offset, uint64_t n) const {
    return n > 0 && n <= kMaxWrite && offset + n <= end_;
  }
  // Copies `data` to `offset` (Covers must hold). Fails, naming the file
  // and offset, if the pages cannot be prefaulted (the error a pwrite of
  // them would have met) or mapped; nothing is copied then.
  absl::Status Write(uint64_t offset, absl::string_view data);
  // Before an fdatasync. Writing back a page that is mapped writable
  // means write-protecting it in every thread's view first, one page and
  // one cross-CPU TLB flush at a time: with the window left mapped, the
  // fdatasync that ends a 1 MiB segment took a fifth of a kNone writer's
  // time on the benchmark VM. Unmapped, the window goes in one munmap,
  // and the next Write maps and prefaults afresh (so the pages the sync
  // wrote back are prefaulted again, not faulted by the copy).
  void Unmap();

 private:
  absl::Status Map(uint64_t offset);

  const int fd_;
  const std::string path_;
  const uint64_t end_;
  char* window_ =
      nullptr;  // maps [window_begin_, window_begin_ + window_size_)
  uint64_t window_begin_ = 0;
  uint64_t window_size_ = 0;
  uint64_t prefault_begin_ = 0;  // prefaulted since the window was mapped
  uint64_t prefault_end_ = 0;
};

}  // namespace statelog::internal

#endif  // STATELOG_IO_WRITE_WINDOW_H_
