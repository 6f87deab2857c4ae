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
// REQUIRES: `patch` passed ValidateValue, so recursion is bounded by
// kMaxNestingDepth.
void ApplyMergePatch(const Json& patch, Json* state, UndoLog* undo);

}  // namespace statelog::internal

#endif  // STATELOG_TXN_MERGE_PATCH_H_
