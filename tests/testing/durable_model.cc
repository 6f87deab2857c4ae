// tests/testing/durable_model.cc

#include "tests/testing/durable_model.h"

#include <algorithm>
#include <functional>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"

namespace statelog::testing {
namespace {

void ApplyData(const FsOp& op, std::string* d) {
  if (op.kind == FsOpKind::kTruncate) {
    d->resize(op.offset, '\0');
    return;
  }
  const uint64_t end = op.offset + op.data.size();
  if (d->size() < end) d->resize(end, '\0');
  d->replace(op.offset, op.data.size(), op.data);
}

// Sectors are atomic: each one the write touches holds either the new bytes
// or what `fill` says, but only within the range the write covers (bytes
// of the sector outside it were not being written). A sector rewritten with
// the bytes it already durably holds keeps them whatever its fate: the
// device writes a sector whole, old or new, and here both are the same
// (statelog rewrites the unproven journal tail in place at open,
// docs/recovery.md).
void ApplyTorn(const FsOp& op, const DurableModel::TornWrite& torn,
               std::string* d) {
  const uint64_t old_size = d->size();
  const uint64_t end = op.offset + op.data.size();
  const uint64_t first = op.offset / kSectorSize;
  uint64_t size = d->size();
  if (torn.fill != DurableModel::TornFill::kOld) size = std::max(size, end);
  for (size_t i = 0; i < torn.persisted.size(); ++i) {
    if (torn.persisted[i]) {
      size = std::max(size, std::min(end, (first + i + 1) * kSectorSize));
    }
  }
  d->resize(size, '\0');
  std::mt19937_64 garbage(torn.garbage_seed);
  for (size_t i = 0; i < torn.persisted.size(); ++i) {
    const uint64_t lo = std::max(op.offset, (first + i) * kSectorSize);
    const uint64_t hi = std::min(end, (first + i + 1) * kSectorSize);
    if (lo >= hi) continue;
    if (torn.persisted[i]) {
      d->replace(lo, hi - lo, op.data, lo - op.offset, hi - lo);
      continue;
    }
    if (hi <= old_size &&
        d->compare(lo, hi - lo, op.data, lo - op.offset, hi - lo) == 0) {
      continue;
    }
    switch (torn.fill) {
      case DurableModel::TornFill::kOld:
        break;
      case DurableModel::TornFill::kZero:
        std::fill(d->begin() + lo, d->begin() + hi, '\0');
        break;
      case DurableModel::TornFill::kGarbage:
        for (uint64_t j = lo; j < hi; ++j)
          (*d)[j] = static_cast<char>(garbage());
        break;
    }
  }
}

bool Touches(const FsOp& op, const std::string& dir) {
  if (SplitPath(op.path).first == dir) return true;
  return op.kind == FsOpKind::kRename && SplitPath(op.to).first == dir;
}

void Walk(const std::map<std::string, std::map<std::string, int>>& entries,
          const std::string& dir,
          const std::function<const std::string&(int)>& content,
          FsImage* image) {
  auto it = entries.find(dir);
  if (it == entries.end()) return;
  for (const auto& [name, inode] : it->second) {
    const std::string path = ChildPath(dir, name);
    if (inode == kDirInode) {
      image->dirs.insert(path);
      Walk(entries, path, content, image);
    } else {
      image->files[path] = content(inode);
    }
  }
}

}  // namespace

const char* FsOpName(FsOpKind kind) {
  switch (kind) {
    case FsOpKind::kCreate:
      return "create";
    case FsOpKind::kMkdir:
      return "mkdir";
    case FsOpKind::kWrite:
      return "write";
    case FsOpKind::kTruncate:
      return "truncate";
    case FsOpKind::kSync:
      return "fdatasync";
    case FsOpKind::kRename:
      return "rename";
    case FsOpKind::kRemove:
      return "remove";
    case FsOpKind::kSyncDir:
      return "fsync-dir";
    case FsOpKind::kOpen:
      return "open";
    case FsOpKind::kRead:
      return "read";
    case FsOpKind::kSize:
      return "size";
    case FsOpKind::kClose:
      return "close";
    case FsOpKind::kList:
      return "list";
    case FsOpKind::kStat:
      return "stat";
    case FsOpKind::kLock:
      return "lock";
  }
  return "?";
}

bool IsDataOp(FsOpKind kind) {
  return kind == FsOpKind::kWrite || kind == FsOpKind::kTruncate;
}

bool IsNameOp(FsOpKind kind) {
  return kind == FsOpKind::kCreate || kind == FsOpKind::kMkdir ||
         kind == FsOpKind::kRename || kind == FsOpKind::kRemove;
}

std::string FsOp::Describe() const {
  std::string s = absl::StrCat(FsOpName(kind), " ", path);
  if (kind == FsOpKind::kRename) absl::StrAppend(&s, " -> ", to);
  if (kind == FsOpKind::kWrite) {
    absl::StrAppend(&s, " @", offset, "+", data.size());
  }
  if (kind == FsOpKind::kTruncate) absl::StrAppend(&s, " to ", offset);
  if (failed) absl::StrAppend(&s, " (failed)");
  return s;
}

size_t SectorsTouched(uint64_t offset, uint64_t size) {
  if (size == 0) return 0;
  return (offset + size - 1) / kSectorSize - offset / kSectorSize + 1;
}

DurableModel::DurableModel(const FsImage& base) {
  for (const std::string& dir : base.dirs) {
    entries_[dir];
    if (dir != "/") {
      auto [parent, name] = SplitPath(dir);
      entries_[parent][name] = kDirInode;
    }
  }
  int inode = 0;
  for (const auto& [path, data] : base.files) {
    auto [dir, name] = SplitPath(path);
    entries_[dir][name] = inode;
    data_[inode] = data;
    live_[inode] = data;
    ++inode;
  }
}

void DurableModel::ApplyName(const FsOp& op, Fate fate, Entries* entries) {
  auto [dir, name] = SplitPath(op.path);
  switch (op.kind) {
    case FsOpKind::kCreate:
      (*entries)[dir][name] = op.inode;
      break;
    case FsOpKind::kMkdir:
      (*entries)[dir][name] = kDirInode;
      (*entries)[op.path];
      break;
    case FsOpKind::kRename: {
      auto [to_dir, to_name] = SplitPath(op.to);
      (*entries)[to_dir][to_name] = op.inode;
      if (fate == Fate::kBothNames) break;
      auto& from = (*entries)[dir];
      auto it = from.find(name);
      if (it != from.end() && it->second == op.inode) from.erase(it);
      break;
    }
    case FsOpKind::kRemove: {
      auto& from = (*entries)[dir];
      auto it = from.find(name);
      if (it != from.end() && it->second == op.inode) from.erase(it);
      break;
    }
    default:
      break;
  }
}

void DurableModel::Advance(const std::vector<FsOp>& log, size_t index) {
  const FsOp& op = log[index];
  if (IsDataOp(op.kind)) ApplyData(op, &live_[op.inode]);
  if (IsDataOp(op.kind) || IsNameOp(op.kind)) {
    pending_.push_back(index);
    return;
  }
  if (op.kind == FsOpKind::kSyncDir && op.failed) return;  // stays pending
  auto covered = [&](size_t p) {
    const FsOp& q = log[p];
    if (op.kind == FsOpKind::kSync) {
      return IsDataOp(q.kind) && q.inode == op.inode;
    }
    return op.kind == FsOpKind::kSyncDir && IsNameOp(q.kind) &&
           Touches(q, op.path);
  };
  std::vector<size_t> still;
  std::set<uint64_t> pages;  // written back by this fdatasync
  bool truncated = false;
  for (size_t p : pending_) {
    if (!covered(p)) {
      still.push_back(p);
      continue;
    }
    const FsOp& q = log[p];
    if (IsNameOp(q.kind)) {
      ApplyName(q, Fate::kPersisted, &entries_);
      continue;
    }
    if (op.failed) continue;  // dropped: the page is clean, never written
    if (q.kind == FsOpKind::kTruncate) {
      truncated = true;
    } else if (!q.data.empty()) {
      for (uint64_t page = q.offset / kPageSize;
           page <= (q.offset + q.data.size() - 1) / kPageSize; ++page) {
        pages.insert(page);
      }
    }
  }
  pending_ = std::move(still);
  if (op.kind != FsOpKind::kSync || op.failed) return;
  const std::string& live = live_[op.inode];
  std::string& durable = data_[op.inode];
  if (truncated) durable.resize(live.size(), '\0');
  for (uint64_t page : pages) {
    const uint64_t lo = page * kPageSize;
    const uint64_t hi = std::min<uint64_t>(lo + kPageSize, live.size());
    if (lo >= hi) continue;
    if (durable.size() < hi) durable.resize(hi, '\0');
    durable.replace(lo, hi - lo, live, lo, hi - lo);
  }
}

FsImage DurableModel::Materialize(const std::vector<FsOp>& log,
                                  const std::vector<Fate>& fates,
                                  const TornWrite* torn) const {
  std::map<int, std::string> touched;
  Entries entries = entries_;
  auto data = [&](int inode) -> std::string& {
    auto it = touched.find(inode);
    if (it != touched.end()) return it->second;
    auto d = data_.find(inode);
    return touched[inode] = d == data_.end() ? std::string() : d->second;
  };
  for (size_t k = 0; k < pending_.size() && k < fates.size(); ++k) {
    const Fate fate = fates[k];
    if (fate == Fate::kLost) continue;
    const FsOp& op = log[pending_[k]];
    if (IsDataOp(op.kind)) {
      if (fate == Fate::kTorn && torn != nullptr) {
        ApplyTorn(op, *torn, &data(op.inode));
      } else {
        ApplyData(op, &data(op.inode));
      }
    } else {
      ApplyName(op, fate, &entries);
    }
  }
  static const std::string kEmpty;
  std::function<const std::string&(int)> content =
      [&](int inode) -> const std::string& {
    auto it = touched.find(inode);
    if (it != touched.end()) return it->second;
    auto d = data_.find(inode);
    return d == data_.end() ? kEmpty : d->second;
  };
  FsImage image;
  Walk(entries, "/", content, &image);
  return image;
}

}  // namespace statelog::testing
