// io/posix_file.cc

#include "io/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "io/errno_status.h"
#include "io/write_window.h"

namespace statelog::internal {
namespace {

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status Write(uint64_t offset, absl::string_view data) override {
    if (window_ != nullptr && window_->Covers(offset, data.size())) {
      return window_->Write(offset, data);
    }
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(
            errno, absl::StrCat("write ", path_, " at offset ", offset));
      }
      data.remove_prefix(n);
      offset += n;
    }
    return absl::OkStatus();
  }

  absl::Status Read(uint64_t offset, size_t n, std::string* out) override {
    out->resize(n);
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out->data() + done, n - done, offset + done);
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(
            errno, absl::StrCat("read ", path_, " at offset ", offset + done));
      }
      if (r == 0) break;
      done += r;
    }
    out->resize(done);
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    // Never retried: after a failed fdatasync the page cache may already
    // have dropped the dirty pages, so a second call can succeed falsely.
    if (window_ != nullptr) window_->Unmap();  // write_window.h says why
    if (::fdatasync(fd_) != 0) {
      return ErrnoStatus(errno, absl::StrCat("fdatasync ", path_));
    }
    return absl::OkStatus();
  }

  bool MapWrites(uint64_t end) override {
    if (fd_ < 0 || !WriteWindow::Supported()) return false;
    window_ = std::make_unique<WriteWindow>(fd_, path_, end);
    return true;
  }

  absl::Status WriteBack(uint64_t offset, uint64_t n) override {
#if defined(__linux__)
    // Write the range and wait for it, having waited for any writing of
    // it already under way: the pages reach the device now, in this
    // piece's time, not all together in the final fdatasync.
    if (::sync_file_range(fd_, static_cast<off64_t>(offset),
                          static_cast<off64_t>(n),
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                              SYNC_FILE_RANGE_WAIT_AFTER) != 0) {
      return ErrnoStatus(errno, absl::StrCat("sync_file_range ", path_,
                                             " at offset ", offset));
    }
#else
    (void)offset;
    (void)n;
#endif
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> Size() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) {
      return ErrnoStatus(errno, absl::StrCat("fstat ", path_));
    }
    return static_cast<uint64_t>(st.st_size);
  }

  absl::Status Truncate(uint64_t size) override {
    window_.reset();  // its pages may no longer exist
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return ErrnoStatus(errno, absl::StrCat("ftruncate ", path_));
    }
    return absl::OkStatus();
  }

  absl::Status Close() override {
    window_.reset();
    int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) {
      return ErrnoStatus(errno, absl::StrCat("close ", path_));
    }
    return absl::OkStatus();
  }

  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
  std::unique_ptr<WriteWindow> window_;  // after MapWrites
};

}  // namespace

std::unique_ptr<File> NewPosixFile(int fd, std::string path) {
  return std::make_unique<PosixFile>(fd, std::move(path));
}

}  // namespace statelog::internal
