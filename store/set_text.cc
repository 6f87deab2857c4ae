// store/set_text.cc
//
// StoreImpl::SetJsonText: a member set from JSON text the caller already
// holds. When the text is in the form the journal keeps values in
// (util/canonical_json.h), it becomes the record and the member's text
// (TextState::PutMemberText) as it is: no tree is built, copied, checked,
// dumped or freed. Building and dumping the value was most of the cost of
// a kNone checkpoint (docs/tuning.md). Any other text, or a pointer deeper
// than one member, is parsed and applied as Apply would apply its `set`;
// either way the record holds the same bytes.

#include <new>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "store/store_impl.h"
#include "txn/journal_form.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

absl::StatusOr<Transaction> SetOf(const std::string& pointer,
                                  absl::string_view text) {
  STATELOG_ASSIGN_OR_RETURN(
      Json value, ParseJson(text, absl::StrCat("value for ", pointer)));
  Transaction txn;
  txn.Set(pointer, std::move(value));
  return txn;
}

}  // namespace

absl::StatusOr<uint64_t> StoreImpl::SetJsonText(const std::string& pointer,
                                                absl::string_view text) {
  std::string payload;
  absl::StatusOr<bool> encoded;
  try {
    encoded =
        EncodeMemberSetText(pointer, text, options_.max_record_bytes, &payload);
  } catch (const std::bad_alloc&) {
    return OutOfMemory();
  }
  if (!encoded.ok()) return encoded.status();
  if (!*encoded) {
    absl::StatusOr<Transaction> txn;
    try {
      txn = SetOf(pointer, text);
    } catch (const std::bad_alloc&) {
      return OutOfMemory();
    }
    if (!txn.ok()) return txn.status();
    return Apply(*txn, Values::kMove);
  }
  uint64_t seq;
  bool compact;
  {
    absl::MutexLock lock(&mu_);
    STATELOG_RETURN_IF_ERROR(PrepareFrameLocked(payload));
    try {
      STATELOG_RETURN_IF_ERROR(EnsureStateLocked());
      if (!state_.PutMemberText(pointer, text)) {
        // A state that keeps no member as text now (one that is not an
        // object, say): the general path, which also says why a `set`
        // fails there.
        STATELOG_ASSIGN_OR_RETURN(Transaction txn, SetOf(pointer, text));
        STATELOG_RETURN_IF_ERROR(state_.Apply(
            txn, Validation::kAlreadyValidated, Values::kMove, text));
      }
    } catch (const std::bad_alloc&) {
      return OutOfMemory();
    }
    STATELOG_ASSIGN_OR_RETURN(seq, FrameLocked(payload));
    compact = CompactionDue();
  }
  MaybeCompact(compact);
  return seq;
}

}  // namespace statelog::internal
