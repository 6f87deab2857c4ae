// fuzz/recovery_fuzzer.cc
//
// Fuzz target: Store::Open (full recovery) on a fuzzed store directory in
// an in-memory Env: STORE, snapshots, segments, temp files, anything (input
// layout: fuzz/fuzz_input.h; options byte 0 picks the recovery mode, byte 1
// read-only, byte 2 the checksum fixes of fuzz/checksum_fixup.h). The expected
// outcome is worked out independently of recovery/: the newest snapshot that
// verifies and parses, the records after it as fuzz/reference_journal.h reads
// them, applied one by one, and the mode's rule for damage (docs/recovery.md).
// Properties:
//   - Open succeeds exactly when that rule says it must, never throws, and
//     fails only with DataLoss, InvalidArgument or FailedPrecondition;
//   - the recovered state and sequence number are the expected ones, and
//     the report names the snapshot used and says whether there was damage;
//   - a read-only open changes no file;
//   - otherwise the store goes on: a new transaction gets the next sequence
//     number, and reopening (also from a power-cut image) recovers it with
//     no damage left.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "fuzz/checksum_fixup.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_store_dir.h"
#include "fuzz/reference_journal.h"
#include "recovery/recovery.h"
#include "snapshot/snapshot_file.h"
#include "statelog/store.h"
#include "store/identity.h"
#include "tests/testing/mem_env.h"
#include "txn/apply.h"
#include "util/file_names.h"
#include "util/json_util.h"

