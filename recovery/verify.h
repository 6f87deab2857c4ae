// recovery/verify.h
//
// Read-only inspection of a store directory: every snapshot and every
// segment is checked and described, nothing is changed, no lock is taken.

#ifndef STATELOG_RECOVERY_VERIFY_H_
#define STATELOG_RECOVERY_VERIFY_H_

#include <string>

#include "absl/status/statusor.h"
#include "statelog/env.h"
#include "statelog/transaction.h"

namespace statelog::internal {

// Returns a JSON description:
//   {"ok": bool, "store_id": "...",
//    "snapshots": [{"file":..., "seq":N, "ok":bool, "error":"..."}...],
//    "segments": ["wal-...log", ...],
//    "journal": {"first_seq":N, "last_seq":N, "records":N},
//    "quarantine_notes": [{"file":..., "complete":bool, "damage":"...",
//                          "covered_damage":"..."}...],
//    "warnings": ["..."],
//    "problems": ["..."]}
// "ok" is false if any snapshot or record is damaged (including a torn
// tail), or a snapshot's chain value contradicts the journal. The notes
// recovery left in quarantine/ (recovery/quarantine.h) are evidence, not
// damage: they do not make "ok" false. Nor do "warnings": an older
// snapshot the journal no longer reaches (it cannot serve as a fallback;
// the snapshot entry says so in "unreachable"), which point-in-time
// recovery of a short journal leaves until retention retires it. The
// newest snapshot unreachable is a problem. A damaged STORE file gives
// {"ok": false, "problems": [...]} alone. Errors only when `dir` is not a store
// (NotFound) or a file in it cannot be read (PermissionDenied, Internal for an
// I/O error): those say nothing about damage.
[[nodiscard]] absl::StatusOr<Json> VerifyStore(const std::string& dir,
                                               Env* env);

}  // namespace statelog::internal

#endif  // STATELOG_RECOVERY_VERIFY_H_
