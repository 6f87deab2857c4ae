// txn/merge_patch.h
//
// RFC 7386 JSON Merge Patch, applied in place with every change recorded for
// undo. Internal to statelog.

#ifndef STATELOG_TXN_MERGE_PATCH_H_
#define STATELOG_TXN_MERGE_PATCH_H_

#include "statelog/transaction.h"
#include "txn/undo_log.h"

namespace statelog::internal {

// Merges `patch` into `*state`: a null member deletes, an object member
// merges recursively, anything else replaces; a patch that is not an object
// replaces the whole state. Cannot fail; on an exception (allocation only)
// every change made so far is in `*undo`.
// With `take`, the values that go into the state are moved out of `patch`,
// which must be the caller's to give up (its values are then unspecified):
// nothing is copied, so nothing is allocated for them (a large merge patch
// replayed in recovery, near a memory limit, failed in the copy and, as the
// copy was dropped, ended the process).
// REQUIRES: `patch` passed ValidateValue, so recursion is bounded by
// kMaxNestingDepth.
void ApplyMergePatch(const Json& patch, bool take, Json* state, UndoLog* undo);

}  // namespace statelog::internal

#endif  // STATELOG_TXN_MERGE_PATCH_H_
