// tests/testing/crash_explorer.h
//
// CrashExplorer: takes a recorded run (the image it started from, its
// operation log, and when each transaction was submitted and acknowledged),
// generates the crash states at every operation boundary (crash_states.h),
// recovers each one and checks it against the oracle (oracle.h). With
// CrashStateOptions::restart_one_in it also checks, at every boundary or a
// sample of them, a process crash followed by a restart in the same boot: the
// recovery then reads the page cache, and the oracle's power cut after it
// shows whether what it recovered and acknowledged was durable.
//
// Recovering is the expensive part, and many crash states are the same
// image (the durable view changes only at a sync). Results are cached by
// the image's fingerprint (fs_image.h) and the options, across runs: the
// part of a check that depends on the crash moment (acknowledged and
// submitted counts) is redone for every state.

#ifndef STATELOG_TESTS_TESTING_CRASH_EXPLORER_H_
#define STATELOG_TESTS_TESTING_CRASH_EXPLORER_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "statelog/options.h"
#include "tests/testing/crash_states.h"
#include "tests/testing/oracle.h"
#include "tests/testing/workload_runner.h"

namespace statelog::testing {

struct RecordedRun {
  std::string label;  // what to run to replay it, for messages
  FsImage base;
  std::vector<FsOp> log;
  std::vector<TxnMark> marks;
  uint64_t base_acked = 0;      // acknowledged before the run began
  uint64_t base_submitted = 0;  // submitted before the run began
  const Oracle* oracle = nullptr;
  Options options;
};

struct ExploreStats {
  uint64_t runs = 0;
  uint64_t boundaries = 0;
  uint64_t states = 0;      // crash states checked (power cuts)
  uint64_t restarts = 0;    // process crashes with a restart in the same boot
  uint64_t recoveries = 0;  // distinct images recovered
  Findings findings;
};

class CrashExplorer {
 public:
  CrashExplorer(CrashStateOptions options, uint64_t seed)
      : options_(options), seed_(seed) {}

  void Explore(const RecordedRun& run, ExploreStats* stats);

  // Recovers the image (or takes the cached result) and checks it.
  const RecoveryCheck& Check(const FsImage& image, const Options& options,
                             const Oracle& oracle, ExploreStats* stats);

 private:
  CrashStateOptions options_;
  uint64_t seed_;
  std::unordered_map<uint64_t, RecoveryCheck> cache_;
  std::unordered_map<uint64_t, RecoveryCheck> restart_cache_;
};

uint64_t OptionsFingerprint(const Options& options);

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_CRASH_EXPLORER_H_
