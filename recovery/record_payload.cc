// recovery/record_payload.cc
//
// Journal record payloads as recovery, compaction and verify meet them:
// decoded into a transaction, checked, or applied to a state. Split from
// recovery.cc, which keeps the steps of an open.

#include <new>
#include <utility>

#include "absl/strings/str_cat.h"
#include "recovery/recovery.h"
#include "txn/apply.h"
#include "txn/journal_form.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {

namespace {

// Frees the values of `txn`, a transaction of the caller's own about to be
// dropped, without allocating (ReleaseWithoutAllocating): when memory has
// run out, nlohmann's destructor of a large value would end the process.
void ReleaseValues(Transaction* txn) {
  for (const Operation& op : txn->ops()) {
    ReleaseWithoutAllocating(&const_cast<Json&>(op.value));
  }
}

// ReplayFailure of what applying the decoded `txn` returned; a failure
// drops its values first.
absl::Status Applied(const absl::Status& applied, Transaction* txn) {
  if (!applied.ok()) ReleaseValues(txn);
  return ReplayFailure(applied);
}

}  // namespace

absl::StatusOr<Transaction> DecodeRecordPayload(absl::string_view payload) {
  // Records this build writes decode in one pass; anything else (and every
  // error message) comes from the general path.
  Transaction txn;
  try {
    if (DecodeJournalFormFast(payload, &txn)) return txn;
  } catch (const std::bad_alloc&) {
    // The operations decoded so far are dropped without allocating (the
    // one being decoded was already).
    ReleaseValues(&txn);
    return absl::ResourceExhaustedError(absl::StrCat(
        "record payload: out of memory decoding ", payload.size(), " bytes"));
  }
  STATELOG_ASSIGN_OR_RETURN(Json json, ParseJson(payload, "record payload"));
  STATELOG_ASSIGN_OR_RETURN(txn, Transaction::FromJson(std::move(json)));
  // A store writes no record for an empty transaction (EncodeRecordPayload
  // refuses one): such a record was not written by statelog.
  if (txn.empty()) {
    return absl::InvalidArgumentError(
        "record payload: transaction has no operations");
  }
  return txn;
}

absl::Status ReplayFailure(const absl::Status& applied) {
  if (applied.ok()) return applied;
  // Memory running out says nothing about the store: not damage.
  if (absl::IsResourceExhausted(applied)) return applied;
  // A record is only written after it applied; failing now means the
  // journal and the snapshot disagree.
  return absl::DataLossError(absl::StrCat(
      "record does not apply to the recovered state: ", applied.message()));
}

absl::Status CheckRecordPayload(absl::string_view payload) {
  absl::StatusOr<Transaction> txn = DecodeRecordPayload(payload);
  if (!txn.ok()) return txn.status();
  ReleaseValues(&*txn);
  return absl::OkStatus();
}

absl::Status ApplyRecordPayload(absl::string_view payload, Json* state) {
  // DecodeRecordPayload validated it (FromJson does), and the transaction
  // is dropped afterwards, so its values move into the state.
  STATELOG_ASSIGN_OR_RETURN(Transaction txn, DecodeRecordPayload(payload));
  return ApplyDecodedRecord(&txn, state);
}

absl::Status ApplyDecodedRecord(Transaction* txn, Json* state) {
  return Applied(ApplyTransaction(*txn, state, Validation::kAlreadyValidated,
                                  Values::kMoveWithMerges),
                 txn);
}

absl::Status ApplyRecordPayload(absl::string_view payload, TextState* state) {
  // A member a record sets is kept as text (compaction's state, and an
  // open store's, text_state.h): the record's own text of the value,
  // checked but not parsed, nor dumped again.
  MemberPutText put;
  try {
    if (state->TakesMemberText() && PeekMemberPut(payload, &put) &&
        state->PutMemberText(put.path, put.value_text)) {
      return absl::OkStatus();
    }
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "record payload: out of memory applying ", payload.size(), " bytes"));
  }
  STATELOG_ASSIGN_OR_RETURN(Transaction txn, DecodeRecordPayload(payload));
  return Applied(
      state->Apply(txn, Validation::kAlreadyValidated, Values::kMoveWithMerges),
      &txn);
}

}  // namespace statelog::internal
