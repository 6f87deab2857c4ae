// tests/testing/crash_states.h
//
// The crash states of one operation boundary: given the durable view and
// the pending (unsynced) operations at that boundary (a DurableModel), the
// images a power cut could leave:
//
//   (a) the durable view alone;
//   (b) the durable view plus each prefix of the pending operations;
//   (c) the durable view plus all pending operations but one (reordering);
//   (d) torn writes: a pending write with only some of its 512-byte sectors
//       persisted, the others holding old bytes, zeros or garbage (on top
//       of the operations before it, and on top of all the others);
//   (e) a pending rename leaving both names (next to (b) and (c), which
//       give "only the old name" and "only the new name").
//
// The number of states per boundary is bounded; when there are more
// candidates, a deterministic sample (from `seed`) is kept, always with the
// durable view and "everything persisted".

#ifndef STATELOG_TESTS_TESTING_CRASH_STATES_H_
#define STATELOG_TESTS_TESTING_CRASH_STATES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/testing/durable_model.h"
#include "tests/testing/fs_image.h"

namespace statelog::testing {

struct CrashStateOptions {
  // Per boundary, at least 2.
  size_t max_states = 32;
  // Torn variants kept per pending write.
  size_t max_torn_per_write = 8;
  bool torn_writes = true;
  // Also: the process dies and starts again in the same boot (the page
  // cache intact), recovers, and a power cut follows (CrashExplorer checks
  // this one). At every boundary (1), at a deterministic sample of one in
  // `restart_one_in` boundaries, or never (0).
  uint32_t restart_one_in = 1;
};

struct CrashState {
  std::string kind;  // "durable", "prefix 2/3", "omit 1/3", "torn 0/2", ...
  // Fate of each pending operation (see DurableModel::Materialize).
  std::vector<DurableModel::Fate> fates;
  std::optional<DurableModel::TornWrite> torn;
  FsImage image;
};

// The crash states at the boundary `model` has reached in `log`.
std::vector<CrashState> GenerateCrashStates(const DurableModel& model,
                                            const std::vector<FsOp>& log,
                                            const CrashStateOptions& options,
                                            uint64_t seed);

// Every pending operation of `state` with its fate, one per line.
std::string DescribeCrashState(const DurableModel& model,
                               const std::vector<FsOp>& log,
                               const CrashState& state);

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_CRASH_STATES_H_
