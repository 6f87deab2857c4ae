// store/open.cc
//
// Store::Open: lock, identity, creation of a new store, recovery, and where
// the journal writer continues.

#include <unistd.h>

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "io/atomic_file.h"
#include "journal/format.h"
#include "journal/journal_writer.h"
#include "recovery/beside_writer.h"
#include "recovery/recovery.h"
#include "snapshot/snapshot_file.h"
#include "statelog/store.h"
#include "store/identity.h"
#include "store/store_impl.h"
#include "util/file_names.h"
#include "util/status_macros.h"

namespace statelog {
namespace {

using internal::JoinPath;

std::string LockHolder() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat("pid ", getpid(), " on host ", host);
}

std::string ParentDir(const std::string& dir) {
  size_t slash = dir.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return dir.substr(0, slash);
}

constexpr uint64_t kMinCompactionWriteRate = uint64_t{64} << 10;

absl::Status NoStore(const std::string& dir) {
  return absl::NotFoundError(absl::StrCat("no statelog store in ", dir, " (no ",
                                          internal::kIdentityFileName,
                                          " file)"));
}

absl::Status CheckOptions(const Options& o) {
  if (o.segment_bytes < 4096 || o.segment_bytes > (uint64_t{1} << 34)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Options.segment_bytes must be in [4096, 2^34], got ",
                     o.segment_bytes));
  }
  if (o.max_record_bytes < 64 || o.max_record_bytes > (uint64_t{1} << 30)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Options.max_record_bytes must be in [64, 2^30], got ",
                     o.max_record_bytes));
  }
  // Below a millisecond the sync thread only polls (an fdatasync takes
  // longer); past a day the deadline is meaningless, and one that
  // overflowed the clock made the thread spin.
  if (o.sync_interval < absl::Milliseconds(1) ||
      o.sync_interval > absl::Hours(24)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Options.sync_interval must be in [1ms, 24h], got ",
                     absl::FormatDuration(o.sync_interval)));
  }
  if (o.max_group_commit_wait < absl::ZeroDuration() ||
      o.max_group_commit_wait > absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Options.max_group_commit_wait must be in [0, 1s], got ",
                     absl::FormatDuration(o.max_group_commit_wait)));
  }
  switch (o.durability) {
    case Durability::kSync:
    case Durability::kInterval:
    case Durability::kNone:
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("Options.durability is not a Durability value: ",
                       static_cast<int>(o.durability)));
  }
  switch (o.recovery_mode) {
    case RecoveryMode::kStrict:
    case RecoveryMode::kTolerateTornTail:
    case RecoveryMode::kPointInTime:
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("Options.recovery_mode is not a RecoveryMode value: ",
                       static_cast<int>(o.recovery_mode)));
  }
  // A 64 KiB piece of snapshot is then held back at most a second: a
  // slower rate would keep a compaction, and a Compact() waiting for it,
  // for minutes after the last commit.
  if (o.compaction_write_rate != 0 &&
      o.compaction_write_rate < kMinCompactionWriteRate) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Options.compaction_write_rate must be 0 (no limit) or at least ",
        kMinCompactionWriteRate, " bytes a second, got ",
        o.compaction_write_rate));
  }
  if (o.read_only && o.create_if_missing) {
    return absl::InvalidArgumentError(
        "Options.read_only and create_if_missing exclude each other");
  }
  return absl::OkStatus();
}

// Whether `name` in `dir` is something a creation that died before writing
// STORE leaves: a temp file, the first snapshot (always `{}` at seq 0: an
// initial value is record 1), or the first segment while it holds no
// record (nothing but zeros after its header). Anything else, the first
// segment with records included, belongs to a store that lost its STORE
// file, and removing it would destroy that store's data.
absl::StatusOr<bool> IsCreationLeftover(Env* env, const std::string& dir,
                                        const std::string& name) {
  if (internal::IsTempFileName(name)) return true;
  if (internal::ParseSnapshotFileName(name) == std::optional<uint64_t>(0)) {
    return true;
  }
  if (internal::ParseSegmentFileName(name) != std::optional<uint64_t>(1)) {
    return false;
  }
  STATELOG_ASSIGN_OR_RETURN(std::unique_ptr<FileContents> contents,
                            env->ReadWhole(JoinPath(dir, name)));
  const absl::string_view bytes = contents->data();
  return bytes.size() <= internal::kSegmentHeaderSize ||
         bytes.find_first_not_of('\0', internal::kSegmentHeaderSize) ==
             absl::string_view::npos;
}

