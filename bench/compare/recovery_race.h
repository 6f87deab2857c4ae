// bench/compare/recovery_race.h
//
// The recovery race: how long a fresh process takes from nothing to a state
// it can read. statelog opens a store of K keys whose snapshot is followed
// by a tail of records (Store::Open: verify and parse the snapshot, replay
// the tail); SQLite opens a database holding the same data and reads every
// row into memory. A third store holds only records (an empty snapshot);
// the difference between its open and that of an empty store gives the
// replay rate. Each measurement runs in its own child process
// (child mode of statelog_compare), which also yields its peak RSS. Last, a
// child opens the big store and compacts it, for the peak RSS of a snapshot
// write. Then the short-process race (target 8): `statelog apply` of one
// merge patch to the big store against dd appending 128 bytes with
// fdatasync, alternately.

#ifndef STATELOG_BENCH_COMPARE_RECOVERY_RACE_H_
#define STATELOG_BENCH_COMPARE_RECOVERY_RACE_H_

#include <string>

#include "bench/compare/results.h"

namespace statelog::bench {

struct RecoverySpec {
  int keys = 100000;
  int tail_records = 10000;
  int replay_records = 10000;
  int rounds = 3;
};

// Builds the three data sets under `dir` (which exists) and races them.
// Failures land in RecoveryResults::error (process_error for the
// short-process race).
RecoveryResults RunRecoveryRace(const std::string& dir,
                                const RecoverySpec& spec);

// The flag that starts a child mode: `statelog_compare --child MODE PATH`.
inline constexpr char kChildFlag[] = "--child";

// Runs a child mode and returns the process exit code. Modes:
//   open-statelog DIR   Store::Open, then a consistent read of the state
//   read-sqlite FILE    open and read every row of table kv
//   compact-statelog DIR  Store::Open, then Compact
// Prints one JSON line with "seconds" and what it saw.
int RunChild(int argc, char** argv);

}  // namespace statelog::bench

#endif  // STATELOG_BENCH_COMPARE_RECOVERY_RACE_H_
