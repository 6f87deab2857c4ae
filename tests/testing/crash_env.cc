// tests/testing/crash_env.cc

#include "tests/testing/crash_env.h"

#include "absl/strings/str_cat.h"
#include "tests/testing/in_memory_lock.h"

namespace statelog::testing {

class CrashFile : public File {
 public:
  CrashFile(CrashEnv* env, int inode, std::string path, bool writable)
      : env_(env), inode_(inode), path_(std::move(path)), writable_(writable) {}

  absl::Status Write(uint64_t offset, absl::string_view data) override {
    if (!writable_) {
      return absl::InternalError(
          absl::StrCat("write ", path_, ": opened read-only"));
    }
    std::optional<FsFault> fault =
        env_->Call(FsOpKind::kWrite, path_, data.size());
    if (fault && !fault->status.ok()) {
      data = data.substr(0, std::min(fault->partial_bytes, data.size()));
    }
    if (!data.empty()) {
      absl::MutexLock lock(&env_->mu_);
      std::string& d = env_->inodes_[inode_];
      if (d.size() < offset + data.size()) d.resize(offset + data.size(), '\0');
      d.replace(offset, data.size(), data.data(), data.size());
      FsOp op;
      op.kind = FsOpKind::kWrite;
      op.path = path_;
      op.inode = inode_;
      op.offset = offset;
      op.data = std::string(data);
      env_->Record(std::move(op));
    }
    return fault ? fault->status : absl::OkStatus();
  }

  absl::Status Read(uint64_t offset, size_t n, std::string* out) override {
    std::optional<FsFault> fault = env_->Call(FsOpKind::kRead, path_, n);
    if (fault && !fault->status.ok()) return fault->status;
    absl::MutexLock lock(&env_->mu_);
    const std::string& d = env_->inodes_[inode_];
    if (offset >= d.size()) {
      out->clear();
    } else {
      *out = d.substr(offset, n);
    }
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    std::optional<FsFault> fault = env_->Call(FsOpKind::kSync, path_, 0);
    absl::MutexLock lock(&env_->mu_);
    FsOp op;
    op.kind = FsOpKind::kSync;
    op.path = path_;
    op.inode = inode_;
    op.failed = fault && (!fault->status.ok() || fault->drop);
    env_->Record(std::move(op));
    return fault ? fault->status : absl::OkStatus();
  }

  absl::StatusOr<uint64_t> Size() override {
    std::optional<FsFault> fault = env_->Call(FsOpKind::kSize, path_, 0);
    if (fault && !fault->status.ok()) return fault->status;
    absl::MutexLock lock(&env_->mu_);
    return env_->inodes_[inode_].size();
  }

  absl::Status Truncate(uint64_t size) override {
    if (!writable_) {
      return absl::InternalError(
          absl::StrCat("truncate ", path_, ": opened read-only"));
    }
    std::optional<FsFault> fault = env_->Call(FsOpKind::kTruncate, path_, 0);
    if (fault && !fault->status.ok()) return fault->status;
    absl::MutexLock lock(&env_->mu_);
    env_->inodes_[inode_].resize(size, '\0');
    FsOp op;
    op.kind = FsOpKind::kTruncate;
    op.path = path_;
    op.inode = inode_;
    op.offset = size;
    env_->Record(std::move(op));
    return absl::OkStatus();
  }

  absl::Status Close() override {
    std::optional<FsFault> fault = env_->Call(FsOpKind::kClose, path_, 0);
    return fault ? fault->status : absl::OkStatus();
  }

  const std::string& path() const override { return path_; }

 private:
  CrashEnv* env_;
  int inode_;
  std::string path_;
  bool writable_;
};

CrashEnv::CrashEnv(const FsImage& image) : base_(image), model_(image) {
  absl::MutexLock lock(&mu_);
  for (const std::string& dir : image.dirs) {
    dirs_[dir];
    if (dir != "/") {
      auto [parent, name] = SplitPath(dir);
      dirs_[parent].entries[name] = kDirInode;
    }
  }
  for (const auto& [path, data] : image.files) {
    auto [dir, name] = SplitPath(path);
    dirs_[dir].entries[name] = static_cast<int>(inodes_.size());
    inodes_.push_back(data);
  }
}

CrashEnv::CrashEnv(const FsImage& base, const std::vector<FsOp>& log, size_t n)
    : CrashEnv(base) {
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < n && i < log.size(); ++i) {
    const FsOp& op = log[i];
    auto [dir, name] = SplitPath(op.path);
    switch (op.kind) {
      case FsOpKind::kCreate:
        if (inodes_.size() <= static_cast<size_t>(op.inode)) {
          inodes_.resize(op.inode + 1);
        }
        dirs_[dir].entries[name] = op.inode;
        break;
      case FsOpKind::kMkdir:
        dirs_[dir].entries[name] = kDirInode;
        dirs_[op.path];
        break;
      case FsOpKind::kWrite: {
        std::string& d = inodes_[op.inode];
        if (d.size() < op.offset + op.data.size()) {
          d.resize(op.offset + op.data.size(), '\0');
        }
        d.replace(op.offset, op.data.size(), op.data);
        break;
      }
      case FsOpKind::kTruncate:
        inodes_[op.inode].resize(op.offset, '\0');
        break;
      case FsOpKind::kRename: {
        auto [to_dir, to_name] = SplitPath(op.to);
        dirs_[to_dir].entries[to_name] = op.inode;
        dirs_[dir].entries.erase(name);
        break;
      }
      case FsOpKind::kRemove:
        dirs_[dir].entries.erase(name);
        break;
      default:
        break;
    }
    Record(op);
  }
}