// The files a creation in `dir` removes first: those an earlier creation
// that died before writing STORE left. FailedPrecondition, naming the file,
// if anything else is there.
absl::StatusOr<std::vector<std::string>> CreationLeftovers(
    Env* env, const std::string& dir) {
  STATELOG_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
  std::vector<std::string> leftovers;
  for (const std::string& name : names) {
    if (name == internal::kLockFileName) continue;
    STATELOG_ASSIGN_OR_RETURN(const bool leftover,
                              IsCreationLeftover(env, dir, name));
    if (!leftover) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir, " holds no statelog store (no ", internal::kIdentityFileName,
          " file) but is not empty (found ", name,
          "); refusing to create a store there. If it is a store whose ",
          internal::kIdentityFileName,
          " file was lost, nothing in it was changed: restore that file from "
          "a backup, or copy the data away"));
    }
    leftovers.push_back(name);
  }
  return leftovers;
}

// Writes the first snapshot (an empty object at seq 0), the first segment
// and, last, the STORE file that makes the directory a store. Leftovers of
// a creation that crashed before STORE existed are removed first, once
// everything in the directory has been found to be one; anything else
// makes creation refuse, with nothing removed.
absl::Status CreateStore(Env* env, const std::string& dir,
                         const Options& options) {
  // The directory's own entry must be durable before anything in it is
  // acknowledged. Done on every creation, not only when this Open made the
  // directory: an earlier Open may have made it and failed (or died)
  // before its parent fsync.
  STATELOG_RETURN_IF_ERROR(env->SyncDir(ParentDir(dir)));
  STATELOG_ASSIGN_OR_RETURN(std::vector<std::string> leftovers,
                            CreationLeftovers(env, dir));
  for (const std::string& name : leftovers) {
    STATELOG_RETURN_IF_ERROR(env->RemoveFile(JoinPath(dir, name)));
  }
  STATELOG_ASSIGN_OR_RETURN(internal::StoreIdentity identity,
                            internal::NewIdentity());
  internal::SnapshotHeader header;
  header.store_id = identity.store_id;
  STATELOG_RETURN_IF_ERROR(
      internal::WriteSnapshot(env, dir, header, "{}").status());
  internal::JournalWriterOptions wopts;
  wopts.segment_bytes = options.segment_bytes;
  STATELOG_RETURN_IF_ERROR(internal::JournalWriter::CreateSegment(
                               env, dir, identity.store_id, 1, 0, wopts)
                               .status());
  return internal::WriteIdentity(env, dir, identity);
}

// Whether a read-only recovery failed or found damage in a way a writer
// at work beside it could cause (recovery/beside_writer.h).
bool FoundSomethingAmiss(const absl::StatusOr<internal::RecoveredState>& r) {
  if (!r.ok()) {
    return absl::IsNotFound(r.status()) || absl::IsDataLoss(r.status());
  }
  const RecoveryReport& report = r->report;
  return !report.damage.empty() || !report.covered_damage.empty() ||
         !report.quarantined.empty() ||
         internal::AnyPassedOver(report.snapshots_tried);
}

}  // namespace

