// store/snapshot_builder.cc

#include "store/snapshot_builder.h"

#include "absl/strings/str_cat.h"
#include "journal/format.h"
#include "journal/journal_reader.h"
#include "recovery/recovery.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {

namespace {

// The state after record `seq` from the newest of `bases` that verifies, as
// a tree, or (when that snapshot is exactly at `seq`) as its verified text
// in `*text`. Snapshots that do not verify (or are gone) are named in
// `*unusable` and passed over; other errors end the build.
absl::StatusOr<Json> Build(Env* env, const std::string& dir,
                           const std::string& store_id,
                           const std::vector<SnapshotName>& bases,
                           uint64_t seq, uint64_t chain, std::string* text,
                           std::vector<std::string>* unusable) {
  std::string passed_over;
  for (const SnapshotName& base : bases) {
    if (base.seq > seq) continue;
    absl::StatusOr<VerifiedSnapshot> snapshot =
        ReadSnapshot(env, dir, base.file, store_id);
    if (!snapshot.ok() && (absl::IsDataLoss(snapshot.status()) ||
                           absl::IsNotFound(snapshot.status()))) {
      unusable->push_back(base.file);
      absl::StrAppend(&passed_over, "; ", snapshot.status().message());
      continue;
    }
    if (!snapshot.ok()) return snapshot.status();
    const SnapshotHeader from = snapshot->header;
    if (text != nullptr && from.seq == seq && from.chain == chain) {
      *text = std::string(snapshot->state_json);
      return Json();
    }
    STATELOG_ASSIGN_OR_RETURN(Json state,
                              ParseJson(snapshot->state_json, base.file));
    snapshot->contents.reset();  // the bytes are no longer needed
    if (from.seq == seq && from.chain == chain) return state;
    STATELOG_ASSIGN_OR_RETURN(
        JournalReadResult read,
        ReadJournal(env, dir, store_id, from.seq, from.chain,
                    kMaxRecordPayloadBytes,
                    [&state](const RecordHeader&, absl::string_view payload) {
                      return ApplyRecordPayload(payload, &state);
                    },
                    seq));
    if (read.last_seq != seq || read.last_chain != chain) {
      return absl::DataLossError(absl::StrCat(
          "building the state at seq ", seq, " from ", base.file,
          ": the journal leads to seq ", read.last_seq,
          read.last_seq == seq ? " with another checksum" : "",
          read.damage ? absl::StrCat(" (", read.damage->Describe(), ")") : "",
          ", not to the record acknowledged as seq ", seq));
    }
    return state;
  }
  return absl::DataLossError(absl::StrCat(
      "building the state at seq ", seq, ": no snapshot at or before it "
      "verifies", passed_over));
}

}  // namespace

absl::StatusOr<Json> BuildState(Env* env, const std::string& dir,
                                const std::string& store_id,
                                const std::vector<SnapshotName>& bases,
                                uint64_t seq, uint64_t chain,
                                std::vector<std::string>* unusable) {
  return Build(env, dir, store_id, bases, seq, chain, nullptr, unusable);
}

absl::StatusOr<std::string> BuildSnapshotState(
    Env* env, const std::string& dir, const std::string& store_id,
    const std::vector<SnapshotName>& bases, uint64_t seq, uint64_t chain,
    std::vector<std::string>* unusable) {
  std::string text;
  STATELOG_ASSIGN_OR_RETURN(
      Json state, Build(env, dir, store_id, bases, seq, chain, &text, unusable));
  if (!text.empty()) return text;
  return DumpJson(state);
}

}  // namespace statelog::internal
