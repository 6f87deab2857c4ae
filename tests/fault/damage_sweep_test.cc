// tests/fault/damage_sweep_test.cc
//
// Item 4 of the fault battery: damage a reference journal and a reference
// snapshot in every way a disk can (truncation at every offset, both as
// zeros to the end of the preallocated segment and as a real ftruncate;
// every byte set to 0x00 and to 0xFF; bit flips, sampled by default and all
// of them with STATELOG_LONG=1; every 512-byte sector zeroed and filled with
// random bytes), recover each damaged copy, and compare what recovery did
// with what docs/recovery.md says it must do:
//
//   * a cut or damage whose first damaged record is E leaves exactly the
//     records before E, unless an intact record after the damage proves
//     (by its durable watermark) that E had been made durable: then Open
//     fails with DataLoss naming the segment, the offset and E;
//   * a damaged snapshot is never loaded: the older snapshot is used, or
//     Open fails;
//   * nothing crashes or hangs, and no allocation is sized by a damaged
//     length field.
//
// Everything runs on MemEnv. Most copies are recovered by a read-only Open
// (nothing changes, so the reference is restored by putting one file back);
// a seeded sample of them by a read-write Open that quarantines, writes a
// transaction, and reopens, and by a point-in-time Open. The test program
// replaces the allocation functions (tests/testing/allocation_hooks.h) so
// that the sweep can tell the largest single allocation made while
// recovering a damaged copy: a length field read from damaged bytes and used
// before it is bounded would show up as a multi-gigabyte request.

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "journal/format.h"
#include "journal/record.h"
#include "statelog/store.h"
#include "store/identity.h"
#include "tests/fault/fault_util.h"
#include "tests/fault/sweep_util.h"
#include "tests/testing/allocation_hooks.h"
#include "tests/testing/mem_env.h"
#include "tests/testing/test_util.h"
#include "util/file_names.h"
#include "util/json_util.h"

