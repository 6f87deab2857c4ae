// bench/compare/floor_contestant.cc
//
// The paired floor: what one durable append costs on this disk right now.
// Each Setup starts a fresh file, so every measurement appends to a file
// that grows (each fdatasync also commits the new file size), exactly the
// cost a naive write-ahead log pays.
//
// The preallocated floor ("floor-prealloc", a contestant of its own, not
// paired) is the bound a durable single writer cannot beat: one pwrite of
// a statelog-sized record into a file already zero-filled and synced, and
// one fdatasync, per update. No size to commit, nothing but the data and
// the device's cache flush. SQLite's WAL, reused in place, and statelog's
// preallocated segments both pay about this; target 1b's ratio cannot
// exceed this contestant's ratio to SQLite.

#include <fcntl.h>
#include <unistd.h>

#include <mutex>

#include "bench/compare/contestant.h"
#include "bench/compare/posix_file.h"
#include "util/status_macros.h"

namespace statelog::bench {
namespace {

constexpr size_t kRecordBytes = 128;

// A file of its own, written and synced under one lock, removed at Close.
class FileFloor : public Contestant {
 public:
  bool durable() const override { return true; }

  absl::Status Close() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    ::unlink(path_.c_str());
    return absl::OkStatus();
  }

 protected:
  // Opens `file` in `dir` anew with `flags` (O_CREAT | O_EXCL added).
  absl::Status OpenFresh(const std::string& dir, const std::string& file,
                         int flags) {
    path_ = dir + "/" + file;
    ::unlink(path_.c_str());
    fd_ = ::open(path_.c_str(), flags | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) return ErrnoError("open " + path_);
    return absl::OkStatus();
  }
  absl::Status DataSync() {
    if (::fdatasync(fd_) != 0) return ErrnoError("fdatasync " + path_);
    return absl::OkStatus();
  }

  std::mutex mu_;
  std::string path_;
  std::string record_;
  int fd_ = -1;
};

class Floor : public FileFloor {
 public:
  std::string name() const override { return "floor"; }

  absl::Status Setup(const std::string& dir, int) override {
    absl::Status s = OpenFresh(dir, "floor.log", O_WRONLY | O_APPEND);
    record_.assign(kRecordBytes - 1, 'r');
    record_ += '\n';
    return s;
  }

  absl::Status Update(const UpdateContext&, int, const Value&) override {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Status s = WriteAll(fd_, record_, "append " + path_);
    return s.ok() ? DataSync() : s;
  }
};

// What statelog frames for one benchmark update (header and payload).
constexpr size_t kPreallocRecordBytes = 190;
// Enough for a few seconds at the device's rate; the writes wrap around.
constexpr off_t kPreallocBytes = off_t{16} << 20;

class PreallocatedFloor : public FileFloor {
 public:
  std::string name() const override { return "floor-prealloc"; }

  absl::Status Setup(const std::string& dir, int) override {
    STATELOG_RETURN_IF_ERROR(OpenFresh(dir, "floor-prealloc.log", O_RDWR));
    const std::string zeros(1 << 20, '\0');
    for (off_t at = 0; at < kPreallocBytes; at += zeros.size()) {
      if (::pwrite(fd_, zeros.data(), zeros.size(), at) !=
          static_cast<ssize_t>(zeros.size())) {
        return ErrnoError("zero-fill " + path_);
      }
    }
    record_.assign(kPreallocRecordBytes, 'r');
    return DataSync();
  }

  absl::Status Update(const UpdateContext&, int, const Value&) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (offset_ + static_cast<off_t>(record_.size()) > kPreallocBytes) {
      offset_ = 0;
    }
    if (::pwrite(fd_, record_.data(), record_.size(), offset_) !=
        static_cast<ssize_t>(record_.size())) {
      return ErrnoError("pwrite " + path_);
    }
    offset_ += static_cast<off_t>(record_.size());
    return DataSync();
  }

 private:
  off_t offset_ = 0;
};

}  // namespace

std::unique_ptr<Contestant> NewFloor() { return std::make_unique<Floor>(); }

std::unique_ptr<Contestant> NewPreallocatedFloor() {
  return std::make_unique<PreallocatedFloor>();
}

}  // namespace statelog::bench
