// tests/crash/crash_during_recovery_test.cc
//
// Issue 4, item 2: a crash during recovery, at each of its I/O operations,
// then recovery again. Starting images are directories that give recovery
// work to do: a torn tail to copy to quarantine/ and zero, leftover temp
// files to remove, a segment after the damage to move into quarantine/,
// and combinations. Some are made by hand; the others are harvested from
// the crash states of recorded workloads (the first ones, in a fixed
// order, whose recovery quarantines bytes or removes temp files).
//
// For each starting image, an uninterrupted recovery runs first and reports
// seq s1; its operation log is then explored like a workload's
// (crash_explorer.h): every crash state of every boundary is recovered and
// must come back at exactly s1 (never shorter; no record applied twice,
// which the appends in the workloads would show), and pass the rest of the
// oracle (idempotence, writability).

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "journal/record.h"
#include "statelog/store.h"
#include "tests/testing/battery.h"
#include "tests/testing/crash_explorer.h"
#include "tests/testing/test_util.h"
#include "tests/testing/workload_runner.h"
#include "util/file_names.h"

namespace statelog {
namespace {

using namespace ::statelog::testing;  // NOLINT: the harness vocabulary

struct StartImage {
  std::string name;
  FsImage image;
  const Oracle* oracle;
  Options options;
};

Options RecoveryOptions() {
  Options o;
  o.segment_bytes = 4096;
  o.compact_after_records = 5;
  o.compact_after_bytes = 0;
  return o;
}

// The journal segment with the highest first sequence number.
std::string NewestSegment(const FsImage& image) {
  std::string newest;
  for (const auto& [path, data] : image.files) {
    const std::string name = BaseName(path);
    if (internal::ParseSegmentFileName(name) && name > BaseName(newest))
      newest = path;
  }
  return newest;
}

size_t EndOfRecords(const std::string& data) {
  size_t last = data.find_last_not_of('\0');
  return last == std::string::npos ? 0 : last + 1;
}

void AddTornTail(FsImage* image) {
  std::string& data = image->files[NewestSegment(*image)];
  const size_t end = EndOfRecords(data);
  for (size_t i = 0; i < 300 && end + i < data.size(); ++i) {
    data[end + i] = static_cast<char>(0xA5 ^ (i * 7));
  }
}

void AddLeftoverTemps(FsImage* image) {
  std::string snapshot;
  for (const auto& [path, data] : image->files) {
    if (absl::StartsWith(BaseName(path), "snapshot-")) snapshot = data;
  }
  const std::string dir = kStoreDir;
  image->files[dir + "/" + internal::SnapshotFileName(90) + ".tmp"] = snapshot;
  image->files[dir + "/" + internal::SnapshotFileName(91) + ".tmp"] =
      snapshot.substr(0, snapshot.size() / 2);
  image->files[dir + "/" + internal::SnapshotFileName(92) + ".tmp"] = "";
  image->files[dir + "/" + internal::SegmentFileName(93) + ".tmp"] =
      std::string(4096, '\x5a');
  image->files[dir + "/recovery-report.json.tmp"] = "{\"half\":";
  image->files[dir + "/STORE.tmp"] = "garbage";
}

// A segment after the newest one holding only a header (of this store but
// not continuing the chain): recovery moves it into quarantine/ whole.
void AddSegmentAfterDamage(FsImage* image) {
  const std::string& last = image->files[NewestSegment(*image)];
  internal::SegmentHeader header;
  header.store_id = last.substr(16, internal::kStoreIdSize);
  header.first_seq = 500;
  std::string data;
  internal::EncodeSegmentHeader(header, &data);
  data.resize(4096, '\0');
  image->files[std::string(kStoreDir) + "/" + internal::SegmentFileName(500)] =
      data;
}

// Tears the last record: its second half becomes zeros.
void TearLastRecord(FsImage* image) {
  std::string& data = image->files[NewestSegment(*image)];
  const size_t end = EndOfRecords(data);
  size_t start = internal::kSegmentHeaderSize;
  while (start < end) {
    internal::RecordHeader h =
        internal::DecodeRecordHeader(data.data() + start);
    const size_t next = start + internal::kRecordHeaderSize + h.length;
    if (next >= end) break;
    start = next;
  }
  std::fill(data.begin() + (start + end) / 2, data.begin() + end, '\0');
}

// Crash states of a recorded workload whose recovery quarantines bytes or
// removes temp files, the first `per_kind` of each kind in boundary order.
void Harvest(const Fixture& fixture, const std::vector<StepKind>& steps,
             const Options& options, size_t per_kind, uint64_t seed,
             Oracle* oracle, std::vector<StartImage>* out) {
  CrashEnv env(fixture.image);
  *oracle = fixture.oracle;
  Findings findings;
  {
    WorkloadRunner runner(&env, options, oracle, nullptr, &findings,
                          [] { return std::string("harvest"); });
    absl::Status s = runner.Open();
    for (StepKind step : steps) {
      if (s.ok()) s = runner.Run(step);
    }
  }
  const std::vector<FsOp> log = env.log();
  DurableModel model(fixture.image);
  std::set<uint64_t> seen;
  size_t torn = 0, temps = 0;
  for (size_t i = 0; i <= log.size() && (torn < per_kind || temps < per_kind);
       ++i) {
    if (i > 0) model.Advance(log, i - 1);
    for (CrashState& state : GenerateCrashStates(
             model, log, {32, 6, true}, seed ^ (i * 0x9E3779B97F4A7C15ull))) {
      if (!seen.insert(state.image.Fingerprint()).second) continue;
      CrashEnv probe(state.image);
      Options o = options;
      o.env = &probe;
      absl::StatusOr<OpenResult> opened = Store::Open(kStoreDir, o);
      if (!opened.ok()) continue;
      const bool q = !opened->report.quarantined.empty();
      const bool t = !opened->report.removed_temp_files.empty();
      if ((q && torn < per_kind) || (t && !q && temps < per_kind)) {
        (q ? torn : temps)++;
        out->push_back(StartImage{
            absl::StrCat("harvested at operation ", i, " (", state.kind, ")",
                         q ? ", torn tail" : "", t ? ", temp files" : ""),
            state.image, oracle, options});
      }
    }
  }
}

TEST(CrashDuringRecoveryTest,
     ACrashAtEveryRecoveryStepRecoversTheSameStateAgain) {
  KeepHeapAcrossStores();
  const absl::Time start = absl::Now();
  const uint64_t seed = BatterySeed();
  const Options options = RecoveryOptions();
  using S = StepKind;

  // Hand-made images over one store at rest.
  const Fixture tail = StoreWithSnapshotsAndTail(options);
  Oracle made_oracle = tail.oracle;
  FsImage at_rest;
  {
    CrashEnv env(tail.image);
    Findings findings;
    WorkloadRunner runner(&env, options, &made_oracle, nullptr, &findings,
                          [] { return std::string("hand-made images"); });
    absl::Status s = runner.Open();
    for (StepKind step : {S::kAppend, S::kBigSet, S::kAppend, S::kSmallSet}) {
      if (s.ok()) s = runner.Run(step);
    }
    ASSERT_OK(s);
    runner.Close();
    at_rest = env.DurableImage();
  }
  std::vector<StartImage> starts;
  auto made = [&](const std::string& name, auto... edits) {
    FsImage image = at_rest;
    (edits(&image), ...);
    starts.push_back(StartImage{name, image, &made_oracle, options});
  };
  made("torn tail (garbage after the last record)", AddTornTail);
  made("last record torn (its second half zero)", TearLastRecord);
  made("leftover temp files (full, partial, empty, garbage)", AddLeftoverTemps);
  made("torn tail and leftover temp files", AddTornTail, AddLeftoverTemps);
  made("torn tail and a segment after it", AddTornTail, AddSegmentAfterDamage);
  made("last record torn, a segment after it, temp files", TearLastRecord,
       AddSegmentAfterDamage, AddLeftoverTemps);

  // Harvested images: kSync and kNone workloads with appends and compactions.
  const size_t per_kind = LongRun() ? 40 : kSlowBuild ? 3 : 8;
  Oracle sync_oracle, none_oracle;
  Harvest(tail,
          {S::kAppend, S::kBigSet, S::kAppend, S::kCompact, S::kAppend,
           S::kSmallSet, S::kBigSet, S::kAppend},
          options, per_kind, seed, &sync_oracle, &starts);
  Options none = options;
  none.durability = Durability::kNone;
  Harvest(tail,
          {S::kAppend, S::kAppend, S::kBigSet, S::kSync, S::kAppend, S::kAppend,
           S::kCompact, S::kAppend, S::kBigSet, S::kAppend},
          none, per_kind, seed, &none_oracle, &starts);

  CrashExplorer explorer({/*max_states=*/32, /*max_torn_per_write=*/6, true},
                         seed);
  ExploreStats stats;
  const std::optional<uint64_t> only = OnlyCase();
  uint64_t steps = 0;
  for (size_t i = 0; i < starts.size(); ++i) {
    if (only && *only != i) continue;
    const StartImage& s = starts[i];
    const Options& o = s.options;
    CrashEnv first(s.image);
    Options fo = o;
    fo.env = &first;
    absl::StatusOr<OpenResult> opened = Store::Open(kStoreDir, fo);
    ASSERT_TRUE(opened.ok()) << s.name << ": " << opened.status();
    const uint64_t s1 = opened->report.last_seq;
    opened->store.reset();
    RecordedRun run;
    run.label = absl::StrCat(
        "recovery-crash image #", i, ": ", s.name,
        "; the uninterrupted recovery reports seq ", s1,
        ", a recovery that crashed and ran again must give exactly that",
        "\n  replay: STATELOG_SEED=", seed, " STATELOG_ONLY=", i,
        " crash_test --gtest_filter='CrashDuringRecoveryTest.*'");
    run.base = s.image;
    run.log = first.log();
    run.base_acked = s1;
    run.base_submitted = s1;
    run.oracle = s.oracle;
    run.options = o;
    steps += run.log.size();
    explorer.Explore(run, &stats);
  }
  PrintSummary(
      "recovery-crash",
      absl::StrCat(stats.runs, " starting images (6 hand-made, ",
                   starts.size() - 6, " harvested), ", WithCommas(steps),
                   " recovery operations, ", WithCommas(stats.states),
                   " crash states (", WithCommas(stats.recoveries),
                   " distinct recovered)"),
      stats.findings, seed, start);
  EXPECT_EQ(stats.findings.total(), 0u) << "see the examples printed above";
}

}  // namespace
}  // namespace statelog
