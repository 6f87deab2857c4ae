// txn/apply.h
//
// Applies a Transaction to an in-memory JSON state, all or nothing.

#ifndef STATELOG_TXN_APPLY_H_
#define STATELOG_TXN_APPLY_H_

#include "absl/status/status.h"
#include "statelog/transaction.h"

namespace statelog::internal {

// Applies every operation of `txn` to `*state` in order. If any operation
// fails, the operations already applied are undone and `*state` is left
// exactly as it was. Errors name the operation index, its kind and pointer:
// InvalidArgument (malformed pointer, poison value, a path through a
// non-container, an array index out of range), NotFound (a path that must
// exist does not), Aborted (a `test` whose value differs).
// REQUIRES: txn.Validate() is OK.
// Cost: proportional to the touched values, not to the size of *state
// (undo keeps copies of replaced values only).
[[nodiscard]] absl::Status ApplyTransaction(const Transaction& txn,
                                            Json* state);

}  // namespace statelog::internal

#endif  // STATELOG_TXN_APPLY_H_
