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
#include <vector>

#include "absl/status/statusor.h"
#include "snapshot/snapshot_file.h"
#include "statelog/env.h"
#include "statelog/recovery_report.h"
#include "statelog/transaction.h"
#include "store/text_state.h"

namespace statelog::internal {

// Returns the state after record `seq` (whose checksum must be `chain`) of
// the store `store_id` in `dir`, starting from the newest of `bases`
// (newest first) that verifies, with its members left as that snapshot's
// text until they are used (store/text_state.h). Each snapshot read is
// appended to `*tried`: with its error if it was passed over because it
// does not verify or is gone, with `used` set if the state was built on it.
// DataLoss (naming the base and the sequence number reached) if the
// journal does not lead from the base to exactly that record, or if no
// base verifies. Compaction writes the new snapshot from it; a store
// opened with Options::load_state_lazily builds its live state with it on
// first use.
//
// `held`, if not null, is the source of a state already in memory (the open
// store's, TextState::source()): when it is the snapshot that would be
// read (the newest of `bases` at or before `seq`), its bytes are used
// instead of reading and verifying the file again, and only the file's
// header is read.
//
// `changed` is what the records leave the members they change as: text for
// a state that is only written out (compaction), trees for one that is
// read.
absl::StatusOr<TextState> BuildState(Env* env, const std::string& dir,
                                     const std::string& store_id,
                                     const std::vector<SnapshotName>& bases,
                                     uint64_t seq, uint64_t chain,
                                     std::vector<SnapshotAttempt>* tried,
                                     const TextState::Source* held,
                                     ChangedMembers changed);

}  // namespace statelog::internal

#endif  // STATELOG_STORE_SNAPSHOT_BUILDER_H_