CrashEnv::~CrashEnv() = default;

std::optional<FsFault> CrashEnv::Call(FsOpKind kind, const std::string& path,
                                      size_t bytes) {
  FsFaultHook hook;
  FsCall call{kind, path, 0, bytes};
  {
    absl::MutexLock lock(&mu_);
    call.index = calls_++;
    hook = hook_;
  }
  if (!hook) return std::nullopt;
  return hook(call);
}

void CrashEnv::Record(FsOp op) {
  log_.push_back(std::move(op));
  model_.Advance(log_, log_.size() - 1);
}

absl::StatusOr<int> CrashEnv::FindFile(const std::string& path) const {
  auto [dir, name] = SplitPath(path);
  auto d = dirs_.find(dir);
  if (d == dirs_.end()) return absl::NotFoundError("no directory " + dir);
  auto it = d->second.entries.find(name);
  if (it == d->second.entries.end())
    return absl::NotFoundError("no file " + path);
  if (it->second == kDirInode) {
    return absl::FailedPreconditionError(path + " is not a regular file");
  }
  return it->second;
}

absl::StatusOr<std::unique_ptr<File>> CrashEnv::OpenFile(
    const std::string& path, OpenMode mode) {
  const bool create = mode == OpenMode::kCreateExclusive;
  std::optional<FsFault> fault =
      Call(create ? FsOpKind::kCreate : FsOpKind::kOpen, path, 0);
  if (fault && !fault->status.ok()) return fault->status;
  absl::MutexLock lock(&mu_);
  auto [dir, name] = SplitPath(path);
  auto d = dirs_.find(dir);
  if (d == dirs_.end())
    return absl::NotFoundError("open " + path + ": no directory");
  if (!create) {
    absl::StatusOr<int> inode = FindFile(path);
    if (!inode.ok()) return inode.status();
    return std::unique_ptr<File>(
        new CrashFile(this, *inode, path, mode == OpenMode::kReadWrite));
  }
  if (d->second.entries.count(name))
    return absl::AlreadyExistsError("open " + path);
  const int inode = static_cast<int>(inodes_.size());
  inodes_.emplace_back();
  d->second.entries[name] = inode;
  FsOp op;
  op.kind = FsOpKind::kCreate;
  op.path = path;
  op.inode = inode;
  Record(std::move(op));
  return std::unique_ptr<File>(new CrashFile(this, inode, path, true));
}

absl::StatusOr<std::vector<std::string>> CrashEnv::ListDir(
    const std::string& dir) {
  std::optional<FsFault> fault = Call(FsOpKind::kList, dir, 0);
  if (fault && !fault->status.ok()) return fault->status;
  absl::MutexLock lock(&mu_);
  auto d = dirs_.find(dir);
  if (d == dirs_.end()) return absl::NotFoundError("no directory " + dir);
  std::vector<std::string> names;
  for (const auto& [name, inode] : d->second.entries) names.push_back(name);
  return names;
}

absl::Status CrashEnv::CreateDir(const std::string& dir) {
  std::optional<FsFault> fault = Call(FsOpKind::kMkdir, dir, 0);
  if (fault && !fault->status.ok()) return fault->status;
  absl::MutexLock lock(&mu_);
  if (dirs_.count(dir)) return absl::OkStatus();
  auto [parent, name] = SplitPath(dir);
  auto p = dirs_.find(parent);
  if (p == dirs_.end())
    return absl::NotFoundError("mkdir " + dir + ": no parent");
  if (p->second.entries.count(name)) {
    return absl::FailedPreconditionError(dir + " is not a directory");
  }
  p->second.entries[name] = kDirInode;
  dirs_[dir];
  FsOp op;
  op.kind = FsOpKind::kMkdir;
  op.path = dir;
  Record(std::move(op));
  return absl::OkStatus();
}

absl::Status CrashEnv::CheckDir(const std::string& dir) {
  std::optional<FsFault> fault = Call(FsOpKind::kStat, dir, 0);
  if (fault && !fault->status.ok()) return fault->status;
  absl::MutexLock lock(&mu_);
  if (dirs_.count(dir)) return absl::OkStatus();
  if (FindFile(dir).ok())
    return absl::FailedPreconditionError(dir + " is not a directory");
  return absl::NotFoundError("no directory " + dir);
}

