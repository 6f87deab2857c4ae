// txn/apply.h
//
// Applies a Transaction to an in-memory JSON state, all or nothing.

#ifndef STATELOG_TXN_APPLY_H_
#define STATELOG_TXN_APPLY_H_

#include "absl/status/status.h"
#include "statelog/transaction.h"
#include "txn/in_place.h"

namespace statelog::internal {

// Applies every operation of `txn` to `*state` in order. If any operation
// fails, the operations already applied are undone and `*state` is left
// exactly as it was. Errors name the operation index, its kind and pointer:
// InvalidArgument (malformed pointer, poison value, a path through a
// non-container, an array index out of range), NotFound (a path that must
// exist does not), Aborted (a `test` whose value differs).
// Cost: proportional to the touched values, not to the size of *state
// (undo keeps copies of replaced values only).
//
// `txn` is validated first (a poison value or a too-deep path must never
// reach the state), unless the caller says it has just done so itself:
// kAlreadyValidated is for a transaction for which Transaction::Validate (or
// FromJson, which calls it) returned OK and which has not changed since.
//
// The values that operations put into the state are copies of the
// transaction's, unless the caller says it owns the transaction and is
// done with it: kMove moves them instead, except a merge patch's, which
// are still copied; kMoveWithMerges moves those too (replay, which decodes
// each record into a transaction of its own, then drops it). With either,
// the transaction's values are unspecified afterwards, whatever the
// outcome, and it must not be a const object. Why merge patches differ: a
// copy lays the values out anew, one after another, and a tree a caller
// built by hand is often scattered among its temporaries; the store's
// benchmark moved its 100,000-member merge in instead of copying it, and
// every later transaction on that state ran about 6% slower
// (store_benchmark, BM_StoreApplyNone/100000). A decoded record's tree is
// laid out by the parser in one run and gains nothing from a copy, and
// near a memory limit a copy of a large patch is what fails.
//
// What the last operation does with a value it replaces (it keeps no undo
// entry: if it fails it has changed nothing): kFree destroys it; kOverwrite
// overwrites it where it stands when the new value has the same shape (an
// object with the same keys, an array of the same length, a string that
// fits the old one's buffer), so that nothing is freed or allocated for
// it. That pays where the replaced values are cold in the caches (a state
// of many members: store/root_index.h asks for it) and costs where they
// are warm (a replay onto a 1,000-key state ran 12% slower with it).
enum class Validation { kValidate, kAlreadyValidated };
enum class Values { kCopy, kMove, kMoveWithMerges };
enum class Replaced { kFree, kOverwrite };
[[nodiscard]] absl::Status ApplyTransaction(
    const Transaction& txn, Json* state,
    Validation validation = Validation::kValidate,
    Values values = Values::kCopy, Replaced replaced = Replaced::kFree);

}  // namespace statelog::internal

#endif  // STATELOG_TXN_APPLY_H_