namespace statelog {
namespace {

using internal::kRecordHeaderSize;
using internal::kSegmentHeaderSize;
using ::statelog::fault::ApplyDamage;
using ::statelog::fault::Damage;
using ::statelog::fault::DamageName;
using ::statelog::fault::DamagesFor;
using ::statelog::fault::LongMode;
using ::statelog::fault::ParallelFor;
using ::statelog::fault::PrintSummary;
using ::statelog::fault::Rng;
using ::statelog::fault::Tally;
using ::statelog::fault::TestSeed;
using ::statelog::fault::Watchdog;
using ::statelog::fault::WithCommas;
using ::statelog::fault::Workers;
using ::statelog::testing::MemEnv;

constexpr char kDir[] = "/s";
constexpr uint64_t kSegmentBytes = 8 << 10;
// Recovering one damaged copy must take less than this (no hang).
constexpr double kSlowRecoverySeconds = 5.0;

std::string Path(const std::string& name) {
  return internal::JoinPath(kDir, name);
}

// ---------------------------------------------------------------------------
// The reference journal: records of 1 byte to 6 KiB, hand-framed exactly as
// the store frames them (kSync, one writer: each record's durable watermark
// is the sequence number before it), placed in 8 KiB segments the way the
// journal writer places them, so they cross 512-byte and 4 KiB boundaries
// and segment ends. Payloads under 46 bytes cannot be a transaction; they
// are records of an unknown type with the "safe to ignore" bit, which
// recovery skips while keeping them in the chain.

// Payload sizes of the reference journal. The default one (16 KiB of
// records in three segments) keeps the sweep within its time budget; the
// long one adds the sizes in between.
const std::vector<size_t>& PayloadSizes() {
  static const std::vector<size_t> kDefault = {1,    39,   41,   471, 473,
                                               4055, 4057, 6144, 60,  300};
  static const std::vector<size_t> kLong = {1,    7,    39,   40,   41,   100,
                                            471,  472,  473,  1000, 2000, 4055,
                                            4056, 4057, 6144, 60,   300};
  return LongMode() ? kLong : kDefault;
}
constexpr uint8_t kIgnorableType = internal::kRecordTypeIgnorableBit | 0x01;

struct RecordSpan {
  size_t segment;  // index into JournalReference::segments
  uint64_t begin;
  uint64_t end;
  uint64_t seq;
  uint64_t durable;
};

struct SegmentSpan {
  std::string name;
  uint64_t first_seq;
  uint64_t records_end;  // offset after its last record
  std::string bytes;
};

struct JournalReference {
  MemEnv env;
  std::vector<SegmentSpan> segments;
  std::vector<RecordSpan> records;  // records[seq - 1]
  std::vector<Json> states;         // states[s]: the state after record s
};

// A transaction payload of exactly `size` bytes setting /k<seq % 5>.
std::string TransactionPayload(uint64_t seq, size_t size, std::string* key,
                               std::string* value) {
  *key = absl::StrCat("k", seq % 5);
  const std::string base =
      *internal::DumpJson(Transaction().Set("/" + *key, "").ToJson());
  EXPECT_GE(size, base.size());
  *value = fault::Filler(seq, size - base.size());
  std::string payload =
      *internal::DumpJson(Transaction().Set("/" + *key, *value).ToJson());
  EXPECT_EQ(payload.size(), size);
  return payload;
}

void BuildJournalReference(JournalReference* ref) {
  {
    Options o;
    o.create_if_missing = true;
    o.env = &ref->env;
    o.segment_bytes = kSegmentBytes;
    ASSERT_OK(Store::Open(kDir, o));
  }
  absl::StatusOr<internal::StoreIdentity> id =
      internal::ReadIdentity(&ref->env, kDir);
  ASSERT_OK(id);
  ASSERT_OK(ref->env.RemoveFile(Path(internal::SegmentFileName(1))));
  const size_t min_txn =
      internal::DumpJson(Transaction().Set("/k0", "").ToJson())->size();

  Json state = Json::object();
  ref->states.push_back(state);
  uint64_t chain = 0;  // the chain value of the empty snapshot
  uint64_t seq = 1;
  for (size_t size : PayloadSizes()) {
    std::string payload;
    uint8_t type = kIgnorableType;
    if (size >= min_txn) {
      std::string key, value;
      payload = TransactionPayload(seq, size, &key, &value);
      type = static_cast<uint8_t>(internal::RecordType::kTransaction);
      state[key] = value;
    } else {
      payload = fault::Filler(seq, size);
    }
    std::string framed;
    const uint64_t durable = seq - 1;
    const uint64_t checksum = internal::EncodeRecord(
        chain, seq, durable, static_cast<internal::RecordType>(type), payload,
        &framed);
    if (ref->segments.empty() ||
        ref->segments.back().records_end + framed.size() >
            ref->segments.back().bytes.size()) {
      SegmentSpan segment;
      segment.name = internal::SegmentFileName(seq);
      segment.first_seq = seq;
      internal::EncodeSegmentHeader(
          internal::SegmentHeader{id->store_id, seq, chain}, &segment.bytes);
      segment.bytes.resize(
          std::max<uint64_t>(kSegmentBytes, kSegmentHeaderSize + framed.size()),
          '\0');
      segment.records_end = kSegmentHeaderSize;
      ref->segments.push_back(std::move(segment));
    }
    SegmentSpan& segment = ref->segments.back();
    segment.bytes.replace(segment.records_end, framed.size(), framed);
    ref->records.push_back(
        RecordSpan{ref->segments.size() - 1, segment.records_end,
                   segment.records_end + framed.size(), seq, durable});
    segment.records_end += framed.size();
    ref->states.push_back(state);
    chain = checksum;
    ++seq;
  }
  for (const SegmentSpan& segment : ref->segments) {
    ref->env.PutFile(Path(segment.name), segment.bytes);
  }
  // The undamaged reference recovers every record.
  Options o;
  o.env = &ref->env;
  o.read_only = true;
  absl::StatusOr<OpenResult> r = Store::Open(kDir, o);
  ASSERT_OK(r);
  ASSERT_EQ(r->report.last_seq, ref->records.size());
  ASSERT_TRUE(r->report.damage.empty()) << r->report.damage;
  ASSERT_EQ(*r->store->Get(""), ref->states.back());
}

// What docs/recovery.md says recovery must do with a journal whose segment
// `index` now holds `damaged`.
struct Verdict {
  bool changed = false;        // some byte the reader looks at differs
  std::string file;            // where the reader finds the damage
  bool data_loss = false;      // mid-log corruption: Open must fail
  uint64_t expected_seq = 0;   // the first record the damage takes (E)
  uint64_t offset = 0;         // where the reader finds the damage
  uint64_t last_seq = 0;       // if !data_loss: the records kept are 1..E-1
  bool clean = false;          // the journal simply ends there: no damage
  uint64_t records_after = 0;  // intact records after the damage
};

Verdict Judge(const JournalReference& ref, size_t index,
              const std::string& damaged) {
  const SegmentSpan& segment = ref.segments[index];
  const std::string& original = segment.bytes;
  Verdict v;
  // The first byte the reader sees differently: a changed byte, a removed
  // nonzero byte, or a header that no longer fits in the file.
  uint64_t first = original.size();
  const size_t common = std::min(original.size(), damaged.size());
  for (size_t i = 0; i < common; ++i) {
    if (original[i] != damaged[i]) {
      first = i;
      break;
    }
  }
  if (damaged.size() < original.size()) {
    for (size_t i = damaged.size(); i < first; ++i) {
      if (original[i] != '\0') {
        first = i;
        break;
      }
    }
    if (damaged.size() < kSegmentHeaderSize)
      first = std::min<uint64_t>(first, damaged.size());
  }
  const uint64_t n = ref.records.size();
  if (first == original.size()) {
    v.expected_seq = n + 1;
    v.last_seq = n;
    v.clean = true;
    return v;
  }
  v.changed = true;
  v.file = segment.name;
  if (first < kSegmentHeaderSize) {
    v.expected_seq = segment.first_seq;
    v.offset = 0;
  } else if (first >= segment.records_end) {
    v.expected_seq = index + 1 < ref.segments.size()
                         ? ref.segments[index + 1].first_seq
                         : n + 1;
    v.offset = segment.records_end;
  } else {
    for (const RecordSpan& r : ref.records) {
      if (r.segment == index && r.begin <= first && first < r.end) {
        v.expected_seq = r.seq;
        v.offset = r.begin;
      }
    }
  }
  bool durable_after = false;
  for (const RecordSpan& r : ref.records) {
    if (r.seq < v.expected_seq) continue;
    bool intact;
    if (r.segment == index) {
      intact = r.begin > v.offset && r.end <= damaged.size() &&
               damaged.compare(r.begin, r.end - r.begin, original, r.begin,
                               r.end - r.begin) == 0;
    } else {
      intact = r.segment > index;
    }
    if (!intact) continue;
    ++v.records_after;
    if (r.durable >= v.expected_seq) durable_after = true;
  }
  v.data_loss = durable_after;
  v.last_seq = v.expected_seq - 1;
  // A segment whose records stop early but whose bytes are zero from there
  // on ends cleanly; the reader then finds the damage at the next segment,
  // which does not continue it.
  const bool ends_here =
      v.offset >= kSegmentHeaderSize &&
      (v.offset >= damaged.size() ||
       damaged.find_first_not_of('\0', v.offset) == std::string::npos);
  v.clean = ends_here && index + 1 == ref.segments.size();
  if (ends_here && !v.clean) {
    v.file = ref.segments[index + 1].name;
    v.offset = 0;
  }
  return v;
}

// Offsets that get byte-level damage in segment `index`: every byte up to
// 64 past its last record, then every 61st byte of the zero tail and the
// last. In a slow build, only every 7th payload byte (headers stay dense:
// lengths, sequence numbers and chains are read from them).
std::vector<uint64_t> SegmentPositions(const JournalReference& ref,
                                       size_t index) {
  const SegmentSpan& segment = ref.segments[index];
  std::vector<bool> header(segment.bytes.size(), false);
  for (uint64_t p = 0; p < kSegmentHeaderSize; ++p) header[p] = true;
  for (const RecordSpan& r : ref.records) {
    if (r.segment != index) continue;
    for (uint64_t p = r.begin; p < r.begin + kRecordHeaderSize; ++p)
      header[p] = true;
  }
  std::vector<uint64_t> out;
  const uint64_t dense =
      std::min<uint64_t>(segment.records_end + 64, segment.bytes.size());
  for (uint64_t p = 0; p < dense; ++p) {
    if (!fault::kSlowBuild || LongMode() || header[p] || p % 7 == 0)
      out.push_back(p);
  }
  for (uint64_t p = dense; p + 1 < segment.bytes.size(); p += 61)
    out.push_back(p);
  out.push_back(segment.bytes.size() - 1);
  return out;
}

std::string Describe(const Verdict& v) {
  if (!v.changed) return "no change";
  if (v.data_loss) {
    return absl::StrCat("DataLoss at ", v.file, " offset ", v.offset,
                        " expected seq ", v.expected_seq);
  }
  return absl::StrCat("OK with records 1..", v.last_seq,
                      v.clean ? " (clean end)" : " (torn tail)");
}

// Checks one recovery of a damaged journal copy against `v`.
void CheckJournalOpen(const JournalReference& ref, const Verdict& v,
                      const std::string& what,
                      const absl::StatusOr<OpenResult>& r, Tally* tally) {
  if (v.data_loss) {
    if (r.ok()) {
      tally->Fail("undetected", absl::StrCat(what, ": expected ", Describe(v),
                                             ", Open succeeded with last_seq ",
                                             r->report.last_seq));
      return;
    }
    const std::string message(r.status().message());
    if (r.status().code() != absl::StatusCode::kDataLoss ||
        message.find(absl::StrCat(v.file, " offset ", v.offset,
                                  " (expected seq ", v.expected_seq, ")")) ==
            std::string::npos) {
      tally->Fail("misreported", absl::StrCat(what, ": expected ", Describe(v),
                                              ", got ", r.status().ToString()));
    }
    return;
  }
  if (!r.ok()) {
    tally->Fail("wrongly refused",
                absl::StrCat(what, ": expected ", Describe(v), ", got ",
                             r.status().ToString()));
    return;
  }
  absl::StatusOr<Json> state = r->store->Get("");
  if (r->report.last_seq != v.last_seq || !state.ok() ||
      *state != ref.states[v.last_seq]) {
    const bool some_prefix = r->report.last_seq < ref.states.size() &&
                             state.ok() &&
                             *state == ref.states[r->report.last_seq];
    tally->Fail("undetected",
                absl::StrCat(
                    what, ": expected ", Describe(v), ", recovered last_seq ",
                    r->report.last_seq,
                    some_prefix ? "" : " with a state that matches no prefix"));
    return;
  }
  if (v.clean != r->report.damage.empty()) {
    tally->Fail("misreported", absl::StrCat(what, ": expected ", Describe(v),
                                            ", report says damage \"",
                                            r->report.damage, "\""));
  }
}

// Read-write recovery of a damaged copy: quarantine and truncate, write one
// more transaction, reopen: the new record follows the kept ones exactly.
// Then point-in-time recovery of the same copy keeps exactly the records
// before the damage and counts the valid ones after it.
void CheckReadWrite(const JournalReference& ref, const Verdict& v,
                    const std::string& what, const MemEnv& damaged,
                    Tally* tally) {
  std::unique_ptr<MemEnv> image = damaged.CrashImage();
  Options rw;
  rw.env = image.get();
  rw.segment_bytes = kSegmentBytes;
  absl::StatusOr<OpenResult> r = Store::Open(kDir, rw);
  CheckJournalOpen(ref, v, what + " (read-write)", r, tally);
  if (r.ok() && !v.data_loss) {
    if (!v.clean && r->report.quarantined.empty()) {
      tally->Fail("misreported",
                  what + ": damage recovered without quarantine");
    }
    absl::StatusOr<uint64_t> seq =
        r->store->Apply(Transaction().Set("/after", "damage"));
    r->store.reset();
    Json expected = ref.states[v.last_seq];
    expected["after"] = "damage";
    absl::StatusOr<OpenResult> again = Store::Open(kDir, rw);
    if (!seq.ok() || *seq != v.last_seq + 1 || !again.ok() ||
        again->report.last_seq != v.last_seq + 1 ||
        !again->report.damage.empty() || *again->store->Get("") != expected) {
      tally->Fail("undetected",
                  absl::StrCat(
                      what, ": after recovery, a new transaction got ",
                      seq.ok() ? std::to_string(*seq) : seq.status().ToString(),
                      " and reopening gave ",
                      again.ok() ? absl::StrCat(
                                       "last_seq ", again->report.last_seq,
                                       " damage \"", again->report.damage, "\"")
                                 : again.status().ToString()));
    }
  }
  std::unique_ptr<MemEnv> pit_image = damaged.CrashImage();
  Options pit;
  pit.env = pit_image.get();
  pit.segment_bytes = kSegmentBytes;
  pit.recovery_mode = RecoveryMode::kPointInTime;
  absl::StatusOr<OpenResult> p = Store::Open(kDir, pit);
  if (!p.ok() || p->report.last_seq != v.expected_seq - 1 ||
      *p->store->Get("") != ref.states[v.expected_seq - 1] ||
      (!v.clean && p->report.records_lost != v.records_after)) {
    tally->Fail("undetected",
                absl::StrCat(
                    what, " (point-in-time): expected records 1..",
                    v.expected_seq - 1, " and ", v.records_after, " lost, got ",
                    p.ok() ? absl::StrCat("last_seq ", p->report.last_seq, ", ",
                                          p->report.records_lost, " lost")
                           : p.status().ToString()));
  }
}

struct SweepCase {
  size_t file;  // index of the damaged file
  Damage damage;
  bool read_write;
};

std::string SampleNote(uint64_t bit_sample) {
  return bit_sample > 1 ? absl::StrCat(" (1 in ", bit_sample, ")") : " (all)";
}

TEST(DamageSweepTest, EveryTruncationByteBitAndSectorOfTheJournal) {
  const uint64_t seed = TestSeed(20261125);
  const uint64_t bit_sample = LongMode() ? 1 : 16;
  const uint64_t rw_sample = LongMode() ? 4 : 32;
  JournalReference ref;
  BuildJournalReference(&ref);
  if (::testing::Test::HasFatalFailure()) return;

  std::vector<SweepCase> cases;
  Rng sample(seed ^ 0x5A5A);
  size_t largest_file = 0;
  for (size_t index = 0; index < ref.segments.size(); ++index) {
    const SegmentSpan& segment = ref.segments[index];
    largest_file = std::max(largest_file, segment.bytes.size());
    for (const Damage& damage :
         DamagesFor(segment.bytes, SegmentPositions(ref, index), seed + index,
                    bit_sample)) {
      cases.push_back({index, damage, sample.OneIn(rw_sample)});
    }
  }

  const int workers = Workers();
  std::vector<std::unique_ptr<MemEnv>> envs;
  for (int w = 0; w < workers; ++w) envs.push_back(ref.env.CrashImage());
  Tally tally;
  double slowest = 0;
  Watchdog watchdog(workers, kSlowRecoverySeconds * 6);
  ::statelog::testing::ResetLargestAllocation();
  ParallelFor(cases.size(), workers, [&](int worker, size_t i) {
    const SweepCase& c = cases[i];
    const SegmentSpan& segment = ref.segments[c.file];
    const std::string damaged = ApplyDamage(c.damage, segment.bytes);
    if (damaged == segment.bytes) {
      tally.Count("unchanged");
      return;
    }
    const Verdict v = Judge(ref, c.file, damaged);
    tally.Count("copies");
    tally.Count(DamageName(c.damage.kind));
    tally.Count(v.data_loss ? "data loss"
                : v.clean   ? "clean end"
                            : "torn tail");
    const std::string what = c.damage.Describe(segment.name);
    MemEnv* env = envs[worker].get();
    // Read-only: nothing changes, so putting the file back restores the
    // reference.
    env->PutFile(Path(segment.name), damaged);
    Options ro;
    ro.env = env;
    ro.read_only = true;
    watchdog.Begin(worker, what);
    ::statelog::testing::WatchAllocations(true);
    {
      absl::StatusOr<OpenResult> r = Store::Open(kDir, ro);
      ::statelog::testing::WatchAllocations(false);
      tally.Max(&slowest, watchdog.End(worker));
      CheckJournalOpen(ref, v, what + " (read-only)", r, &tally);
    }
    if (c.read_write) {
      tally.Count("read-write");
      CheckReadWrite(ref, v, what, *env, &tally);
    }
    env->PutFile(Path(segment.name), segment.bytes);
  });
  tally.ReportFailures();

  const size_t largest = ::statelog::testing::LargestAllocation();
  // Reading a file allocates its size; a few copies of it are fine. A length
  // from damaged bytes would ask for up to 4 GiB.
  EXPECT_LE(largest, 4 * largest_file + (64 << 10))
      << "an allocation during recovery was sized by something other than "
         "the files";
  EXPECT_LT(slowest, kSlowRecoverySeconds);
  EXPECT_EQ(tally.Get("undetected"), 0u);
  EXPECT_EQ(tally.Get("wrongly refused"), 0u);
  EXPECT_EQ(tally.Get("misreported"), 0u);
  PrintSummary(absl::StrCat(
      "damage(journal): ", WithCommas(tally.Get("copies")),
      " damaged journals (",
      WithCommas(tally.Get("zero-to-end") + tally.Get("ftruncate")),
      " truncations, ",
      WithCommas(tally.Get("byte=0x00") + tally.Get("byte=0xFF")),
      " byte sets, ", WithCommas(tally.Get("bit-flip")), " bit flips",
      SampleNote(bit_sample), ", ",
      WithCommas(tally.Get("sector-zero") + tally.Get("sector-random")),
      " sectors; ", WithCommas(tally.Get("read-write")),
      " also read-write and point-in-time) of ", ref.records.size(),
      " records in ", ref.segments.size(),
      " segments: ", WithCommas(tally.Get("data loss")),
      " DataLoss as required, ", WithCommas(tally.Get("torn tail")),
      " torn tails, ", WithCommas(tally.Get("clean end")), " clean cuts; ",
      tally.Get("undetected"), " undetected, ", tally.Get("wrongly refused"),
      " wrongly refused, ", tally.Get("misreported"),
      " misreported; largest allocation ", WithCommas(largest),
      " B, slowest recovery ", static_cast<int>(slowest * 1000),
      " ms, seed=", seed, fault::BuildNote()));
}

// ---------------------------------------------------------------------------
// The reference snapshot: a store with snapshot-0 and snapshot-K (written by
// the store's own compaction), records 1..K in wal-1 and K+1..N after it.
// Damage to snapshot-K must make recovery fall back to snapshot-0 and replay
// everything (or fail); damage to snapshot-0 must change nothing.

struct SnapshotReference {
  MemEnv env;
  uint64_t last_seq = 0;
  Json state;
};

constexpr uint64_t kSnapshotAt = 12;
constexpr uint64_t kSnapshotRecords = 16;

void BuildSnapshotReference(SnapshotReference* ref) {
  Options o;
  o.create_if_missing = true;
  o.env = &ref->env;
  o.segment_bytes = 8192;
  o.compact_after_records = 0;
  o.compact_after_bytes = 0;
  absl::StatusOr<OpenResult> r = Store::Open(kDir, o);
  ASSERT_OK(r);
  for (uint64_t i = 1; i <= kSnapshotRecords; ++i) {
    ASSERT_OK(r->store->Apply(Transaction().Set(
        absl::StrCat("/k", i % 4), fault::Filler(i, 10 + (i * 397) % 1500))));
    if (i == kSnapshotAt) {
      ASSERT_OK(r->store->Compact());
    }
  }
  ref->last_seq = kSnapshotRecords;
  ref->state = *r->store->Get("");
}

// The members of a snapshot header (docs/format.md).
constexpr const char* kHeaderKeys[] = {
    "chain", "created_at",  "format",     "header_xxh3", "schema_version",
    "seq",   "state_bytes", "state_xxh3", "store_id"};

// The header member of `snapshot` whose value holds byte `offset`, or
// "elsewhere".
std::string HeaderFieldAt(const std::string& snapshot, uint64_t offset) {
  const size_t line_end = snapshot.find('\n');
  for (const char* key : kHeaderKeys) {
    const std::string quoted = absl::StrCat("\"", key, "\":");
    const size_t at = snapshot.find(quoted);
    if (at == std::string::npos || at > line_end) continue;
    const size_t begin = at + quoted.size();
    const size_t end = snapshot.find_first_of(",}", begin);
    if (offset >= begin && offset < end) return key;
  }
  return "elsewhere";
}

// " (created_at 12, schema_version 3)": the counts `prefix` + member.
std::string Breakdown(Tally* tally, const std::string& prefix) {
  std::string out;
  std::vector<std::string> keys(std::begin(kHeaderKeys), std::end(kHeaderKeys));
  keys.push_back("elsewhere");
  for (const std::string& key : keys) {
    const uint64_t n = tally->Get(prefix + key);
    if (n > 0) absl::StrAppend(&out, out.empty() ? "" : ", ", key, " ", n);
  }
  return out.empty() ? "" : " (" + out + ")";
}

TEST(DamageSweepTest, DamagedSnapshotIsNeverLoaded) {
  const uint64_t seed = TestSeed(20261125);
  const uint64_t bit_sample = LongMode() ? 1 : 16;
  const uint64_t rw_sample = LongMode() ? 4 : 32;
  SnapshotReference ref;
  BuildSnapshotReference(&ref);
  if (::testing::Test::HasFatalFailure()) return;
  const std::vector<std::string> files = {
      internal::SnapshotFileName(kSnapshotAt), internal::SnapshotFileName(0)};
  std::vector<std::string> originals(files.size());
  std::vector<SweepCase> cases;
  Rng sample(seed ^ 0xA5A5);
  for (size_t f = 0; f < files.size(); ++f) {
    ASSERT_TRUE(ref.env.GetFile(Path(files[f]), &originals[f]));
    // Every byte; in a slow build the header line and every 7th byte after.
    std::vector<uint64_t> positions;
    const size_t header_line = originals[f].find('\n');
    for (uint64_t p = 0; p < originals[f].size(); ++p) {
      if (!fault::kSlowBuild || LongMode() || p <= header_line || p % 7 == 0) {
        positions.push_back(p);
      }
    }
    for (const Damage& damage :
         DamagesFor(originals[f], positions, seed + f, bit_sample)) {
      cases.push_back({f, damage, sample.OneIn(rw_sample)});
    }
  }

  const int workers = Workers();
  std::vector<std::unique_ptr<MemEnv>> envs;
  for (int w = 0; w < workers; ++w) envs.push_back(ref.env.CrashImage());
  Tally tally;
  double slowest = 0;
  Watchdog watchdog(workers, kSlowRecoverySeconds * 6);
  ParallelFor(cases.size(), workers, [&](int worker, size_t i) {
    const SweepCase& c = cases[i];
    const std::string& file = files[c.file];
    const std::string damaged = ApplyDamage(c.damage, originals[c.file]);
    if (damaged == originals[c.file]) {
      tally.Count("unchanged");
      return;
    }
    tally.Count("copies");
    const std::string what = c.damage.Describe(file);
    MemEnv* env = envs[worker].get();
    env->PutFile(Path(file), damaged);
    std::unique_ptr<MemEnv> image = c.read_write ? env->CrashImage() : nullptr;
    env->PutFile(Path(file), originals[c.file]);
    if (c.read_write) {
      tally.Count("read-write");
    } else {
      env->PutFile(Path(file), damaged);
    }
    Options o;
    o.env = c.read_write ? image.get() : env;
    o.read_only = !c.read_write;
    watchdog.Begin(worker, what);
    absl::StatusOr<OpenResult> r = Store::Open(kDir, o);
    tally.Max(&slowest, watchdog.End(worker));
    if (!c.read_write) env->PutFile(Path(file), originals[c.file]);
    if (!r.ok()) {
      // Allowed ("its fallback is used or Open fails"), and counted: the
      // older snapshot could have served.
      tally.Note("refused", what + ": " + r.status().ToString());
      tally.Count("refused in " +
                  HeaderFieldAt(originals[c.file], c.damage.offset));
      return;
    }
    const std::string& expected_used = files[1 - c.file];
    if (r->report.snapshot_used != expected_used) {
      tally.Fail("damaged snapshot loaded",
                 absl::StrCat(what, ": used ", r->report.snapshot_used));
      tally.Count("loaded in " +
                  HeaderFieldAt(originals[c.file], c.damage.offset));
    } else if (c.file == 0) {
      tally.Count("fell back");
    }
    absl::StatusOr<Json> state = r->store->Get("");
    if (r->report.last_seq != ref.last_seq || !state.ok() ||
        *state != ref.state) {
      tally.Fail("wrong state",
                 absl::StrCat(what, ": recovered last_seq ", r->report.last_seq,
                              " and a state that is not the reference"));
    }
  });
  tally.ReportFailures();
  // Refusals are allowed; a few are printed so that their reasons show.
  tally.PrintNotes();
  const uint64_t refused = tally.Get("refused");
  const uint64_t loaded = tally.Get("damaged snapshot loaded");
  const uint64_t wrong = tally.Get("wrong state");
  EXPECT_EQ(loaded, 0u);
  EXPECT_EQ(wrong, 0u);
  EXPECT_LT(slowest, kSlowRecoverySeconds);
  PrintSummary(absl::StrCat(
      "damage(snapshot): ", WithCommas(tally.Get("copies")),
      " damaged snapshots (truncations, byte sets, bit flips",
      SampleNote(bit_sample), ", every sector; ",
      WithCommas(tally.Get("read-write")),
      " read-write): ", WithCommas(tally.Get("fell back")),
      " fell back to the older snapshot, ", WithCommas(refused),
      " refused (Open failed)", Breakdown(&tally, "refused in "), ", ", loaded,
      " damaged snapshots loaded", Breakdown(&tally, "loaded in "), ", ", wrong,
      " wrong states; slowest recovery ", static_cast<int>(slowest * 1000),
      " ms, seed=", seed, fault::BuildNote()));
}

// Minimized from DamagedSnapshotIsNeverLoaded, which found that the header
// line of a snapshot was covered by no checksum (state_xxh3 covers the
// state only): a flipped schema_version digit was loaded, kept in memory and
// written into every later snapshot; a flipped created_at digit was loaded;
// a flipped chain digit made Open fail on a journal that is fine, although
// the older snapshot could serve. Each must be detected as snapshot damage,
// so that recovery falls back to the older snapshot.
TEST(DamageSweepTest, SnapshotHeaderFieldsAreCoveredByAChecksum) {
  struct Edit {
    std::string field;
    std::string from;  // text in the header
    std::string to;    // same length, still valid JSON
  };
  MemEnv base;
  Json expected;
  {
    Options o;
    o.create_if_missing = true;
    o.env = &base;
    o.segment_bytes = 4096;
    absl::StatusOr<OpenResult> r = Store::Open(kDir, o);
    ASSERT_OK(r);
    for (int i = 1; i <= 8; ++i) {
      ASSERT_OK(r->store->Apply(Transaction().Set("/n", i)));
      if (i == 5) {
        ASSERT_OK(r->store->Compact());
      }
    }
    expected = *r->store->Get("");
  }
  const std::string file = internal::SnapshotFileName(5);
  std::string original;
  ASSERT_TRUE(base.GetFile(Path(file), &original));
  const size_t created = original.find("\"created_at\":\"") + 14;
  const size_t chain = original.find("\"chain\":\"") + 9;
  const std::vector<Edit> edits = {
      {"schema_version", "\"schema_version\":0", "\"schema_version\":1"},
      {"created_at", original.substr(created, 4),
       std::to_string(std::stoi(original.substr(created, 4)) + 1)},
      {"chain", original.substr(chain, 1), original[chain] == '0' ? "1" : "0"},
  };
  for (const Edit& edit : edits) {
    SCOPED_TRACE(edit.field);
    const size_t at = edit.field == "chain" ? chain : original.find(edit.from);
    ASSERT_NE(at, std::string::npos);
    std::string damaged = original;
    damaged.replace(at, edit.from.size(), edit.to);
    std::unique_ptr<MemEnv> env = base.CrashImage();
    env->PutFile(Path(file), damaged);
    Options o;
    o.env = env.get();
    o.read_only = true;
    absl::StatusOr<OpenResult> r = Store::Open(kDir, o);
    ASSERT_OK(r) << "the older snapshot could have served";
    EXPECT_EQ(r->report.snapshot_used, internal::SnapshotFileName(0))
        << "a snapshot whose " << edit.field << " was changed from "
        << edit.from << " to " << edit.to << " was loaded";
    EXPECT_EQ(*r->store->Get(""), expected);
  }
}

}  // namespace
}  // namespace statelog