absl::Status CrashEnv::CheckFile(const std::string& path) {
  std::optional<FsFault> fault = Call(FsOpKind::kStat, path, 0);
  if (fault && !fault->status.ok()) return fault->status;
  absl::MutexLock lock(&mu_);
  return FindFile(path).status();
}

absl::Status CrashEnv::Rename(const std::string& from, const std::string& to) {
  std::optional<FsFault> fault = Call(FsOpKind::kRename, from, 0);
  if (fault && !fault->status.ok()) return fault->status;
  absl::MutexLock lock(&mu_);
  absl::StatusOr<int> inode = FindFile(from);
  if (!inode.ok()) return inode.status();
  if (from == to) return absl::OkStatus();
  auto [to_dir, to_name] = SplitPath(to);
  auto td = dirs_.find(to_dir);
  if (td == dirs_.end())
    return absl::NotFoundError("rename to " + to + ": no directory");
  auto existing = td->second.entries.find(to_name);
  if (existing != td->second.entries.end() && existing->second == kDirInode) {
    return absl::FailedPreconditionError("rename to " + to + ": a directory");
  }
  td->second.entries[to_name] = *inode;
  dirs_[SplitPath(from).first].entries.erase(SplitPath(from).second);
  FsOp op;
  op.kind = FsOpKind::kRename;
  op.path = from;
  op.to = to;
  op.inode = *inode;
  Record(std::move(op));
  return absl::OkStatus();
}

absl::Status CrashEnv::RemoveFile(const std::string& path) {
  std::optional<FsFault> fault = Call(FsOpKind::kRemove, path, 0);
  if (fault && !fault->status.ok()) return fault->status;
  absl::MutexLock lock(&mu_);
  absl::StatusOr<int> inode = FindFile(path);
  if (!inode.ok()) return inode.status();
  auto [dir, name] = SplitPath(path);
  dirs_[dir].entries.erase(name);
  FsOp op;
  op.kind = FsOpKind::kRemove;
  op.path = path;
  op.inode = *inode;
  Record(std::move(op));
  return absl::OkStatus();
}

absl::Status CrashEnv::SyncDir(const std::string& dir) {
  std::optional<FsFault> fault = Call(FsOpKind::kSyncDir, dir, 0);
  absl::MutexLock lock(&mu_);
  if (!dirs_.count(dir)) return absl::NotFoundError("no directory " + dir);
  FsOp op;
  op.kind = FsOpKind::kSyncDir;
  op.path = dir;
  op.failed = fault && (!fault->status.ok() || fault->drop);
  Record(std::move(op));
  return fault ? fault->status : absl::OkStatus();
}

bool CrashEnv::MayBeLocked(const std::string& path) {
  absl::MutexLock lock(&mu_);
  return locked_.count(path) > 0;
}

absl::StatusOr<std::unique_ptr<FileLock>> CrashEnv::LockFile(
    const std::string& path, const std::string& holder) {
  (void)holder;
  std::optional<FsFault> fault = Call(FsOpKind::kLock, path, 0);
  if (fault && !fault->status.ok()) return fault->status;
  absl::MutexLock lock(&mu_);
  if (!dirs_.count(SplitPath(path).first))
    return absl::NotFoundError("lock " + path);
  if (!locked_.insert(path).second) {
    return absl::FailedPreconditionError("store is locked by another opener (" +
                                         path + ")");
  }
  return std::unique_ptr<FileLock>(new InMemoryLock(&mu_, &locked_, path));
}

FsImage CrashEnv::DurableImage() const {
  absl::MutexLock lock(&mu_);
  return model_.Materialize(log_, {}, nullptr);
}

FsImage CrashEnv::LiveImage() const {
  absl::MutexLock lock(&mu_);
  FsImage image;
  std::function<void(const std::string&)> walk = [&](const std::string& dir) {
    auto d = dirs_.find(dir);
    if (d == dirs_.end()) return;
    for (const auto& [name, inode] : d->second.entries) {
      const std::string path = ChildPath(dir, name);
      if (inode == kDirInode) {
        image.dirs.insert(path);
        walk(path);
      } else {
        image.files[path] = inodes_[inode];
      }
    }
  };
  walk("/");
  return image;
}

std::vector<FsOp> CrashEnv::log() const {
  absl::MutexLock lock(&mu_);
  return log_;
}

size_t CrashEnv::log_size() const {
  absl::MutexLock lock(&mu_);
  return log_.size();
}

uint64_t CrashEnv::call_count() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

void CrashEnv::set_fault_hook(FsFaultHook hook) {
  absl::MutexLock lock(&mu_);
  hook_ = std::move(hook);
}

}  // namespace statelog::testing
