// tests/testing/fault_plan.cc

#include "tests/testing/fault_plan.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "util/file_names.h"

namespace statelog::testing {
namespace {

absl::Status ErrorStatus(FaultError error, const FsCall& call) {
  const std::string where = absl::StrCat(FsOpName(call.kind), " ", call.path,
                                         " (call ", call.index, ")");
  if (error == FaultError::kEio) {
    return absl::InternalError(
        absl::StrCat(where, ": Input/output error (errno 5, injected)"));
  }
  return absl::ResourceExhaustedError(
      absl::StrCat(where, ": No space left on device (errno 28, injected)"));
}

}  // namespace

const char* FaultErrorName(FaultError error) {
  switch (error) {
    case FaultError::kEio:
      return "EIO";
    case FaultError::kEnospc:
      return "ENOSPC";
    case FaultError::kShortWrite:
      return "short write";
  }
  return "?";
}

const char* SyncTargetName(SyncTarget target) {
  switch (target) {
    case SyncTarget::kJournal:
      return "journal";
    case SyncTarget::kSnapshot:
      return "snapshot";
    case SyncTarget::kDirectory:
      return "directory";
    case SyncTarget::kOther:
      return "other";
  }
  return "?";
}

SyncTarget ClassifySync(const FsCall& call) {
  if (call.kind == FsOpKind::kSyncDir) return SyncTarget::kDirectory;
  const std::string name = BaseName(call.path);
  if (absl::StartsWith(name, "wal-")) return SyncTarget::kJournal;
  if (absl::StartsWith(name, "snapshot-") && absl::EndsWith(name, ".tmp")) {
    return SyncTarget::kSnapshot;
  }
  return SyncTarget::kOther;
}

bool Applies(FaultError error, FsOpKind kind) {
  switch (error) {
    case FaultError::kEio:
      return true;
    case FaultError::kEnospc:
      return kind == FsOpKind::kWrite || kind == FsOpKind::kTruncate ||
             kind == FsOpKind::kCreate || kind == FsOpKind::kMkdir ||
             kind == FsOpKind::kRename || kind == FsOpKind::kSync ||
             kind == FsOpKind::kSyncDir || kind == FsOpKind::kLock;
    case FaultError::kShortWrite:
      return kind == FsOpKind::kWrite;
  }
  return false;
}

FaultPlan FaultPlan::AtCall(uint64_t index, FaultError error, bool sticky) {
  FaultPlan plan;
  plan.index_ = index;
  plan.error_ = error;
  plan.sticky_ = sticky;
  return plan;
}

FaultPlan FaultPlan::AtSync(SyncTarget target, uint64_t k) {
  FaultPlan plan;
  plan.by_sync_ = true;
  plan.target_ = target;
  plan.index_ = k;
  return plan;
}

FsFaultHook FaultPlan::Hook() {
  return [this](const FsCall& call) { return Decide(call); };
}

std::optional<FsFault> FaultPlan::Decide(const FsCall& call) {
  if (!armed_) return std::nullopt;
  bool hit = false;
  if (fired_ && sticky_) {
    hit = true;
  } else if (by_sync_) {
    if ((call.kind == FsOpKind::kSync || call.kind == FsOpKind::kSyncDir) &&
        ClassifySync(call) == target_) {
      hit = syncs_seen_++ == index_;
    }
  } else {
    hit = call.index == index_;
  }
  if (!hit) return std::nullopt;
  if (!fired_) fired_ = call;
  // A sticky fault fails everything after it with EIO or ENOSPC, whatever
  // the call: the disk is gone or full.
  FaultError error = error_;
  if (error == FaultError::kShortWrite && call.kind != FsOpKind::kWrite) {
    error = FaultError::kEnospc;
  }
  FsFault fault;
  fault.status = ErrorStatus(error, call);
  if (error == FaultError::kShortWrite) fault.partial_bytes = call.bytes / 2;
  return fault;
}

bool FaultPlan::MustPoison() const {
  if (!fired_) return false;
  if (BaseName(fired_->path) == internal::kSpareSegmentName) return false;
  if (fired_->kind == FsOpKind::kSync || fired_->kind == FsOpKind::kSyncDir) {
    return true;
  }
  return (fired_->kind == FsOpKind::kWrite ||
          fired_->kind == FsOpKind::kTruncate) &&
         absl::StartsWith(BaseName(fired_->path), "wal-");
}

std::string FaultPlan::Describe() const {
  std::string s;
  if (by_sync_) {
    s = absl::StrCat("EIO once at ", SyncTargetName(target_), " sync #",
                     index_);
  } else {
    s = absl::StrCat(FaultErrorName(error_),
                     sticky_ ? " from call " : " once at call ", index_);
  }
  if (fired_) {
    absl::StrAppend(&s, " (", FsOpName(fired_->kind), " ", fired_->path, ")");
  } else {
    absl::StrAppend(&s, " (never reached)");
  }
  return s;
}

}  // namespace statelog::testing
