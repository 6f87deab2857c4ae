// bench/compare/floor_contestant.cc
//
// The paired floor: what one durable append costs on this disk right now.
// Each Setup starts a fresh file, so every measurement appends to a file
// that grows (each fdatasync also commits the new file size), exactly the
// cost a naive write-ahead log pays.

#include <fcntl.h>
#include <unistd.h>

#include <mutex>

#include "bench/compare/contestant.h"
#include "bench/compare/posix_file.h"

namespace statelog::bench {
namespace {

constexpr size_t kRecordBytes = 128;

class Floor : public Contestant {
 public:
  std::string name() const override { return "floor"; }
  bool durable() const override { return true; }

  absl::Status Setup(const std::string& dir, int) override {
    path_ = dir + "/floor.log";
    ::unlink(path_.c_str());
    fd_ = ::open(path_.c_str(),
                 O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) return ErrnoError("open " + path_);
    record_.assign(kRecordBytes - 1, 'r');
    record_ += '\n';
    return absl::OkStatus();
  }

  absl::Status Update(const UpdateContext&, int, const Value&) override {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Status s = WriteAll(fd_, record_, "append " + path_);
    if (s.ok() && ::fdatasync(fd_) != 0) s = ErrnoError("fdatasync " + path_);
    return s;
  }

  absl::Status Close() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    ::unlink(path_.c_str());
    return absl::OkStatus();
  }

 private:
  std::mutex mu_;
  std::string path_;
  std::string record_;
  int fd_ = -1;
};

}  // namespace

std::unique_ptr<Contestant> NewFloor() { return std::make_unique<Floor>(); }

}  // namespace statelog::bench
