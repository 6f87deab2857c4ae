// recovery/damage.h
//
// What recovery does about damage it found in the journal (docs/recovery.md,
// "Damage"), once its mode allows going on: what it quarantines, zeroes or
// keeps a copy of, with the report and the note in quarantine/ that tell
// of it. Recover (recovery.h) decides when each applies.

#ifndef STATELOG_RECOVERY_DAMAGE_H_
#define STATELOG_RECOVERY_DAMAGE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "recovery/recovery.h"
#include "statelog/env.h"
#include "statelog/options.h"

namespace statelog::internal {

// Damage in the journal after the snapshot (out->journal.damage): refused
// with DataLoss where the mode does not allow it, else the torn tail or
// everything from the damage on is copied to quarantine/ and cut off
// (reported only, by a read-only open).
absl::Status HandleDamage(Env* env, const std::string& dir,
                          const Options& options, RecoveredState* out);

// The journal ends before the snapshot at `snapshot_seq`: refused unless
// point-in-time, which moves the segments the snapshot covers to
// quarantine/ and goes on from the snapshot.
absl::Status HandleShortJournal(Env* env, const std::string& dir,
                                const Options& options, uint64_t snapshot_seq,
                                RecoveredState* out);

// Damage the snapshot covers, which point-in-time recovery read past: it
// stays where it is, but retention deletes its segment once no snapshot
// needs it, so a copy of the bytes goes to quarantine/ now. Read-write
// opens only.
absl::Status KeepCoveredDamage(Env* env, const std::string& dir,
                               RecoveredState* out);

}  // namespace statelog::internal

#endif  // STATELOG_RECOVERY_DAMAGE_H_
