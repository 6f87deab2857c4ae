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

// The state after record `seq` as a tree, or (when the base snapshot is
// exactly at `seq`) as the snapshot's verified text in `*text`.
absl::StatusOr<Json> Build(Env* env, const std::string& dir,
                           const std::string& store_id,
                           const SnapshotName& base, uint64_t seq,
                           uint64_t chain, std::string* text) {
  STATELOG_ASSIGN_OR_RETURN(VerifiedSnapshot snapshot,
                            ReadSnapshot(env, dir, base.file, store_id));
  const SnapshotHeader from = snapshot.header;
  if (text != nullptr && from.seq == seq && from.chain == chain) {
    *text = std::move(snapshot.state_json);
    return Json();
  }
  if (from.seq > seq) {
    return absl::InternalError(absl::StrCat(
        base.file, " covers seq ", from.seq, ", past seq ", seq));
  }
  STATELOG_ASSIGN_OR_RETURN(Json state, ParseJson(snapshot.state_json, base.file));
  snapshot.state_json = std::string();  // the copy is no longer needed
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

}  // namespace

absl::StatusOr<Json> BuildState(Env* env, const std::string& dir,
                                const std::string& store_id,
                                const SnapshotName& base, uint64_t seq,
                                uint64_t chain) {
  return Build(env, dir, store_id, base, seq, chain, nullptr);
}

absl::StatusOr<std::string> BuildSnapshotState(Env* env, const std::string& dir,
                                               const std::string& store_id,
                                               const SnapshotName& base,
                                               uint64_t seq, uint64_t chain) {
  std::string text;
  STATELOG_ASSIGN_OR_RETURN(Json state,
                            Build(env, dir, store_id, base, seq, chain, &text));
  if (!text.empty()) return text;
  return DumpJson(state);
}

}  // namespace statelog::internal
