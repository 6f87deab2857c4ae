// io/posix_env.cc
//
// Env::Default(): the POSIX file system. Every open uses O_NOFOLLOW and
// O_CLOEXEC; files are created 0600 and directories 0700, so a file has its
// final mode before it ever becomes visible under its final name.

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "io/errno_status.h"
#include "io/posix_file.h"
#include "statelog/env.h"
#include "util/huge_pages.h"

namespace statelog {
namespace {

using internal::ErrnoStatus;
using internal::MapHugePages;
using internal::UnmapHugePages;

// A store file must not be descriptor 0, 1 or 2: in a process started with
// those closed, whatever it prints would be written into the journal or
// LOCK. Such a descriptor is moved to 3 or above, and /dev/null takes its
// number (as SQLite does). Returns the descriptor to use (`fd` itself if
// it could not be moved).
int AboveStdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return fd;
  const int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    ::dup2(null, fd);  // closes the store file's low number
    if (null != fd && null > 2) ::close(null);
  } else {
    ::close(fd);
  }
  return moved;
}

// The directory holding a lock file, by path, and which directory that
// was when the lock was taken (device and inode).
struct LockedDir {
  std::string path;
  dev_t dev = 0;
  ino_t ino = 0;
  bool known = false;  // false if it could not be stat'ed then
};

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos
             ? "."
             : path.substr(0, std::max<size_t>(slash, 1));
}

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(int fd, int dir_fd, LockedDir dir)
      : fd_(fd), dir_fd_(dir_fd), dir_(std::move(dir)) {}
  ~PosixFileLock() override {  // closing releases the flocks
    ::close(fd_);
    if (dir_fd_ >= 0) ::close(dir_fd_);
  }

  absl::Status CheckInPlace() const override {
    if (!dir_.known) return absl::OkStatus();
    struct stat st;
    bool there = ::stat(dir_.path.c_str(), &st) == 0;
    if (!there && errno != ENOENT && errno != ENOTDIR) {
      return ErrnoStatus(errno, absl::StrCat("stat ", dir_.path));
    }
    // Absent, or another directory: moved or renamed away.
    if (!there || st.st_dev != dir_.dev || st.st_ino != dir_.ino) {
      const bool relative = dir_.path.empty() || dir_.path[0] != '/';
      return absl::FailedPreconditionError(absl::StrCat(
          "the store directory is no longer at ", dir_.path,
          relative ? " (it was moved or renamed while the store was open, "
                     "or the process changed its working directory: open a "
                     "store by an absolute path in a process that does)"
                   : " (it was moved or renamed while the store was open)",
          "; stopped before making, renaming or removing a file there. "
          "Reopen the store where it is now"));
    }
    return absl::OkStatus();
  }

 private:
  int fd_;
  int dir_fd_;  // -1 if the directory could not be locked
  LockedDir dir_;
};

// The holder a lock file names (its first line), or "".
std::string HolderIn(int fd) {
  std::string current;
  char buf[256];
  ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  if (n > 0) current.assign(buf, static_cast<size_t>(n));
  while (!current.empty() &&
         (current.back() == '\n' || current.back() == '\0')) {
    current.pop_back();
  }
  return current;
}

// The directory holding a lock file is flocked too: a LOCK deleted while
// held (by hand, by a cleanup script) would otherwise let a second writer
// in, which takes a new LOCK, and two writers would hand out the same
// sequence numbers. Returns the directory's descriptor (locked), -1 if
// the file system does not lock directories (then LOCK alone serves), or
// EWOULDBLOCK's status if another opener holds it. Records in `*locked`
// which directory it is, for CheckInPlace.
absl::StatusOr<int> LockParentDir(const std::string& path, LockedDir* locked) {
  locked->path = DirOf(path);
  const std::string& dir = locked->path;
  const int fd = AboveStdio(
      ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (fd >= 0 ? ::fstat(fd, &st) == 0 : ::stat(dir.c_str(), &st) == 0) {
    locked->dev = st.st_dev;
    locked->ino = st.st_ino;
    locked->known = true;
  }
  if (fd < 0) return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
  const int err = errno;
  ::close(fd);
  if (err == EWOULDBLOCK) return ErrnoStatus(err, "flock " + dir);
  return -1;
}

absl::Status CheckType(const std::string& path, mode_t want,
                       const char* want_name) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    return ErrnoStatus(errno, absl::StrCat("stat ", path));
  }
  if (S_ISLNK(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is a symlink; ", internal::kNoSymlinks));
  }
  if ((st.st_mode & S_IFMT) != want) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not a ", want_name));
  }
  return absl::OkStatus();
}