absl::StatusOr<OpenResult> Store::Open(const std::string& dir,
                                       const Options& options) {
  Options opts = options;
  if (opts.env == nullptr) opts.env = Env::Default();
  opts.keep_snapshots = std::max(2, opts.keep_snapshots);
  // A read-only store's state is built at open: built later, it would need
  // files that a writer's retention may have deleted by then.
  if (opts.read_only) opts.load_state_lazily = false;
  STATELOG_RETURN_IF_ERROR(CheckOptions(opts));
  Env* env = opts.env;

  absl::Status dir_status = env->CheckDir(dir);
  if (absl::IsNotFound(dir_status)) {
    if (!opts.create_if_missing) {
      return absl::NotFoundError(absl::StrCat("no statelog store at ", dir,
                                              ": directory does not exist"));
    }
    STATELOG_RETURN_IF_ERROR(env->CreateDir(dir));
  } else if (!dir_status.ok()) {
    return dir_status;
  }

  // STORE, once there, never changes, so it is read once, before the lock:
  // what would be refused for want of a store is refused before the lock
  // file is made, and a directory that is not a store is left as it was.
  absl::StatusOr<internal::StoreIdentity> identity =
      internal::ReadIdentity(env, dir);
  if (absl::IsNotFound(identity.status())) {
    if (!opts.create_if_missing) return NoStore(dir);
    STATELOG_RETURN_IF_ERROR(CreationLeftovers(env, dir).status());
  }

  std::unique_ptr<FileLock> lock;
  if (!opts.read_only) {
    STATELOG_ASSIGN_OR_RETURN(
        lock,
        env->LockFile(JoinPath(dir, internal::kLockFileName), LockHolder()));
  }

  bool created = false;
  if (absl::IsNotFound(identity.status())) {
    // Asked again under the lock, which decides: another opener may have
    // created the store meanwhile.
    identity = internal::ReadIdentity(env, dir);
    if (absl::IsNotFound(identity.status())) {
      STATELOG_RETURN_IF_ERROR(CreateStore(env, dir, opts));
      identity = internal::ReadIdentity(env, dir);
      created = true;
    }
  }
  if (!created && identity.ok() && opts.error_if_exists) {
    return absl::AlreadyExistsError(
        absl::StrCat("a statelog store already exists in ", dir));
  }
  if (!identity.ok()) return identity.status();

  // A read-only open takes no lock, so what it reads may be changing under
  // it: a failure or damage that could be a writer's work is read again
  // (recovery/beside_writer.h).
  auto recover = [&] {
    return internal::Recover(env, dir, identity->store_id, opts, created);
  };
  STATELOG_ASSIGN_OR_RETURN(
      internal::RecoveredState recovered,
      opts.read_only
          ? internal::ReadBesideWriter(env, dir, recover, FoundSomethingAmiss)
          : recover());

  internal::StoreImplInit init;
  if (!opts.read_only) {
    internal::JournalWriterOptions wopts;
    wopts.segment_bytes = opts.segment_bytes;
    wopts.map_writes =
        opts.map_journal_writes && opts.durability != Durability::kSync;
    wopts.spare = opts.compact_in_background
                      ? internal::JournalWriterOptions::Spare::kThread
                      : internal::JournalWriterOptions::Spare::kInline;
    // The lock outlives the writer (StoreImplInit and StoreImpl declare it
    // first).
    wopts.check_place = [held = lock.get()] { return held->CheckInPlace(); };
    const internal::JournalReadResult& j = recovered.journal;
    if (!j.tail_file.empty() && j.journal_next_seq == recovered.last_seq + 1) {
      for (const internal::UnprovenRange& r : j.unproven_before_tail) {
        STATELOG_RETURN_IF_ERROR(internal::JournalWriter::WriteAgainAndSync(
            env, dir, r.file, r.offset, r.end));
      }
      STATELOG_ASSIGN_OR_RETURN(
          init.writer, internal::JournalWriter::OpenTail(
                           env, dir, identity->store_id, j.tail_file,
                           std::min(j.tail_unproven_offset, j.tail_offset),
                           j.tail_offset, wopts));
      // Make the recovered tail durable before anything is built on it: a
      // later record in a new segment must never outlive one it follows.
      STATELOG_RETURN_IF_ERROR(init.writer->Sync());
      if (!recovered.report.covered_damage.empty()) {
        // Point-in-time recovery read past damage the snapshot covers, in
        // this segment: new records go to a segment of their own, which
        // the snapshot taken below makes the start of every later open.
        STATELOG_RETURN_IF_ERROR(
            init.writer->Rotate(recovered.last_seq + 1, recovered.last_chain));
      }
    } else {
      // No usable segment, or the journal ends before the snapshot: a new
      // segment continues the chain from the recovered state.
      STATELOG_ASSIGN_OR_RETURN(
          init.writer, internal::JournalWriter::CreateSegment(
                           env, dir, identity->store_id, recovered.last_seq + 1,
                           recovered.last_chain, wopts));
    }
  }
  init.env = env;
  init.dir = dir;
  init.options = opts;
  init.store_id = identity->store_id;
  init.lock = std::move(lock);
  init.state = std::move(recovered.state);
  init.state_loaded = recovered.state_loaded;
  init.last_seq = recovered.last_seq;
  init.last_chain = recovered.last_chain;
  init.schema_version = recovered.schema_version;
  init.snapshots = std::move(recovered.verified_snapshots);
  init.report = recovered.report;

  OpenResult result;
  result.store.reset(
      new Store(std::make_unique<internal::StoreImpl>(std::move(init))));
  result.report = std::move(recovered.report);
  if (!opts.read_only && !result.report.covered_damage.empty()) {
    // The damage point-in-time recovery read past stays in its segment: a
    // snapshot of the recovered state, with the new segment started above,
    // puts later opens, in any mode, past it.
    STATELOG_RETURN_IF_ERROR(result.store->Compact());
  }
  return result;
}

}  // namespace statelog