namespace statelog::fuzz {
namespace {

struct Expected {
  bool opens = false;
  std::string why_not;
  std::string snapshot;
  Json state;
  uint64_t last_seq = 0;
  bool damaged = false;
};

Expected Expect(testing::MemEnv* env,
                const std::map<std::string, std::string>& files,
                const Options& options) {
  Expected e;
  absl::StatusOr<internal::StoreIdentity> identity =
      internal::ReadIdentity(env, kStoreDir);
  if (!identity.ok()) {
    e.why_not = identity.status().ToString();
    return e;
  }
  // Newest first: the first snapshot that verifies and parses is used.
  std::optional<internal::VerifiedSnapshot> base;
  for (auto it = files.rbegin(); it != files.rend() && !base; ++it) {
    if (!internal::ParseSnapshotFileName(it->first)) continue;
    absl::StatusOr<internal::VerifiedSnapshot> snap =
        internal::ReadSnapshot(env, kStoreDir, it->first, identity->store_id);
    if (!snap.ok()) continue;
    absl::StatusOr<Json> state = internal::ParseJson(snap->state_json, "");
    if (!state.ok()) continue;
    base = std::move(*snap);
    e.snapshot = it->first;
    e.state = std::move(*state);
  }
  if (!base) {
    e.why_not = "no snapshot verifies";
    return e;
  }
  const RefJournal ref = ReadReferenceJournal(
      files, identity->store_id, base->header.seq, base->header.chain);
  if (ref.hard_error) {
    e.why_not = ref.hard_error_why;
    return e;
  }
  for (const RefRecord& r : ref.records) {
    if (r.seq <= base->header.seq || r.type != 1) continue;
    absl::Status applied = internal::ApplyRecordPayload(r.payload, &e.state);
    if (!applied.ok()) {
      e.why_not = absl::StrCat("record ", r.seq, ": ", applied.ToString());
      return e;
    }
  }
  e.last_seq = ref.last_seq;
  e.damaged = ref.damaged;
  const bool pit = options.recovery_mode == RecoveryMode::kPointInTime;
  if (ref.covered_damage && !pit) {
    e.why_not = "damage in records the snapshot covers";
    return e;
  }
  if (!ref.damaged && ref.next_seq <= base->header.seq) {
    if (!pit) {
      e.why_not = "the journal ends before the snapshot";
      return e;
    }
    e.damaged = true;  // reported as damage
  }
  if (ref.damaged && options.recovery_mode == RecoveryMode::kStrict) {
    e.why_not = "damage in strict mode";
    return e;
  }
  if (ref.damaged && ref.durable_after &&
      options.recovery_mode == RecoveryMode::kTolerateTornTail) {
    e.why_not = "mid-log corruption";
    return e;
  }
  e.opens = true;
  return e;
}

Json StateOf(const Store& store) {
  absl::StatusOr<Json> state = store.Get("");
  STATELOG_FUZZ_CHECK(state.ok(), state.status().ToString());
  return *state;
}

// Reopens `env`'s store after a clean close and checks it holds `state`
// at `seq` with no damage.
void CheckReopens(testing::MemEnv* env, const Json& state, uint64_t seq,
                  const char* how) {
  Options options;
  options.env = env;
  options.segment_bytes = 4096;
  absl::StatusOr<OpenResult> opened = Store::Open(kStoreDir, options);
  STATELOG_FUZZ_CHECK(opened.ok(), how, ": ", opened.status().ToString());
  STATELOG_FUZZ_CHECK(opened->store->LastSeq() == seq, how, ": seq ",
                      opened->store->LastSeq(), ", expected ", seq);
  STATELOG_FUZZ_CHECK(StateOf(*opened->store) == state, how, ": state differs");
  STATELOG_FUZZ_CHECK(opened->report.damage.empty(), how,
                      ": damage left: ", opened->report.damage);
}

void CheckRecovery(DirInput input) {
  ByteReader choices(input.options);
  Options options;
  options.segment_bytes = 4096;
  constexpr RecoveryMode kModes[] = {RecoveryMode::kTolerateTornTail,
                                     RecoveryMode::kStrict,
                                     RecoveryMode::kPointInTime};
  options.recovery_mode = kModes[choices.Below(3)];
  options.read_only = (choices.Byte() & 1) != 0;
  FixChecksums(choices.Byte(), &input);
  testing::MemEnv env;
  const std::map<std::string, std::string> files =
      PopulateStoreDir(input, &env);
  options.env = &env;

  const Expected expected = Expect(&env, files, options);
  absl::StatusOr<OpenResult> opened = Store::Open(kStoreDir, options);
  if (!opened.ok()) {
    const absl::Status& s = opened.status();
    STATELOG_FUZZ_CHECK(
        !expected.opens, "Open refused a recoverable directory (expected seq ",
        expected.last_seq, " from ", expected.snapshot, "): ", s.ToString());
    STATELOG_FUZZ_CHECK(absl::IsDataLoss(s) || absl::IsInvalidArgument(s) ||
                            absl::IsFailedPrecondition(s) ||
                            (absl::IsNotFound(s) && !files.count("STORE")),
                        "unexpected code: ", s.ToString());
    return;
  }
  std::unique_ptr<Store> store = std::move(opened->store);
  const RecoveryReport& report = opened->report;
  STATELOG_FUZZ_CHECK(expected.opens, "Open succeeded (seq ", store->LastSeq(),
                      ") where it must fail: ", expected.why_not);
  STATELOG_FUZZ_CHECK(store->LastSeq() == expected.last_seq &&
                          report.last_seq == expected.last_seq,
                      "recovered seq ", store->LastSeq(), ", expected ",
                      expected.last_seq);
  STATELOG_FUZZ_CHECK(StateOf(*store) == expected.state,
                      "recovered a state not explained by the snapshot ",
                      expected.snapshot, " and the journal");
  STATELOG_FUZZ_CHECK(report.snapshot_used == expected.snapshot,
                      "report names snapshot ", report.snapshot_used,
                      ", expected ", expected.snapshot);
  STATELOG_FUZZ_CHECK(report.damage.empty() == !expected.damaged,
                      "report damage \"", report.damage, "\", expected ",
                      expected.damaged ? "some" : "none");

  if (options.read_only) {
    store.reset();
    STATELOG_FUZZ_CHECK(StoreDirFiles(&env) == files,
                        "a read-only open changed the directory");
    return;
  }

  // The store goes on from the recovered state.
  Transaction probe;
  probe.Merge(Json{{"fuzz_probe", expected.last_seq + 1}});
  Json next = expected.state;
  absl::Status applies = internal::ApplyTransaction(probe, &next);
  STATELOG_FUZZ_CHECK(applies.ok(), applies.ToString());
  absl::StatusOr<uint64_t> seq = store->Apply(probe);
  STATELOG_FUZZ_CHECK(
      seq.ok() && *seq == expected.last_seq + 1,
      "a transaction after recovery: ",
      seq.ok() ? absl::StrCat("seq ", *seq) : seq.status().ToString());
  store.reset();
  std::unique_ptr<testing::MemEnv> power_cut = env.CrashImage();
  CheckReopens(&env, next, *seq, "reopen after recovery");
  CheckReopens(power_cut.get(), next, *seq, "power cut after recovery");
}

}  // namespace
}  // namespace statelog::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statelog::fuzz;
  return Guarded([&] {
    CheckRecovery(ParseDirInput(
        absl::string_view(reinterpret_cast<const char*>(data), size)));
  });
}
