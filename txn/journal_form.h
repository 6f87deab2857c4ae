// txn/journal_form.h
//
// The bytes a transaction is journaled as, and the quick way back from
// them. Internal to statelog.

#ifndef STATELOG_TXN_JOURNAL_FORM_H_
#define STATELOG_TXN_JOURNAL_FORM_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "statelog/transaction.h"

namespace statelog::internal {

// txn.ToJson().dump(), written directly: no intermediate tree, so no copy of
// the values, and no second validation. The bytes are the same, so records
// written either way read back alike.
// REQUIRES: txn.Validate() is OK. If `value_at` is not null it is set to
// where the value of a transaction of one operation that has one starts in
// the bytes (its compact JSON, which ends where the closing kValueTail
// does), and to std::string::npos for any other transaction: a store keeps
// a member put that way as that text (store/text_state.h).
[[nodiscard]] absl::StatusOr<std::string> EncodeJournalForm(
    const Transaction& txn, size_t* value_at = nullptr);

// What follows the value of the last operation: its object's and the
// transaction's closing brackets.
inline constexpr absl::string_view kValueTail = "}]}";

// The text of the value at `value_at` (EncodeJournalForm's) in `payload`;
// empty for npos.
inline absl::string_view OnlyValueText(absl::string_view payload,
                                       size_t value_at) {
  if (value_at == std::string::npos) return {};
  return payload.substr(value_at,
                        payload.size() - kValueTail.size() - value_at);
}

// What a store journals for `txn`: InvalidArgument if it is empty, does not
// validate, or encodes to more than `max_record_bytes` (Options), else
// EncodeJournalForm's bytes (and its `value_at`). Callers that must refuse
// a transaction before a store exists (`statelog init --from`) check with
// it too.
[[nodiscard]] absl::StatusOr<std::string> EncodeRecordPayload(
    const Transaction& txn, uint64_t max_record_bytes,
    size_t* value_at = nullptr);

// EncodeRecordPayload's bytes for Transaction().Set(pointer, value), where
// `value_text` is the JSON text of `value`, written from the text: true if
// `pointer` names one top-level member and `value_text` is already the
// value's compact JSON (IsCanonicalJson, util/canonical_json.h, at the
// depth a member's value may nest), and then `*payload` and `*value_at`
// are what EncodeRecordPayload gives for that transaction. False means "not
// decided here" (any other pointer or text): the caller parses the text
// and encodes the transaction, which gives the verdict. InvalidArgument,
// as EncodeRecordPayload's, if it encodes to more than `max_record_bytes`.
// `value_at` may be null (the value's text is `value_text`).
[[nodiscard]] absl::StatusOr<bool> EncodeMemberSetText(
    absl::string_view pointer, absl::string_view value_text,
    uint64_t max_record_bytes, std::string* payload,
    size_t* value_at = nullptr);

// Decodes `payload` if it is laid out exactly as EncodeJournalForm writes
// it (members in that order, no whitespace, keys unescaped) and valid:
// true, with `*txn` what Transaction::FromJson(ParseJson(payload)) gives.
// False means "not decided here": the caller takes the general path, which
// has the verdict and the error message. Replaying a record this way
// builds no tree of the record and walks no value twice. May throw
// std::bad_alloc.
bool DecodeJournalFormFast(absl::string_view payload, Transaction* txn);

// A record of one operation that sets or adds one top-level member: the
// usual checkpoint. Compaction keeps a changed member as the text of its
// value, and such a record holds that text already.
struct MemberPutText {
  std::string path;              // the pointer, unescaped from the record
  absl::string_view value_text;  // a view into the payload
};

// True if `payload` is laid out as EncodeJournalForm writes a transaction
// of one `set` or `add` whose pointer has one token, and its value text
// is one JSON value that ParseJson accepts within the depth
// DecodeJournalFormFast allows it, with nothing around it: then
// DecodeJournalFormFast decodes `payload` to that one operation, whose
// value is ParseJson(value_text). Checks the value without building it.
// False means "not decided here".
bool PeekMemberPut(absl::string_view payload, MemberPutText* put);

}  // namespace statelog::internal

#endif  // STATELOG_TXN_JOURNAL_FORM_H_
