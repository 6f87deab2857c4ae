// bench/replay_benchmark.cc
//
// Journal read and replay throughput over N records of about 110 bytes (a
// 40-byte header and a `set` of one small value): the reader alone (framing,
// checksums, chain), and the reader feeding every record to recovery's
// ApplyRecordPayload on a 100,000-key state. The journal is written once per
// N in a scratch directory under the current directory; reads then come
// from the page cache, as they do when a process restarts on a live machine.
// Also compaction's replay, and a whole Store::Open until ready to read.

#include <map>
#include <memory>
#include <string>

#include "bench/recovery_store.h"
#include "bench/scratch_dir.h"
#include "bench/workload.h"
#include "benchmark/benchmark.h"
#include "journal/journal_reader.h"
#include "journal/journal_writer.h"
#include "journal/record.h"
#include "recovery/recovery.h"
#include "statelog/env.h"
#include "statelog/store.h"
#include "store/text_state.h"
#include "util/json_util.h"

namespace statelog::bench {
namespace {

constexpr int kStateKeys = 100000;
const std::string kStoreId(internal::kStoreIdSize, '\x5a');

struct Journal {
  ScratchDir dir;
  uint64_t bytes = 0;
};

// A journal of `records` records, written once and kept for the process.
// Record i sets key i % `keys`.
const Journal& JournalOf(int records, int keys = kStateKeys) {
  // Destroyed at exit, which removes the directories.
  static std::map<std::pair<int, int>, std::unique_ptr<Journal>> journals;
  std::unique_ptr<Journal>& slot = journals[{records, keys}];
  if (slot != nullptr) return *slot;
  slot = std::make_unique<Journal>();
  auto writer = internal::JournalWriter::CreateSegment(
      Env::Default(), slot->dir.path(), kStoreId, 1, 0, {});
  if (!writer.ok()) {
    std::fprintf(stderr, "%s\n", writer.status().ToString().c_str());
    std::exit(2);
  }
  std::string batch;
  uint64_t chain = 0;
  for (int i = 1; i <= records; ++i) {
    chain = internal::EncodeRecord(chain, i, i - 1,
                                   internal::RecordType::kTransaction,
                                   SetPayloadJson(i % keys), &batch);
  }
  slot->bytes = batch.size();
  absl::Status s = (*writer)->Write(batch);
  if (s.ok()) s = (*writer)->Sync();
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::exit(2);
  }
  return *slot;
}

void BM_ReadJournal(benchmark::State& state) {
  const int records = static_cast<int>(state.range(0));
  const Journal& journal = JournalOf(records);
  for (auto _ : state) {
    uint64_t seen = 0;
    auto result = internal::ReadJournal(
        Env::Default(), journal.dir.path(), kStoreId, 0, 0, 16 << 20,
        [&](const internal::RecordHeader&, absl::string_view) {
          ++seen;
          return absl::OkStatus();
        });
    if (!result.ok() || seen != static_cast<uint64_t>(records)) {
      state.SkipWithError("journal did not read back whole");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * records);
  state.SetBytesProcessed(state.iterations() * journal.bytes);
}
BENCHMARK(BM_ReadJournal)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

// What recovery does after loading the snapshot: read, parse and apply every
// record. The state keeps its 100,000 keys throughout (records only replace
// values), so iterations are alike.
void BM_ReplayApply(benchmark::State& state) {
  const int records = static_cast<int>(state.range(0));
  const Journal& journal = JournalOf(records);
  Json target = MakeState(kStateKeys);
  for (auto _ : state) {
    auto result = internal::ReadJournal(
        Env::Default(), journal.dir.path(), kStoreId, 0, 0, 16 << 20,
        [&](const internal::RecordHeader&, absl::string_view payload) {
          return internal::ApplyRecordPayload(payload, &target);
        });
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * records);
  state.SetBytesProcessed(state.iterations() * journal.bytes);
}
BENCHMARK(BM_ReplayApply)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

// Compaction's work (store/snapshot_builder.cc): index the previous
// snapshot's text, replay 100,000 records onto it with changed members
// kept as text, dump the new state. The journal sets key i % keys, so at
// 1,000 keys every member changes a hundred times.
void BM_CompactionReplay(benchmark::State& state) {
  const int keys = static_cast<int>(state.range(0));
  constexpr int kRecords = 100000;
  const Journal& journal = JournalOf(kRecords, keys);
  absl::StatusOr<std::string> text = internal::DumpJson(MakeState(keys));
  if (!text.ok()) {
    state.SkipWithError("state did not dump");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<internal::TextState> built =
        internal::TextState::FromText(*text, "previous snapshot");
    if (!built.ok()) {
      state.SkipWithError(built.status().ToString().c_str());
      break;
    }
    built->set_changed_members(internal::ChangedMembers::kText);
    auto result = internal::ReadJournal(
        Env::Default(), journal.dir.path(), kStoreId, 0, 0, 16 << 20,
        [&](const internal::RecordHeader&, absl::string_view payload) {
          return internal::ApplyRecordPayload(payload, &*built);
        });
    absl::StatusOr<std::string> dumped =
        result.ok() ? built->Dump() : result.status();
    if (!dumped.ok()) {
      state.SkipWithError(dumped.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(dumped->data());
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_CompactionReplay)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

// Target 5's race in one process: Store::Open of its store (100,000 keys,
// a snapshot of about 11 MB, a 10,000-record tail of random keys;
// bench/recovery_store.h), and one Get, as statelog_compare's recovery
// child does it. The store is built once; every open reads the same
// files from the page cache.
void BM_OpenUntilReady(benchmark::State& state) {
  constexpr int kTail = 10000;
  // Destroyed at exit, which removes the directory.
  static const ScratchDir dir;
  static const bool built = [] {
    const absl::Status s = BuildRecoveryStore(dir.path(), kStateKeys, kTail);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      std::exit(2);
    }
    return true;
  }();
  benchmark::DoNotOptimize(built);
  for (auto _ : state) {
    absl::StatusOr<OpenResult> opened = Store::Open(dir.path(), Options());
    absl::Status s = opened.status();
    if (s.ok()) s = opened->store->Get(KeyPointer(0)).status();
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    state.PauseTiming();  // closing is not part of the race
    opened->store.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_OpenUntilReady)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace statelog::bench
