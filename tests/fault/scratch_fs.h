// tests/fault/scratch_fs.h
//
// Small real file systems for the power-cut and disk-full tests: ext4 on a
// loop device over a sparse file in /dev/shm, a tmpfs of a given size, the
// EXT4_IOC_SHUTDOWN "power cut", and a ballast file that leaves an exact
// number of bytes free. Everything here needs root and belongs in a process
// that runs in its own mount namespace (tests/fault/isolated_run.h), so that
// no mount is visible outside it and none outlives it. Header-only, like
// fault_util.h.

#ifndef STATELOG_TESTS_FAULT_SCRATCH_FS_H_
#define STATELOG_TESTS_FAULT_SCRATCH_FS_H_

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace statelog::fault {

// From the kernel's fs/ext4/ext4.h (not exported to user space): take the
// file system down as a power cut would, without flushing its journal.
inline constexpr unsigned long kExt4IocShutdown = _IOR('X', 125, uint32_t);
inline constexpr uint32_t kExt4GoingFlagsNoLogFlush = 0x2;

inline absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

inline uint64_t FreeBytes(const std::string& path) {
  struct statvfs st;
  if (statvfs(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

// An ext4 file system on a loop device over an unlinked sparse file in
// /dev/shm, mounted at a directory the caller owns. The loop device is
// attached with autoclear: it detaches once neither this object nor a mount
// holds it, so nothing is left behind even if the process dies.
class Ext4Image {
 public:
  Ext4Image() = default;
  ~Ext4Image() {
    if (mounted_) umount2(mount_point_.c_str(), MNT_DETACH);
    if (loop_fd_ >= 0) close(loop_fd_);
  }
  Ext4Image(const Ext4Image&) = delete;
  Ext4Image& operator=(const Ext4Image&) = delete;

  // Creates the file system (`bytes` big, blocks of `block_size`, no blocks
  // reserved for root) and mounts it at `mount_point`.
  absl::Status Create(uint64_t bytes, int block_size,
                      const std::string& mount_point) {
    mount_point_ = mount_point;
    std::string image = "/dev/shm/statelog-ext4-XXXXXX";
    const int backing = mkstemp(image.data());
    if (backing < 0) return Errno("mkstemp in /dev/shm");
    unlink(image.c_str());
    absl::Status s = ftruncate(backing, static_cast<off_t>(bytes)) == 0
                         ? Attach(backing)
                         : Errno("ftruncate");
    close(backing);
    if (!s.ok()) return s;
    const std::string blocks = std::to_string(block_size);
    const char* argv[] = {"mkfs.ext4",
                          "-q",
                          "-F",
                          "-b",
                          blocks.c_str(),
                          "-m",
                          "0",
                          "-E",
                          "lazy_itable_init=0,lazy_journal_init=0",
                          device_.c_str(),
                          nullptr};
    absl::StatusOr<int> made = Run(argv, /*quiet=*/false);
    if (!made.ok()) return made.status();
    if (*made != 0) {
      return absl::InternalError(
          absl::StrCat("mkfs.ext4 failed (exit ", *made, ")"));
    }
    return Mount();
  }

  // The power cut: no later write reaches the device, and what the ext4
  // journal had not committed is lost.
  absl::Status Cut() {
    const int fd = open(mount_point_.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return Errno("open " + mount_point_);
    uint32_t flags = kExt4GoingFlagsNoLogFlush;
    const int r = ioctl(fd, kExt4IocShutdown, &flags);
    const int err = errno;
    close(fd);
    errno = err;
    return r == 0 ? absl::OkStatus() : Errno("EXT4_IOC_SHUTDOWN");
  }

  // True for the errors every call on the file system gets after Cut().
  static bool IsCutError(const absl::Status& status) {
    return absl::StrContains(status.message(), "Input/output error") ||
           absl::StrContains(status.message(), "Read-only file system");
  }

  // After a cut: unmount, check and mount again, as the next boot would:
  // e2fsck replays the ext4 journal and repairs what it must (-f -y), then
  // the mount. Without the check, writes after some restarts failed with
  // EUCLEAN/EBADMSG ("bad block bitmap checksum" in the kernel log): after
  // EXT4_IOC_SHUTDOWN the kernel this was written on leaves, now and then,
  // a block or inode bitmap that does not match its checksum, whatever the
  // program did. Most repairs are the free block/inode counters, which
  // ext4 does not journal. repairs() counts the restarts where e2fsck
  // changed anything. REQUIRES: no file of the file system is open.
  absl::Status Restart() {
    if (umount2(mount_point_.c_str(), 0) != 0) return Errno("umount");
    mounted_ = false;
    const char* argv[] = {"e2fsck", "-f", "-y", device_.c_str(), nullptr};
    absl::StatusOr<int> code = Run(argv, /*quiet=*/true);
    if (!code.ok()) return code.status();
    // 0: clean; 1, 2: errors corrected; 4 and up: not corrected.
    if (*code >= 4) {
      return absl::InternalError(absl::StrCat("e2fsck could not repair ",
                                              device_, " after a cut (exit ",
                                              *code, ")"));
    }
    ++restarts_;
    if (*code != 0) ++repairs_;
    return Mount();
  }

  int restarts() const { return restarts_; }
  int repairs() const { return repairs_; }

  const std::string& device() const { return device_; }

 private:
  absl::Status Attach(int backing) {
    const int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (control < 0) return Errno("open /dev/loop-control");
    absl::Status s = absl::UnavailableError("no free loop device");
    // Another process may take the free device between the two calls.
    for (int attempt = 0; attempt < 20 && loop_fd_ < 0; ++attempt) {
      const int index = ioctl(control, LOOP_CTL_GET_FREE);
      if (index < 0) {
        s = Errno("LOOP_CTL_GET_FREE");
        break;
      }
      device_ = absl::StrCat("/dev/loop", index);
      const int fd = open(device_.c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) {
        s = Errno("open " + device_);
        break;
      }
      struct loop_config config;
      std::memset(&config, 0, sizeof(config));
      config.fd = static_cast<uint32_t>(backing);
      config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
      if (ioctl(fd, LOOP_CONFIGURE, &config) == 0) {
        loop_fd_ = fd;
        s = absl::OkStatus();
      } else {
        s = Errno("LOOP_CONFIGURE " + device_);
        close(fd);
        if (errno != EBUSY) break;
      }
    }
    close(control);
    return s;
  }

  absl::Status Mount() {
    if (mount(device_.c_str(), mount_point_.c_str(), "ext4", 0, "") != 0) {
      return Errno("mount ext4 " + device_ + " at " + mount_point_);
    }
    mounted_ = true;
    return absl::OkStatus();
  }

  // Runs a program found on PATH or in the sbin directories (which a
  // non-login PATH may lack), its output to stderr (or nowhere if `quiet`),
  // and returns its exit code.
  static absl::StatusOr<int> Run(const char* const argv[], bool quiet) {
    const pid_t pid = fork();
    if (pid < 0) return Errno("fork");
    if (pid == 0) {
      if (quiet) {
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, STDERR_FILENO);
      }
      dup2(STDERR_FILENO, STDOUT_FILENO);
      char* const* args = const_cast<char* const*>(argv);
      execvp(argv[0], args);
      execv(absl::StrCat("/usr/sbin/", argv[0]).c_str(), args);
      execv(absl::StrCat("/sbin/", argv[0]).c_str(), args);
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
      return absl::UnavailableError(absl::StrCat(
          argv[0], " not found on PATH (Debian: apt-get install e2fsprogs)"));
    }
    if (!WIFEXITED(status)) {
      return absl::InternalError(
          absl::StrCat(argv[0], " did not exit (status ", status, ")"));
    }
    return WEXITSTATUS(status);
  }

  std::string mount_point_;
  std::string device_;
  int loop_fd_ = -1;
  bool mounted_ = false;
  int restarts_ = 0;
  int repairs_ = 0;
};

// Mounts a tmpfs of `bytes` at `mount_point`; it goes away with the mount
// namespace.
inline absl::Status MountTmpfs(const std::string& mount_point, uint64_t bytes) {
  const std::string data = absl::StrCat("size=", bytes, ",mode=0700");
  if (mount("tmpfs", mount_point.c_str(), "tmpfs", 0, data.c_str()) != 0) {
    return Errno("mount tmpfs at " + mount_point);
  }
  return absl::OkStatus();
}

// A file that takes up all but a chosen number of the free bytes of its file
// system (fallocate, so it costs no writing).
class Ballast {
 public:
  explicit Ballast(std::string path) : path_(std::move(path)) {}
  ~Ballast() { Remove(); }
  Ballast(const Ballast&) = delete;
  Ballast& operator=(const Ballast&) = delete;

  // Grows or shrinks the ballast until exactly `free` bytes are free for
  // others, or as close as the file system's allocation allows. Returns the
  // free bytes left.
  uint64_t LeaveFree(uint64_t free) {
    const int fd = open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return FreeBytes(Dir());
    // A few rounds: the ballast's own metadata (extent blocks) takes space.
    for (int round = 0; round < 8; ++round) {
      const uint64_t now = FreeBytes(Dir());
      if (now == free) break;
      const off_t size = lseek(fd, 0, SEEK_END);
      if (now > free) {
        if (fallocate(fd, 0, size, static_cast<off_t>(now - free)) != 0 &&
            errno != ENOSPC) {
          break;
        }
      } else {
        const uint64_t less = free - now;
        if (ftruncate(fd, size > static_cast<off_t>(less)
                              ? size - static_cast<off_t>(less)
                              : 0) != 0) {
          break;
        }
      }
    }
    close(fd);
    return FreeBytes(Dir());
  }

  void Remove() { unlink(path_.c_str()); }

 private:
  std::string Dir() const { return path_.substr(0, path_.rfind('/')); }
  std::string path_;
};

}  // namespace statelog::fault

#endif  // STATELOG_TESTS_FAULT_SCRATCH_FS_H_
