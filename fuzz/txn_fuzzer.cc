// fuzz/txn_fuzzer.cc
//
// Fuzz target: decoding a transaction from JSON and applying it to a state.
// Input: <state JSON> NUL <transaction JSON> (no NUL: the state is {} and
// the whole input is the transaction; a state that does not parse is {}).
// Properties:
//   - nothing throws: every error is a Status (InvalidArgument for
//     malformed input);
//   - a decoded transaction validates, and its journal form round-trips:
//     dumped, parsed and decoded again it has the same journal form, and
//     EncodeJournalForm writes exactly the bytes of ToJson().dump();
//   - replaying the journal form as a record (ApplyRecordPayload) has the
//     same outcome as applying the decoded transaction;
//   - applying is all or nothing: a failure (InvalidArgument, NotFound or
//     Aborted) leaves the state exactly as it was;
//   - a state that a transaction produced can be written and read back:
//     it validates (depth, UTF-8, finite numbers) and round-trips through
//     its compact JSON;
//   - applying the operations one at a time has the same outcome: all of
//     them apply and give the same state, or the transaction fails;
//   - the fast record decoder (DecodeJournalFormFast) decodes every
//     journal form EncodeJournalForm writes, and whatever it decodes, input
//     or journal form, the general path (ParseJson, FromJson) decodes to
//     the same operations with the same value types;
//   - compaction's TextState (store/text_state.h), built from the state's
//     text as given and from its compact dump, accepts and rejects the
//     text as ParseJson does, applies the transaction with the same status,
//     and dumps the same state (byte for byte, from the compact dump), both
//     as an open store holds it and as compaction of a large state does;
//   - an open store's tree (RootIndex, with its shortcut for one whole
//     member) gives the same status and state, values copied or moved;
//   - a record replayed onto compaction's state of a large state, where a
//     record that sets one whole member puts its own value text
//     (PeekMemberPut), gives what replay onto the tree gives: for the
//     journal form and for the input itself as a payload.

#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "recovery/recovery.h"
#include "statelog/transaction.h"
#include "store/root_index.h"
#include "store/text_state.h"
#include "tests/testing/json_scan_properties.h"
#include "txn/apply.h"
#include "txn/journal_form.h"
#include "util/json_util.h"

