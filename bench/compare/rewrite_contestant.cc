// bench/compare/rewrite_contestant.cc
//
// The pattern statelog replaces, done the careful way: per update, read the
// whole JSON state file, parse it, change one key, serialize, write a temp
// file, fsync it, rename it over the original. One lock serializes the
// writers, since without it concurrent updates are lost. The directory is
// not fsync'ed after the rename, as most hand-written versions do not; that
// is the cheaper (and weaker) variant.

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <exception>
#include <mutex>

#include "bench/compare/contestant.h"
#include "bench/compare/posix_file.h"

namespace statelog::bench {
namespace {

class RewriteFile : public Contestant {
 public:
  std::string name() const override { return "rewrite-file"; }
  bool durable() const override { return true; }

  absl::Status Setup(const std::string& dir, int keys) override {
    path_ = dir + "/rewrite-state.json";
    temp_ = path_ + ".tmp";
    keys_ = KeyNames(keys);
    return Publish(MakeState(keys).dump());
  }

  absl::Status Update(const UpdateContext& ctx, int key,
                      const Value& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (Clock::now() >= ctx.deadline) {
      return absl::CancelledError("deadline passed while waiting");
    }
    std::string text;
    absl::Status s = ReadWholeFile(path_, &text);
    if (!s.ok()) return s;
    try {
      Json state = Json::parse(text);
      state[keys_[static_cast<size_t>(key)]] = value.json;
      text = state.dump();
    } catch (const std::exception& e) {
      return absl::DataLossError(path_ + ": " + e.what());
    }
    return Publish(text);
  }

  absl::Status Close() override { return absl::OkStatus(); }

 private:
  absl::Status Publish(const std::string& text) {
    int fd =
        ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return ErrnoError("open " + temp_);
    absl::Status s = WriteAll(fd, text, "write " + temp_);
    if (s.ok() && ::fsync(fd) != 0) s = ErrnoError("fsync " + temp_);
    ::close(fd);
    if (s.ok() && ::rename(temp_.c_str(), path_.c_str()) != 0) {
      s = ErrnoError("rename " + temp_);
    }
    return s;
  }

  std::mutex mu_;
  std::string path_;
  std::string temp_;
  std::vector<std::string> keys_;
};

}  // namespace

std::unique_ptr<Contestant> NewRewriteFile() {
  return std::make_unique<RewriteFile>();
}

}  // namespace statelog::bench
