// tests/testing/crash_explorer.cc

#include "tests/testing/crash_explorer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace statelog::testing {

uint64_t OptionsFingerprint(const Options& o) {
  uint64_t h = 1469598103934665603ull;
  for (uint64_t v : {uint64_t(o.durability), uint64_t(o.recovery_mode),
                     o.segment_bytes, o.max_record_bytes, o.compact_after_bytes,
                     o.compact_after_records, uint64_t(o.keep_snapshots),
                     uint64_t(absl::ToInt64Microseconds(o.sync_interval))}) {
    h = (h ^ v) * 1099511628211ull;
  }
  return h;
}

const RecoveryCheck& CrashExplorer::Check(const FsImage& image,
                                          const Options& options,
                                          const Oracle& oracle,
                                          ExploreStats* stats) {
  const uint64_t key = image.Fingerprint() ^ OptionsFingerprint(options);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  ++stats->recoveries;
  CrashEnv env(image);
  return cache_[key] = CheckRecovery(&env, kStoreDir, options, oracle);
}

void CrashExplorer::Explore(const RecordedRun& run, ExploreStats* stats) {
  ++stats->runs;
  DurableModel model(run.base);
  // Marks are in log order: acknowledged and submitted counts only grow.
  size_t next_ack = 0, next_submit = 0;
  uint64_t acked = run.base_acked;
  uint64_t submitted = run.base_submitted;
  std::vector<const TxnMark*> by_ack;
  for (const TxnMark& m : run.marks) by_ack.push_back(&m);
  std::sort(by_ack.begin(), by_ack.end(),
            [](const TxnMark* a, const TxnMark* b) {
              return a->acked_at < b->acked_at;
            });
  for (size_t boundary = 0; boundary <= run.log.size(); ++boundary) {
    if (boundary > 0) model.Advance(run.log, boundary - 1);
    while (next_ack < by_ack.size() && by_ack[next_ack]->acked_at <= boundary) {
      acked = std::max(acked, by_ack[next_ack]->seq);
      ++next_ack;
    }
    // A transaction submitted when the log had n operations can only be in
    // a crash state after operation n.
    while (next_submit < run.marks.size() &&
           run.marks[next_submit].submitted_at < boundary) {
      submitted = std::max(submitted, run.marks[next_submit].seq);
      ++next_submit;
    }
    ++stats->boundaries;
    const uint64_t salt = seed_ ^ (uint64_t{boundary} * 0x9E3779B97F4A7C15ull) ^
                          (stats->runs * 0xC2B2AE3D27D4EB4Full);
    if (options_.restart_one_in > 0 &&
        (salt >> 17) % options_.restart_one_in == 0) {
      ++stats->restarts;
      CrashEnv env(run.base, run.log, boundary);
      const uint64_t key = env.LiveImage().Fingerprint() * 31 +
                           env.DurableImage().Fingerprint() +
                           OptionsFingerprint(run.options) * 7;
      auto it = restart_cache_.find(key);
      if (it == restart_cache_.end()) {
        ++stats->recoveries;
        it = restart_cache_
                 .emplace(key, CheckRecovery(&env, kStoreDir, run.options,
                                             *run.oracle))
                 .first;
      }
      CheckBounds(
          it->second, acked, submitted,
          [&] {
            return absl::StrCat(
                run.label, "\n  process crash after operation ", boundary,
                " of ", run.log.size(),
                boundary > 0
                    ? absl::StrCat(" (", run.log[boundary - 1].Describe(), ")")
                    : std::string(" (before any)"),
                ", restart in the same boot (page cache intact); acknowledged ",
                acked, ", submitted ", submitted);
          },
          &stats->findings);
    }
    for (const CrashState& state :
         GenerateCrashStates(model, run.log, options_, salt)) {
      ++stats->states;
      const RecoveryCheck& check =
          Check(state.image, run.options, *run.oracle, stats);
      CheckBounds(
          check, acked, submitted,
          [&] {
            return absl::StrCat(
                run.label, "\n  crash after operation ", boundary, " of ",
                run.log.size(),
                boundary > 0
                    ? absl::StrCat(" (", run.log[boundary - 1].Describe(), ")")
                    : std::string(" (before any)"),
                "; acknowledged ", acked, ", submitted ", submitted,
                ", recovered ",
                check.opened ? std::to_string(check.seq)
                             : std::string("nothing"),
                "\n  ", DescribeCrashState(model, run.log, state));
          },
          &stats->findings);
    }
  }
}

}  // namespace statelog::testing
