// store/snapshot_builder.h
//
// Builds the state a new snapshot holds from what is already durable: the
// newest kept snapshot plus the journal records after it, up to the
// sequence number the new snapshot covers. Compaction runs this without the
// store's lock, beside the writers: the records it reads were written and
// fdatasync'ed before it started, and writers only append after them. The
// live in-memory state is never serialized, so writers never wait for a
// dump of a large state.

#ifndef STATELOG_STORE_SNAPSHOT_BUILDER_H_
#define STATELOG_STORE_SNAPSHOT_BUILDER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "snapshot/snapshot_file.h"
#include "statelog/env.h"
#include "statelog/transaction.h"

namespace statelog::internal {

// Returns the state after record `seq` (whose checksum must be `chain`),
// starting from snapshot `base`, as a tree. Errors as BuildSnapshotState.
// Used to build the live state of a store opened with
// Options::load_state_lazily.
absl::StatusOr<Json> BuildState(Env* env, const std::string& dir,
                                const std::string& store_id,
                                const SnapshotName& base, uint64_t seq,
                                uint64_t chain);

// Returns the serialized state after record `seq` (whose checksum must be
// `chain`), starting from snapshot `base` of the store `store_id` in `dir`.
// DataLoss (naming the base and the sequence number reached) if the journal
// does not lead from `base` to exactly that record.
absl::StatusOr<std::string> BuildSnapshotState(Env* env, const std::string& dir,
                                               const std::string& store_id,
                                               const SnapshotName& base,
                                               uint64_t seq, uint64_t chain);

}  // namespace statelog::internal

#endif  // STATELOG_STORE_SNAPSHOT_BUILDER_H_