// Opens `path` with `flags` (plus O_NOFOLLOW | O_CLOEXEC; created 0600) and
// checks that it is a regular file. Returns the descriptor; sets `*size`
// if given.
absl::StatusOr<int> OpenRegularFile(const std::string& path, int flags,
                                    uint64_t* size = nullptr) {
  int fd =
      AboveStdio(::open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not a regular file"));
  }
  if (size != nullptr) *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

// A read-only private mapping of a whole file.
class MappedContents final : public FileContents {
 public:
  MappedContents(void* addr, size_t size) : addr_(addr), size_(size) {}
  ~MappedContents() override { ::munmap(addr_, size_); }
  absl::string_view data() const override {
    return absl::string_view(static_cast<const char*>(addr_), size_);
  }

 private:
  void* const addr_;
  const size_t size_;
};

// A whole file read into private memory of its own, from MapHugePages.
class ReadContents final : public FileContents {
 public:
  ReadContents(char* bytes, size_t size) : bytes_(bytes), size_(size) {}
  ~ReadContents() override { UnmapHugePages(bytes_, size_); }
  absl::string_view data() const override {
    return absl::string_view(bytes_, size_);
  }
  bool private_copy() const override { return true; }

 private:
  char* const bytes_;
  const size_t size_;
};

// Files from this size on are read rather than mapped (env.h says why).
constexpr size_t kReadIntoMemoryBytes = size_t{4} << 20;

// Reads the `size` bytes of `fd` into memory aligned to a huge page, with
// transparent huge pages advised (util/huge_pages.h).
absl::StatusOr<std::unique_ptr<FileContents>> ReadIntoMemory(
    int fd, size_t size, const std::string& path) {
  auto* const bytes = static_cast<char*>(MapHugePages(size));
  if (bytes == nullptr) {
    const int err = errno;
    return ErrnoStatus(
        err, absl::StrCat("allocate ", size, " bytes to read ", path));
  }
  auto contents = std::make_unique<ReadContents>(bytes, size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::pread(fd, bytes + done, size - done, static_cast<off_t>(done));
    if (n < 0) {
      const int err = errno;  // before anything else can change it
      if (err == EINTR) continue;
      return ErrnoStatus(err, absl::StrCat("read ", path, " at offset ", done));
    }
    if (n == 0) {
      return absl::DataLossError(absl::StrCat(path, " shrank to ", done,
                                              " bytes while being read (", size,
                                              " when opened)"));
    }
    done += static_cast<size_t>(n);
  }
  return std::unique_ptr<FileContents>(std::move(contents));
}

// Whether /proc/locks lists a held lock on inode `ino` (true if it cannot
// be read). Its lines read "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF";
// a waiter's line has "->" after the number. Only the inode is compared:
// the device numbers /proc/locks shows need not match stat's on overlay
// file systems, and a false match costs a reader only a repeated read.
bool InodeInProcLocks(uint64_t ino) {
  std::FILE* f = std::fopen("/proc/locks", "re");
  if (f == nullptr) return true;
  char line[512];
  bool found = false;
  while (!found && std::fgets(line, sizeof(line), f) != nullptr) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
    if (fields.size() < 6 || fields[1] == "->") continue;
    absl::string_view device = fields[5];
    size_t colon = device.rfind(':');
    uint64_t listed = 0;
    found = colon != absl::string_view::npos &&
            absl::SimpleAtoi(device.substr(colon + 1), &listed) &&
            listed == ino;
  }
  std::fclose(f);
  return found;
}

