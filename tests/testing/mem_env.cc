// tests/testing/mem_env.cc

#include "tests/testing/mem_env.h"

#include "absl/strings/str_cat.h"
#include "tests/testing/in_memory_lock.h"

namespace statelog::testing {
namespace {

std::pair<std::string, std::string> Split(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return {".", path};
  if (slash == 0) return {"/", path.substr(1)};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

class MemFile : public File {
 public:
  MemFile(MemEnv* env, std::shared_ptr<MemEnv::Inode> inode, std::string path,
          bool writable)
      : env_(env),
        inode_(std::move(inode)),
        path_(std::move(path)),
        writable_(writable) {}

  absl::Status Write(uint64_t offset, absl::string_view data) override {
    if (!writable_) return absl::PermissionDeniedError("read-only " + path_);
    absl::Status fault = env_->Fault("write", path_);
    if (!fault.ok()) return fault;
    absl::MutexLock lock(&env_->mu_);
    std::string& d = inode_->data;
    if (d.size() < offset + data.size()) d.resize(offset + data.size(), '\0');
    d.replace(offset, data.size(), data.data(), data.size());
    return absl::OkStatus();
  }
  absl::Status Read(uint64_t offset, size_t n, std::string* out) override {
    absl::Status fault = env_->Fault("read", path_);
    if (!fault.ok()) return fault;
    absl::MutexLock lock(&env_->mu_);
    const std::string& d = inode_->data;
    if (offset >= d.size()) {
      out->clear();
    } else {
      *out = d.substr(offset, n);
    }
    return absl::OkStatus();
  }
  absl::Status Sync() override {
    absl::Status fault = env_->Fault("sync", path_);
    if (!fault.ok()) return fault;
    absl::MutexLock lock(&env_->mu_);
    inode_->durable = inode_->data;
    return absl::OkStatus();
  }
  // Changes nothing durable (only Sync does); a fault hook sees it as
  // "writeback".
  absl::Status WriteBack(uint64_t, uint64_t) override {
    return env_->Fault("writeback", path_);
  }
  absl::StatusOr<uint64_t> Size() override {
    absl::MutexLock lock(&env_->mu_);
    return inode_->data.size();
  }
  absl::Status Truncate(uint64_t size) override {
    absl::Status fault = env_->Fault("write", path_);
    if (!fault.ok()) return fault;
    absl::MutexLock lock(&env_->mu_);
    inode_->data.resize(size, '\0');
    return absl::OkStatus();
  }
  absl::Status Close() override { return absl::OkStatus(); }
  const std::string& path() const override { return path_; }

 private:
  MemEnv* env_;
  std::shared_ptr<MemEnv::Inode> inode_;
  std::string path_;
  bool writable_;
};

MemEnv::MemEnv() {
  absl::MutexLock lock(&mu_);
  dirs_["/"];
}

absl::Status MemEnv::Fault(const std::string& op,
                           const std::string& path) const {
  FaultHook hook;
  {
    absl::MutexLock lock(&mu_);
    hook = hook_;
  }
  return hook ? hook(op, path) : absl::OkStatus();
}

void MemEnv::set_fault_hook(FaultHook hook) {
  absl::MutexLock lock(&mu_);
  hook_ = std::move(hook);
}

absl::StatusOr<std::unique_ptr<File>> MemEnv::OpenFile(const std::string& path,
                                                       OpenMode mode) {
  auto [dir, name] = Split(path);
  if (mode == OpenMode::kCreateExclusive) {
    absl::Status fault = Fault("create", path);
    if (!fault.ok()) return fault;
  }
  absl::MutexLock lock(&mu_);
  auto d = dirs_.find(dir);
  if (d == dirs_.end()) return absl::NotFoundError("no directory " + dir);
  auto it = d->second.live.find(name);
  if (mode == OpenMode::kCreateExclusive) {
    if (it != d->second.live.end()) return absl::AlreadyExistsError(path);
    auto inode = std::make_shared<Inode>();
    d->second.live[name] = inode;
    return std::unique_ptr<File>(new MemFile(this, inode, path, true));
  }
  if (it == d->second.live.end()) return absl::NotFoundError("open " + path);
  return std::unique_ptr<File>(
      new MemFile(this, it->second, path, mode == OpenMode::kReadWrite));
}

absl::StatusOr<std::vector<std::string>> MemEnv::ListDir(
    const std::string& dir) {
  absl::MutexLock lock(&mu_);
  auto d = dirs_.find(dir);
  if (d == dirs_.end()) return absl::NotFoundError("no directory " + dir);
  std::vector<std::string> names;
  for (const auto& [name, inode] : d->second.live) names.push_back(name);
  for (const auto& [path, unused] : dirs_) {
    auto [parent, name] = Split(path);
    if (parent == dir) names.push_back(name);
  }
  return names;
}

absl::Status MemEnv::CreateDir(const std::string& dir) {
  absl::MutexLock lock(&mu_);
  dirs_[dir];
  return absl::OkStatus();
}

absl::Status MemEnv::CheckDir(const std::string& dir) {
  absl::MutexLock lock(&mu_);
  return dirs_.count(dir) ? absl::OkStatus()
                          : absl::NotFoundError("no directory " + dir);
}

absl::Status MemEnv::CheckFile(const std::string& path) {
  auto [dir, name] = Split(path);
  absl::MutexLock lock(&mu_);
  auto d = dirs_.find(dir);
  if (d == dirs_.end() || !d->second.live.count(name)) {
    return absl::NotFoundError(path);
  }
  return absl::OkStatus();
}

absl::Status MemEnv::Rename(const std::string& from, const std::string& to) {
  absl::Status fault = Fault("rename", to);
  if (!fault.ok()) return fault;
  auto [fdir, fname] = Split(from);
  auto [tdir, tname] = Split(to);
  absl::MutexLock lock(&mu_);
  auto fd = dirs_.find(fdir);
  auto td = dirs_.find(tdir);
  if (fd == dirs_.end() || td == dirs_.end() || !fd->second.live.count(fname)) {
    return absl::NotFoundError("rename " + from);
  }
  auto inode = fd->second.live[fname];
  fd->second.live.erase(fname);
  td->second.live[tname] = inode;
  return absl::OkStatus();
}

absl::Status MemEnv::RemoveFile(const std::string& path) {
  absl::Status fault = Fault("remove", path);
  if (!fault.ok()) return fault;
  auto [dir, name] = Split(path);
  absl::MutexLock lock(&mu_);
  auto d = dirs_.find(dir);
  if (d == dirs_.end() || d->second.live.erase(name) == 0) {
    return absl::NotFoundError("unlink " + path);
  }
  return absl::OkStatus();
}

absl::Status MemEnv::SyncDir(const std::string& dir) {
  absl::Status fault = Fault("syncdir", dir);
  if (!fault.ok()) return fault;
  absl::MutexLock lock(&mu_);
  auto d = dirs_.find(dir);
  if (d == dirs_.end()) return absl::NotFoundError("no directory " + dir);
  d->second.durable = d->second.live;
  return absl::OkStatus();
}

bool MemEnv::MayBeLocked(const std::string& path) {
  absl::MutexLock lock(&mu_);
  return locked_.count(path) > 0;
}

absl::StatusOr<std::unique_ptr<FileLock>> MemEnv::LockFile(
    const std::string& path, const std::string& holder) {
  absl::MutexLock lock(&mu_);
  if (!locked_.insert(path).second) {
    return absl::FailedPreconditionError("store is locked by another opener (" +
                                         path + ")");
  }
  (void)holder;
  return std::unique_ptr<FileLock>(new InMemoryLock(&mu_, &locked_, path));
}

std::unique_ptr<MemEnv> MemEnv::Image(bool power_cut) const {
  auto image = std::make_unique<MemEnv>();
  absl::MutexLock lock(&mu_);
  // One fresh inode per original, so a file under both a live and a durable
  // name stays one file in the image.
  std::map<const Inode*, std::shared_ptr<Inode>> fresh;
  auto copy_of = [&](const std::shared_ptr<Inode>& inode) {
    std::shared_ptr<Inode>& f = fresh[inode.get()];
    if (f == nullptr) {
      f = std::make_shared<Inode>();
      // A power cut keeps only synced bytes. A process crash keeps what was
      // written, but it is no more durable than it was.
      f->data = power_cut ? inode->durable : inode->data;
      f->durable = inode->durable;
    }
    return f;
  };
  for (const auto& [path, dir] : dirs_) {
    Dir& copy = image->dirs_[path];
    for (const auto& [name, inode] : power_cut ? dir.durable : dir.live) {
      copy.live[name] = copy_of(inode);
    }
    for (const auto& [name, inode] : dir.durable) {
      copy.durable[name] = copy_of(inode);
    }
  }
  return image;
}

std::unique_ptr<MemEnv> MemEnv::CrashImage() const { return Image(true); }
std::unique_ptr<MemEnv> MemEnv::ProcessCrashImage() const {
  return Image(false);
}

bool MemEnv::GetFile(const std::string& path, std::string* data) const {
  auto [dir, name] = Split(path);
  absl::MutexLock lock(&mu_);
  auto d = dirs_.find(dir);
  if (d == dirs_.end()) return false;
  auto it = d->second.live.find(name);
  if (it == d->second.live.end()) return false;
  *data = it->second->data;
  return true;
}

void MemEnv::PutFile(const std::string& path, const std::string& data) {
  auto [dir, name] = Split(path);
  absl::MutexLock lock(&mu_);
  auto inode = std::make_shared<Inode>();
  inode->data = inode->durable = data;
  dirs_[dir].live[name] = inode;
  dirs_[dir].durable[name] = inode;
}

}  // namespace statelog::testing
