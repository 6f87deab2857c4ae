// store/snapshot_builder.cc

#include "store/snapshot_builder.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "journal/format.h"
#include "journal/journal_reader.h"
#include "recovery/recovery.h"
#include "store/text_state.h"
#include "util/status_macros.h"

namespace statelog::internal {

namespace {

// The newest of `bases` at or before `seq` that verifies; its file name goes
// to `*file`. Snapshots that do not verify (or are gone) are passed over;
// other errors end the search. Each one read is recorded in `*tried`.
absl::StatusOr<VerifiedSnapshot> NewestUsableBase(
    Env* env, const std::string& dir, const std::string& store_id,
    const std::vector<SnapshotName>& bases, uint64_t seq, std::string* file,
    std::vector<SnapshotAttempt>* tried) {
  std::string passed_over;
  for (const SnapshotName& base : bases) {
    if (base.seq > seq) continue;
    absl::StatusOr<VerifiedSnapshot> snapshot =
        ReadSnapshot(env, dir, base.file, store_id);
    SnapshotAttempt attempt;
    attempt.file = base.file;
    attempt.seq = base.seq;
    if (!snapshot.ok() && (absl::IsDataLoss(snapshot.status()) ||
                           absl::IsNotFound(snapshot.status()))) {
      attempt.error = std::string(snapshot.status().message());
      absl::StrAppend(&passed_over, "; ", attempt.error);
      tried->push_back(std::move(attempt));
      continue;
    }
    attempt.used = snapshot.ok();
    tried->push_back(std::move(attempt));
    *file = base.file;
    return snapshot;
  }
  return absl::DataLossError(absl::StrCat("building the state at seq ", seq,
                                          ": no snapshot at or before it "
                                          "verifies",
                                          passed_over));
}

// Applies the journal records after the snapshot `from` (read from
// `base_file`) up to record `seq` (whose checksum must be `chain`) through
// `apply`. DataLoss if the journal does not lead there.
absl::Status ReplayOnto(
    Env* env, const std::string& dir, const std::string& store_id,
    const SnapshotHeader& from, const std::string& base_file, uint64_t seq,
    uint64_t chain,
    const std::function<absl::Status(absl::string_view payload)>& apply) {
  if (from.seq == seq && from.chain == chain) return absl::OkStatus();
  STATELOG_ASSIGN_OR_RETURN(
      JournalReadResult read,
      ReadJournal(
          env, dir, store_id, from.seq, from.chain, kMaxRecordPayloadBytes,
          [&apply](const RecordHeader&, absl::string_view payload) {
            return apply(payload);
          },
          seq));
  if (read.last_seq != seq || read.last_chain != chain) {
    return absl::DataLossError(absl::StrCat(
        "building the state at seq ", seq, " from ", base_file,
        ": the journal leads to seq ", read.last_seq,
        read.last_seq == seq ? " with another checksum" : "",
        read.damage ? absl::StrCat(" (", read.damage->Describe(), ")") : "",
        ", not to the record acknowledged as seq ", seq));
  }
  return absl::OkStatus();
}

// ReplayOnto for a TextState: each record applies to the members it touches.
absl::Status ReplayOntoText(Env* env, const std::string& dir,
                            const std::string& store_id,
                            const SnapshotHeader& from,
                            const std::string& base_file, uint64_t seq,
                            uint64_t chain, TextState* state) {
  return ReplayOnto(env, dir, store_id, from, base_file, seq, chain,
                    [state](absl::string_view payload) {
                      return ApplyRecordPayload(payload, state);
                    });
}

}  // namespace

absl::StatusOr<TextState> BuildState(Env* env, const std::string& dir,
                                     const std::string& store_id,
                                     const std::vector<SnapshotName>& bases,
                                     uint64_t seq, uint64_t chain,
                                     std::vector<SnapshotAttempt>* tried,
                                     const TextState::Source* held,
                                     ChangedMembers changed) {
  auto newest =
      std::find_if(bases.begin(), bases.end(),
                   [seq](const SnapshotName& b) { return b.seq <= seq; });
  if (held != nullptr && !held->empty() && newest != bases.end() &&
      newest->file == held->name()) {
    // Verified when it was read; the header says where the journal goes on.
    STATELOG_ASSIGN_OR_RETURN(
        SnapshotHeader header,
        ReadSnapshotHeader(env, dir, newest->file, store_id));
    TextState state = TextState::FromSource(*held);
    state.set_changed_members(changed);
    STATELOG_RETURN_IF_ERROR(ReplayOntoText(env, dir, store_id, header,
                                            newest->file, seq, chain, &state));
    return state;
  }
  std::string file;
  STATELOG_ASSIGN_OR_RETURN(
      VerifiedSnapshot base,
      NewestUsableBase(env, dir, store_id, bases, seq, &file, tried));
  const absl::string_view text = base.state_json;
  STATELOG_ASSIGN_OR_RETURN(
      TextState state,
      TextState::FromContents(std::move(base.contents), text, file));
  state.set_changed_members(changed);
  STATELOG_RETURN_IF_ERROR(ReplayOntoText(env, dir, store_id, base.header, file,
                                          seq, chain, &state));
  return state;
}

}  // namespace statelog::internal
