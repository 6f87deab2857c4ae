// bench/recovery_store.h
//
// The store target 5's recovery race opens: a snapshot of `keys` keys,
// then `tail` updates of keys picked at random. statelog_compare builds it
// for the race (bench/compare/recovery_race.cc) and replay_benchmark for
// BM_OpenUntilReady, so that the two measure the same data. Header-only,
// as workload.h: each benchmark executable stays one source file.

#ifndef STATELOG_BENCH_RECOVERY_STORE_H_
#define STATELOG_BENCH_RECOVERY_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/workload.h"
#include "statelog/store.h"

namespace statelog::bench {

// Seeds the KeyPicker of the tail; SQLite's copy of the data uses it too.
inline constexpr uint64_t kRecoveryTailSeed = 99;

// A store that never compacts on its own while it is built, with writes
// unsynced until close (setup, not measured).
inline absl::StatusOr<std::unique_ptr<Store>> BuildSetupStore(
    const std::string& dir) {
  Options options;
  options.create_if_missing = true;
  options.durability = Durability::kNone;
  options.compact_after_records = 0;
  options.compact_after_bytes = 0;
  absl::StatusOr<OpenResult> opened = Store::Open(dir, options);
  if (!opened.ok()) return opened.status();
  return std::move(opened->store);
}

// Snapshot of `keys` keys, then `tail` updates of random keys, synced.
inline absl::Status BuildRecoveryStore(const std::string& dir, int keys,
                                       int tail) {
  absl::StatusOr<std::unique_ptr<Store>> store = BuildSetupStore(dir);
  if (!store.ok()) return store.status();
  absl::Status s =
      (*store)->Apply(Transaction().Merge(MakeState(keys))).status();
  if (s.ok()) s = (*store)->Compact();
  KeyPicker picker(kRecoveryTailSeed);
  for (int j = 0; s.ok() && j < tail; ++j) {
    s = (*store)
            ->Apply(Transaction().Set(KeyPointer(picker.Next(keys)),
                                      SmallValue(keys + j)))
            .status();
  }
  if (s.ok()) s = (*store)->Sync();
  return s;
}

}  // namespace statelog::bench

#endif  // STATELOG_BENCH_RECOVERY_STORE_H_