namespace statelog::fuzz {
namespace {

std::string Dump(const Json& value) {
  absl::StatusOr<std::string> text = internal::DumpJson(value);
  STATELOG_FUZZ_CHECK(text.ok(), "a value statelog accepted does not dump: ",
                      text.status().ToString());
  return *text;
}

void CheckReadableBack(const Json& state) {
  absl::Status valid = internal::ValidateValue(state, 0, "state");
  STATELOG_FUZZ_CHECK(valid.ok(), "an applied transaction left a state that ",
                      "cannot be read back: ", valid.ToString());
  const std::string text = Dump(state);
  absl::StatusOr<Json> again = internal::ParseJson(text, "state");
  STATELOG_FUZZ_CHECK(again.ok(), "the state's own JSON does not parse: ",
                      again.status().ToString());
  STATELOG_FUZZ_CHECK(*again == state, "the state changes through its JSON");
}

// What the fast record decoder takes, the general path takes alike.
// `written_here`: `payload` is EncodeJournalForm's, so it must be taken.
void CheckFastDecode(absl::string_view payload, bool written_here) {
  Transaction fast;
  const bool decoded = internal::DecodeJournalFormFast(payload, &fast);
  STATELOG_FUZZ_CHECK(decoded || !written_here,
                      "the fast decoder left a journal form this build ",
                      "writes to the general path");
  if (!decoded) return;
  absl::StatusOr<Json> json = internal::ParseJson(payload, "payload");
  STATELOG_FUZZ_CHECK(json.ok(), "the fast decoder took a payload that ",
                      "does not parse: ", json.status().ToString());
  absl::StatusOr<Transaction> general = Transaction::FromJson(*json);
  STATELOG_FUZZ_CHECK(general.ok(), "the fast decoder took a payload that ",
                      "does not decode: ", general.status().ToString());
  STATELOG_FUZZ_CHECK(testing::SameOperations(fast, *general),
                      "the fast decoder built another transaction");
}

// `text` is a JSON text of `state`; `canonical` says it is DumpJson's.
void CheckTextState(absl::string_view text, bool canonical,
                    const Transaction& txn, const Json& applied,
                    const absl::Status& status) {
  // As an open store holds it, and as compaction does in a large state
  // (changed members as text, no fold budget, a valid record's whole
  // members put as text unparsed); and as an open store applies a valid
  // transaction, given its record's text of its one value (a member put
  // becomes that text), with the state as opened and made one tree first.
  enum Way { kPlain, kCompaction, kRecordText, kRecordTextWhole };
  for (const Way way : {kPlain, kCompaction, kRecordText, kRecordTextWhole}) {
    const bool compaction = way == kCompaction;
    absl::StatusOr<internal::TextState> lazy =
        internal::TextState::FromText(text, "state");
    STATELOG_FUZZ_CHECK(lazy.ok(), "TextState refused a state ParseJson took: ",
                        lazy.status().ToString());
    absl::Status lazy_status;
    if ((way == kRecordText || way == kRecordTextWhole) &&
        txn.Validate().ok()) {
      if (way == kRecordTextWhole) {
        STATELOG_FUZZ_CHECK(lazy->Whole().ok(), "TextState::Whole failed");
      }
      size_t value_at = 0;
      absl::StatusOr<std::string> payload =
          internal::EncodeJournalForm(txn, &value_at);
      STATELOG_FUZZ_CHECK(payload.ok(), "EncodeJournalForm refused a valid ",
                          "transaction: ", payload.status().ToString());
      lazy_status = lazy->Apply(txn, internal::Validation::kAlreadyValidated,
                                internal::Values::kCopy,
                                internal::OnlyValueText(*payload, value_at));
    } else if (compaction) {
      lazy->set_changed_members(internal::ChangedMembers::kText);
      lazy->set_small_state_bytes(0);
      lazy_status =
          txn.Validate().ok()
              ? lazy->Apply(txn, internal::Validation::kAlreadyValidated)
              : lazy->Apply(txn);
    } else {
      lazy_status = lazy->Apply(txn);
    }
    STATELOG_FUZZ_CHECK(lazy_status == status,
                        "TextState::Apply: ", lazy_status.ToString(),
                        "; ApplyTransaction: ", status.ToString(),
                        compaction      ? " (as text)"
                        : way == kPlain ? ""
                                        : " (with the record's text)");
    absl::StatusOr<std::string> dumped = lazy->Dump();
    STATELOG_FUZZ_CHECK(dumped.ok(),
                        "TextState::Dump: ", dumped.status().ToString());
    if (canonical) {
      STATELOG_FUZZ_CHECK(*dumped == Dump(applied),
                          "TextState dumps other bytes than DumpJson");
    }
    absl::StatusOr<Json> back = internal::ParseJson(*dumped, "dump");
    STATELOG_FUZZ_CHECK(back.ok() && *back == applied,
                        "TextState gives another state");
  }
}

// `payload` replayed as compaction replays it onto a large state (a record
// that sets one whole member puts the record's own text of the value,
// unparsed: PeekMemberPut) has the outcome replay onto the tree has.
void CheckRecordOntoText(absl::string_view payload, const Json& state) {
  if (!state.is_object()) return;
  const std::string text = Dump(state);
  absl::StatusOr<internal::TextState> lazy =
      internal::TextState::FromText(text, "state");
  STATELOG_FUZZ_CHECK(lazy.ok(), lazy.status().ToString());
  lazy->set_changed_members(internal::ChangedMembers::kText);
  lazy->set_small_state_bytes(0);
  Json replayed = state;
  const absl::Status onto_tree =
      internal::ApplyRecordPayload(payload, &replayed);
  const absl::Status onto_text = internal::ApplyRecordPayload(payload, &*lazy);
  STATELOG_FUZZ_CHECK(
      onto_text.ok() == onto_tree.ok(),
      "record replay onto compaction's state: ", onto_text.ToString(),
      "; onto the tree: ", onto_tree.ToString());
  if (!onto_text.ok()) return;
  absl::StatusOr<std::string> dumped = lazy->Dump();
  STATELOG_FUZZ_CHECK(dumped.ok(), dumped.status().ToString());
  absl::StatusOr<Json> back = internal::ParseJson(*dumped, "dump");
  STATELOG_FUZZ_CHECK(back.ok() && *back == replayed,
                      "record replay onto compaction's state gives another "
                      "state");
}

void CheckTransaction(absl::string_view state_text, const Json& state,
                      const Json& txn_json) {
  absl::StatusOr<Transaction> txn = Transaction::FromJson(txn_json);
  if (!txn.ok()) {
    STATELOG_FUZZ_CHECK(absl::IsInvalidArgument(txn.status()),
                        txn.status().ToString());
    return;
  }
  absl::Status valid = txn->Validate();
  STATELOG_FUZZ_CHECK(valid.ok(), "FromJson returned a transaction that ",
                      "does not validate: ", valid.ToString());

  // The journal form round-trips.
  const Json journal_form = txn->ToJson();
  const std::string payload = Dump(journal_form);
  absl::StatusOr<std::string> encoded = internal::EncodeJournalForm(*txn);
  STATELOG_FUZZ_CHECK(encoded.ok() && *encoded == payload,
                      "EncodeJournalForm differs from ToJson().dump(): ",
                      encoded.ok() ? *encoded : encoded.status().ToString());
  // A store writes no record for an empty transaction.
  CheckFastDecode(payload, /*written_here=*/!txn->empty());
  absl::StatusOr<Json> reparsed = internal::ParseJson(payload, "payload");
  STATELOG_FUZZ_CHECK(reparsed.ok(), "journal form does not parse: ",
                      reparsed.status().ToString());
  absl::StatusOr<Transaction> again = Transaction::FromJson(*reparsed);
  STATELOG_FUZZ_CHECK(
      again.ok(), "journal form does not decode: ", again.status().ToString());
  STATELOG_FUZZ_CHECK(again->ToJson() == journal_form,
                      "journal form changes when decoded again");

  // All or nothing, and the result can be read back.
  Json applied = state;
  const absl::Status status = internal::ApplyTransaction(*txn, &applied);
  if (status.ok()) {
    CheckReadableBack(applied);
  } else {
    STATELOG_FUZZ_CHECK(absl::IsInvalidArgument(status) ||
                            absl::IsNotFound(status) || absl::IsAborted(status),
                        "unexpected code: ", status.ToString());
    STATELOG_FUZZ_CHECK(applied == state, "a failed transaction (",
                        status.ToString(), ") changed the state");
  }

  // Replayed as a journal record: the same outcome. An empty transaction
  // changes nothing and is never written; as a record it is refused.
  Json replayed = state;
  const absl::Status replay = internal::ApplyRecordPayload(payload, &replayed);
  if (txn->empty()) {
    STATELOG_FUZZ_CHECK(status.ok() && applied == state,
                        "an empty transaction changed the state");
    STATELOG_FUZZ_CHECK(absl::IsInvalidArgument(replay),
                        "an empty record replayed: ", replay.ToString());
    return;
  }
  STATELOG_FUZZ_CHECK(replay.ok() == status.ok(),
                      "record replay: ", replay.ToString(),
                      "; apply: ", status.ToString());
  STATELOG_FUZZ_CHECK(replayed == applied, "record replay gives another state");
  CheckRecordOntoText(payload, state);

  // Compaction's partial parse: the same outcome.
  if (!state_text.empty()) {
    CheckTextState(state_text, /*canonical=*/false, *txn, applied, status);
  }
  CheckTextState(Dump(state), /*canonical=*/true, *txn, applied, status);

  // An open store's tree (store/root_index.h), which takes a shortcut for
  // a validated one-operation transaction on one whole member: the same
  // outcome, with the values copied or moved.
  for (const internal::Values values :
       {internal::Values::kCopy, internal::Values::kMove,
        internal::Values::kMoveWithMerges}) {
    Json tree = state;
    Transaction mine = *txn;
    internal::RootIndex index;
    const absl::Status indexed = index.Apply(
        mine, &tree, internal::Validation::kAlreadyValidated, values);
    STATELOG_FUZZ_CHECK(indexed == status,
                        "RootIndex::Apply: ", indexed.ToString(),
                        "; ApplyTransaction: ", status.ToString());
    STATELOG_FUZZ_CHECK(tree == applied,
                        "RootIndex::Apply gives another state");
    if (values == internal::Values::kCopy) {
      STATELOG_FUZZ_CHECK(mine.ToJson() == journal_form,
                          "RootIndex::Apply changed a transaction it copies");
    }
  }

  // One operation at a time: the same outcome.
  Json stepwise = state;
  bool all_applied = true;
  for (const Operation& op : txn->ops()) {
    Transaction single;
    single.Append(op);
    if (!internal::ApplyTransaction(single, &stepwise).ok()) {
      all_applied = false;
      break;
    }
  }
  STATELOG_FUZZ_CHECK(all_applied == status.ok(), "one op at a time ",
                      all_applied ? "applies" : "fails",
                      ", the whole transaction: ", status.ToString());
  if (all_applied) {
    STATELOG_FUZZ_CHECK(stepwise == applied,
                        "one op at a time gives another state");
  }
}

}  // namespace
}  // namespace statelog::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statelog;
  return fuzz::Guarded([&] {
    const absl::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t nul = input.find('\0');
    absl::string_view state_text;
    absl::string_view txn_text = input;
    if (nul != absl::string_view::npos) {
      state_text = input.substr(0, nul);
      txn_text = input.substr(nul + 1);
    }
    absl::StatusOr<Json> state = internal::ParseJson(state_text, "state");
    absl::StatusOr<internal::TextState> lazy =
        internal::TextState::FromText(state_text, "state");
    STATELOG_FUZZ_CHECK(lazy.status() == state.status(),
                        "TextState::FromText: ", lazy.status().ToString(),
                        "; ParseJson: ", state.status().ToString());
    if (!state.ok()) {
      state = Json::object();
      state_text = "";
    }
    fuzz::CheckFastDecode(txn_text, /*written_here=*/false);
    absl::StatusOr<Json> txn_json = internal::ParseJson(txn_text, "txn");
    if (!txn_json.ok()) {
      STATELOG_FUZZ_CHECK(absl::IsInvalidArgument(txn_json.status()),
                          txn_json.status().ToString());
      // Undecodable text is also a record payload that must fail cleanly.
      Json replayed = *state;
      STATELOG_FUZZ_CHECK(
          !internal::ApplyRecordPayload(txn_text, &replayed).ok(),
          "a payload that does not parse was applied");
      STATELOG_FUZZ_CHECK(replayed == *state,
                          "a bad payload changed the state");
      return;
    }
    // The input itself as a record payload, however it is laid out.
    fuzz::CheckRecordOntoText(txn_text, *state);
    fuzz::CheckTransaction(state_text, *state, *txn_json);
  });
}
