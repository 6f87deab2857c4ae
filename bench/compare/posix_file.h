// bench/compare/posix_file.h
//
// The few raw POSIX file operations the comparison's own contestants (the
// floor and the rewritten file) are made of, returning absl::Status with
// errno's text. Header-only.

#ifndef STATELOG_BENCH_COMPARE_POSIX_FILE_H_
#define STATELOG_BENCH_COMPARE_POSIX_FILE_H_

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace statelog::bench {

inline absl::Status ErrnoError(absl::string_view what) {
  return absl::InternalError(std::string(what) + ": " + std::strerror(errno));
}

// Writes all of `data` at the file offset of `fd`.
inline absl::Status WriteAll(int fd, absl::string_view data,
                             absl::string_view what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(what);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Reads the whole file at `path` into `*out`.
inline absl::Status ReadWholeFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open " + path);
  out->clear();
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status s = ErrnoError("read " + path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return absl::OkStatus();
}

}  // namespace statelog::bench

#endif  // STATELOG_BENCH_COMPARE_POSIX_FILE_H_
