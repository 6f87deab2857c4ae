// recovery/quarantine.cc

#include "recovery/quarantine.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "io/atomic_file.h"
#include "util/file_names.h"
#include "util/json_util.h"
#include "util/kill_point.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

// Unique across repeated recoveries, so a recovery that crashed and ran
// again never overwrites evidence it already saved.
std::string QuarantineName(const std::string& file, uint64_t offset) {
  return absl::StrCat(file, ".at-", offset, ".",
                      absl::ToUnixNanos(absl::Now()));
}

}  // namespace

absl::StatusOr<QuarantineEntry> CopyToQuarantine(Env* env,
                                                 const std::string& dir,
                                                 const std::string& file,
                                                 uint64_t offset, uint64_t end,
                                                 const std::string& reason) {
  const std::string qdir = JoinPath(dir, kQuarantineDirName);
  STATELOG_RETURN_IF_ERROR(env->CreateDir(qdir));
  std::string bytes;
  {
    STATELOG_ASSIGN_OR_RETURN(
        std::unique_ptr<File> source,
        env->OpenFile(JoinPath(dir, file), Env::OpenMode::kRead));
    STATELOG_RETURN_IF_ERROR(source->Read(offset, end - offset, &bytes));
  }
  QuarantineEntry entry;
  const std::string name = QuarantineName(file, offset);
  entry.file = JoinPath(kQuarantineDirName, name);
  entry.source = file;
  entry.offset = offset;
  entry.bytes = bytes.size();
  entry.reason = reason;
  const std::string path = JoinPath(qdir, name);
  STATELOG_ASSIGN_OR_RETURN(
      std::unique_ptr<File> copy,
      env->OpenFile(path, Env::OpenMode::kCreateExclusive));
  absl::Status copied = copy->Write(0, bytes);
  if (copied.ok()) copied = copy->Sync();
  if (copied.ok()) copied = copy->Close();
  if (!copied.ok()) {
    // A partial copy (a full disk) would sit in quarantine/ for good,
    // beside the whole one a later recovery makes; the bytes are still
    // in the segment, which nothing has changed.
    copy.reset();
    env->RemoveFile(path).IgnoreError();
    return copied;
  }
  STATELOG_RETURN_IF_ERROR(env->SyncDir(qdir));
  STATELOG_RETURN_IF_ERROR(env->SyncDir(dir));
  return entry;
}

absl::StatusOr<QuarantineEntry> QuarantineRange(Env* env,
                                                const std::string& dir,
                                                const std::string& file,
                                                uint64_t offset, uint64_t end,
                                                const std::string& reason) {
  STATELOG_ASSIGN_OR_RETURN(
      QuarantineEntry entry,
      CopyToQuarantine(env, dir, file, offset, end, reason));
  KillPoint("recovery.quarantined");
  // Only now, with the evidence durable, is the journal changed.
  STATELOG_ASSIGN_OR_RETURN(
      std::unique_ptr<File> source,
      env->OpenFile(JoinPath(dir, file), Env::OpenMode::kReadWrite));
  STATELOG_RETURN_IF_ERROR(
      source->Write(offset, std::string(entry.bytes, '\0')));
  STATELOG_RETURN_IF_ERROR(source->Sync());
  STATELOG_RETURN_IF_ERROR(source->Close());
  return entry;
}

absl::StatusOr<std::string> WriteQuarantineNote(
    Env* env, const std::string& dir, const RecoveryReport& report,
    bool complete, const std::string& name,
    const std::vector<PlannedQuarantine>& planned) {
  const std::string qdir = JoinPath(dir, kQuarantineDirName);
  STATELOG_RETURN_IF_ERROR(env->CreateDir(qdir));
  const std::string note =
      name.empty() ? absl::StrCat("recovery-report.",
                                  absl::ToUnixNanos(absl::Now()), ".json")
                   : name;
  Json json = report.ToJson();
  json["complete"] = complete;
  if (!complete) {
    Json plan = Json::array();
    for (const PlannedQuarantine& p : planned) {
      plan.push_back(p.bytes == 0
                         ? Json{{"source", p.source}, {"action", "move"}}
                         : Json{{"source", p.source},
                                {"offset", p.offset},
                                {"bytes", p.bytes},
                                {"action", "copy"}});
    }
    json["planned"] = std::move(plan);
    json["note"] =
        "written before the recovery changed any file; rewritten with "
        "\"complete\": true once it was done. Left like this, the recovery "
        "was interrupted, and the next one finished its work";
  }
  STATELOG_ASSIGN_OR_RETURN(std::string text, DumpJson(json));
  STATELOG_RETURN_IF_ERROR(WriteFileAtomically(env, qdir, note, {text, "\n"}));
  STATELOG_RETURN_IF_ERROR(env->SyncDir(dir));
  return note;
}

absl::StatusOr<QuarantineEntry> QuarantineFile(Env* env, const std::string& dir,
                                               const std::string& file,
                                               const std::string& reason) {
  const std::string qdir = JoinPath(dir, kQuarantineDirName);
  STATELOG_RETURN_IF_ERROR(env->CreateDir(qdir));
  STATELOG_ASSIGN_OR_RETURN(
      std::unique_ptr<File> f,
      env->OpenFile(JoinPath(dir, file), Env::OpenMode::kRead));
  STATELOG_ASSIGN_OR_RETURN(uint64_t size, f->Size());
  QuarantineEntry entry;
  const std::string name = QuarantineName(file, 0);
  entry.file = JoinPath(kQuarantineDirName, name);
  entry.source = file;
  entry.offset = 0;
  entry.bytes = size;
  entry.reason = reason;
  STATELOG_RETURN_IF_ERROR(
      env->Rename(JoinPath(dir, file), JoinPath(qdir, name)));
  STATELOG_RETURN_IF_ERROR(env->SyncDir(qdir));
  STATELOG_RETURN_IF_ERROR(env->SyncDir(dir));
  return entry;
}

}  // namespace statelog::internal