class PosixEnv final : public Env {
 public:
  absl::StatusOr<std::unique_ptr<FileContents>> ReadWhole(
      const std::string& path) override {
    uint64_t bytes = 0;
    absl::StatusOr<int> opened = OpenRegularFile(path, O_RDONLY, &bytes);
    if (!opened.ok()) return opened.status();
    const int fd = *opened;
    if (bytes == 0) {
      ::close(fd);
      return Env::ReadWhole(path);  // nothing to map
    }
    const size_t size = static_cast<size_t>(bytes);
    if (size >= kReadIntoMemoryBytes) {
      absl::StatusOr<std::unique_ptr<FileContents>> read =
          ReadIntoMemory(fd, size, path);
      ::close(fd);
      return read;
    }
    // Populated up front: every caller reads the whole file, and one call
    // costs less than a page fault per few pages.
    void* addr =
        ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    const int err = errno;
    ::close(fd);  // the mapping keeps the file
    if (addr == MAP_FAILED) {
      return ErrnoStatus(err, absl::StrCat("mmap ", path));
    }
    return std::unique_ptr<FileContents>(new MappedContents(addr, size));
  }

  absl::StatusOr<std::unique_ptr<File>> OpenFile(const std::string& path,
                                                 OpenMode mode) override {
    int flags = O_RDONLY;
    switch (mode) {
      case OpenMode::kRead:
        break;
      case OpenMode::kReadWrite:
        flags = O_RDWR;
        break;
      case OpenMode::kCreateExclusive:
        flags = O_RDWR | O_CREAT | O_EXCL;
        break;
    }
    absl::StatusOr<int> fd = OpenRegularFile(path, flags);
    if (!fd.ok()) return fd.status();
    return internal::NewPosixFile(*fd, path);
  }

  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override {
    int fd =
        ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open directory ", dir));
    DIR* d = ::fdopendir(fd);
    if (d == nullptr) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus(err, absl::StrCat("opendir ", dir));
    }
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) return ErrnoStatus(err, absl::StrCat("readdir ", dir));
    return names;
  }

  absl::Status CreateDir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, absl::StrCat("mkdir ", dir));
    }
    return CheckDir(dir);
  }

  absl::Status CheckDir(const std::string& dir) override {
    return CheckType(dir, S_IFDIR, "directory");
  }

  absl::Status CheckFile(const std::string& path) override {
    return CheckType(path, S_IFREG, "regular file");
  }

  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoStatus(errno, absl::StrCat("rename ", from, " to ", to));
    }
    return absl::OkStatus();
  }

  absl::Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) {
      return ErrnoStatus(errno, absl::StrCat("unlink ", path));
    }
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& dir) override {
    int fd =
        ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open directory ", dir));
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoStatus(err, absl::StrCat("fsync directory ", dir));
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path, const std::string& holder) override {
    int fd = AboveStdio(
        ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
    // flock locks belong to the open file description, so a second open in
    // this same process conflicts too, and the kernel drops the lock when
    // the process dies: there is no stale lock to guess about.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      std::string current = HolderIn(fd);
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return absl::FailedPreconditionError(absl::StrCat(
            "store is locked by another opener (", path, " held by ",
            current.empty() ? "unknown holder" : current, ")"));
      }
      return ErrnoStatus(err, absl::StrCat("flock ", path));
    }
    LockedDir locked_dir;
    absl::StatusOr<int> dir_fd = LockParentDir(path, &locked_dir);
    if (!dir_fd.ok()) {
      ::close(fd);
      return absl::FailedPreconditionError(absl::StrCat(
          "store is locked by another opener (its directory is locked, but ",
          path, " was deleted and made again since that opener took it)"));
    }
    std::string line = holder + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, line.data(), line.size(), 0) !=
                                       static_cast<ssize_t>(line.size())) {
      int err = errno;
      ::close(fd);
      if (*dir_fd >= 0) ::close(*dir_fd);
      return ErrnoStatus(err, absl::StrCat("write ", path));
    }
    return std::unique_ptr<FileLock>(
        new PosixFileLock(fd, *dir_fd, std::move(locked_dir)));
  }

  bool MayBeLocked(const std::string& path) override {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return errno != ENOENT;
    return InodeInProcLocks(static_cast<uint64_t>(st.st_ino));
  }
};

}  // namespace

Env* Env::Default() {
  static Env* env = new PosixEnv();
  return env;
}

}  // namespace statelog
