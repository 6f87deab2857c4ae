// tests/recovery/recovery_test.cc
//
// Recovery against real files: torn tails at every offset, mid-log
// corruption, the three modes, snapshot fallback, leftovers, the report,
// and idempotence.

#include "recovery/recovery.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "journal/format.h"
#include "journal/journal_reader.h"
#include "journal/record.h"
#include "recovery/verify.h"
#include "statelog/store.h"
#include "store/identity.h"
#include "tests/testing/mem_env.h"
#include "tests/testing/test_util.h"
#include "util/coding.h"
#include "util/file_names.h"

namespace statelog {
namespace {

using ::statelog::testing::ReadFileOrDie;
using ::statelog::testing::ScratchDir;
using ::statelog::testing::WriteFileOrDie;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr int kRecords = 6;

// A store with records 1..kRecords, each setting /k<i> to a string that
// grows, in one segment; returns the state after each prefix.
std::vector<Json> MakeStore(const std::string& dir, int records = kRecords) {
  Options o;
  o.create_if_missing = true;
  o.segment_bytes = 64 << 10;
  auto r = Store::Open(dir, o);
  EXPECT_OK(r);
  std::vector<Json> states = {Json::object()};
  for (int i = 1; i <= records; ++i) {
    EXPECT_OK(r->store->Apply(
        Transaction().Set("/k" + std::to_string(i), std::string(i * 10, 'x'))));
    states.push_back(*r->store->Get(""));
  }
  return states;
}

std::string SegmentPath(const std::string& dir) {
  return dir + "/" + internal::SegmentFileName(1);
}

// Offsets of every record in the first segment.
std::vector<uint64_t> RecordOffsets(const std::string& segment) {
  std::vector<uint64_t> offsets;
  uint64_t at = internal::kSegmentHeaderSize;
  while (at + internal::kRecordHeaderSize <= segment.size()) {
    uint32_t len = internal::GetFixed32(segment.data() + at + 32);
    if (internal::GetFixed64(segment.data() + at) == 0 && len == 0) break;
    offsets.push_back(at);
    at += internal::kRecordHeaderSize + len;
  }
  offsets.push_back(at);  // end of the last record
  return offsets;
}

absl::StatusOr<OpenResult> Reopen(
    const std::string& dir,
    RecoveryMode mode = RecoveryMode::kTolerateTornTail) {
  Options o;
  o.recovery_mode = mode;
  return Store::Open(dir, o);
}

TEST(RecoveryTest, TornTailAtEveryOffsetOfLastRecordIsQuarantinedAndTruncated) {
  ScratchDir tmp;
  const std::string golden = tmp.Sub("golden");
  std::vector<Json> states = MakeStore(golden);
  const std::string segment = ReadFileOrDie(SegmentPath(golden));
  std::vector<uint64_t> offsets = RecordOffsets(segment);
  ASSERT_EQ(offsets.size(), size_t{kRecords + 1});
  const uint64_t last = offsets[kRecords - 1];
  const uint64_t end = offsets[kRecords];

  for (uint64_t cut = last; cut < end; ++cut) {
    for (char fill : {'\0', '\xAB'}) {
      const std::string dir = tmp.Sub("cut");
      fs::remove_all(dir);
      fs::copy(golden, dir, fs::copy_options::recursive);
      std::string torn = segment;
      std::fill(torn.begin() + cut, torn.begin() + end, fill);
      WriteFileOrDie(SegmentPath(dir), torn);

      absl::StatusOr<OpenResult> r = Reopen(dir);
      ASSERT_OK(r) << "cut at " << cut;
      EXPECT_EQ(r->report.last_seq, uint64_t{kRecords - 1}) << cut;
      EXPECT_EQ(*r->store->Get(""), states[kRecords - 1]) << cut;
      const bool all_zero = cut == last && fill == '\0';
      if (all_zero) {
        EXPECT_TRUE(r->report.quarantined.empty());
      } else {
        ASSERT_EQ(r->report.quarantined.size(), 1u) << cut;
        const QuarantineEntry& q = r->report.quarantined[0];
        EXPECT_EQ(q.offset, fill == '\0' ? last : last);
        EXPECT_TRUE(fs::exists(dir + "/" + q.file)) << q.file;
        EXPECT_THAT(r->report.damage, HasSubstr("wal-"));
      }
      // The store goes on: the next transaction takes the lost seq.
      EXPECT_EQ(*r->store->Apply(Transaction().Set("/after", true)),
                uint64_t{kRecords});
      r->store.reset();
      absl::StatusOr<OpenResult> again = Reopen(dir);
      ASSERT_OK(again);
      EXPECT_EQ(again->report.last_seq, uint64_t{kRecords});
      EXPECT_TRUE(again->report.quarantined.empty());
      EXPECT_TRUE(again->report.damage.empty()) << again->report.damage;
    }
  }
}

TEST(RecoveryTest, BitFlipInTheMiddleOfTheLogIsDataLoss) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeStore(dir);
  std::string segment = ReadFileOrDie(SegmentPath(dir));
  std::vector<uint64_t> offsets = RecordOffsets(segment);
  segment[offsets[2] + internal::kRecordHeaderSize + 3] ^= 0x10;
  WriteFileOrDie(SegmentPath(dir), segment);

  absl::StatusOr<OpenResult> r = Reopen(dir);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kDataLoss,
                          ::testing::AllOf(
                              HasSubstr(internal::SegmentFileName(1)),
                              HasSubstr("offset " + std::to_string(offsets[2])),
                              HasSubstr("seq 3"))));
  // Refusing changed nothing.
  EXPECT_EQ(ReadFileOrDie(SegmentPath(dir)), segment);
  EXPECT_FALSE(fs::exists(dir + "/quarantine"));
}

TEST(RecoveryTest, PointInTimeKeepsThePrefixAndQuarantinesTheRest) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  std::vector<Json> states = MakeStore(dir);
  std::string segment = ReadFileOrDie(SegmentPath(dir));
  std::vector<uint64_t> offsets = RecordOffsets(segment);
  segment[offsets[2] + 20] ^= 0x01;  // inside the sequence number of record 3
  WriteFileOrDie(SegmentPath(dir), segment);

  absl::StatusOr<OpenResult> r = Reopen(dir, RecoveryMode::kPointInTime);
  ASSERT_OK(r);
  EXPECT_EQ(r->report.last_seq, 2u);
  EXPECT_EQ(r->report.records_lost, uint64_t{kRecords - 3});
  EXPECT_EQ(*r->store->Get(""), states[2]);
  ASSERT_EQ(r->report.quarantined.size(), 1u);
  EXPECT_EQ(r->report.quarantined[0].offset, offsets[2]);
  EXPECT_EQ(r->report.quarantined[0].bytes, offsets[kRecords] - offsets[2]);
  // The evidence holds the exact bytes that were cut.
  EXPECT_EQ(ReadFileOrDie(dir + "/" + r->report.quarantined[0].file),
            segment.substr(offsets[2], offsets[kRecords] - offsets[2]));
}

TEST(RecoveryTest, StrictModeRefusesEvenATornTail) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeStore(dir);
  std::string segment = ReadFileOrDie(SegmentPath(dir));
  std::vector<uint64_t> offsets = RecordOffsets(segment);
  segment[offsets[kRecords] - 1] ^= 0x01;
  WriteFileOrDie(SegmentPath(dir), segment);
  EXPECT_THAT(Reopen(dir, RecoveryMode::kStrict),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("strict")));
  EXPECT_OK(Reopen(dir));
}

TEST(RecoveryTest, DamagedNewestSnapshotFallsBackToThePreviousOne) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  Json expected;
  {
    Options o;
    o.create_if_missing = true;
    o.segment_bytes = 16 << 10;
    auto r = Store::Open(dir, o);
    ASSERT_OK(r);
    for (int i = 1; i <= 30; ++i) {
      ASSERT_OK(r->store->Apply(Transaction().Set("/n", i)));
      if (i == 10 || i == 20) {
        ASSERT_OK(r->store->Compact());
      }
    }
    expected = *r->store->Get("");
  }
  const std::string newest = dir + "/" + internal::SnapshotFileName(20);
  std::string snap = ReadFileOrDie(newest);
  snap[snap.size() - 5] ^= 0x02;
  WriteFileOrDie(newest, snap);

  absl::StatusOr<OpenResult> r = Reopen(dir);
  ASSERT_OK(r);
  EXPECT_EQ(r->report.snapshot_used, internal::SnapshotFileName(10));
  ASSERT_GE(r->report.snapshots_tried.size(), 2u);
  EXPECT_EQ(r->report.snapshots_tried[0].file, internal::SnapshotFileName(20));
  EXPECT_THAT(r->report.snapshots_tried[0].error, HasSubstr("checksum"));
  EXPECT_EQ(r->report.records_replayed, 20u);
  EXPECT_EQ(*r->store->Get(""), expected);
}

TEST(RecoveryTest, LeftoverTempFilesAreRemovedAndReported) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  std::vector<Json> states = MakeStore(dir);
  WriteFileOrDie(dir + "/" + internal::SnapshotFileName(9) + ".tmp",
                 "{\"statelog_sn");
  WriteFileOrDie(dir + "/" + internal::SegmentFileName(99) + ".tmp", "");
  absl::StatusOr<OpenResult> r = Reopen(dir);
  ASSERT_OK(r);
  EXPECT_EQ(r->report.removed_temp_files.size(), 2u);
  EXPECT_FALSE(fs::exists(dir + "/" + internal::SnapshotFileName(9) + ".tmp"));
  EXPECT_EQ(*r->store->Get(""), states.back());
}

// Only statelog's own unpublished files are removed; a file of someone
// else's that happens to end in ".tmp" (here with a name that is not even
// UTF-8, which once made the report unwritable and Open fail) stays.
TEST(RecoveryTest, ForeignTempFilesAreLeftAlone) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  std::vector<Json> states = MakeStore(dir);
  const std::string foreign = dir + "/notes\xff.tmp";
  WriteFileOrDie(foreign, "mine");
  WriteFileOrDie(dir + "/" + std::string(internal::kIdentityFileName) + ".tmp",
                 "half");
  absl::StatusOr<OpenResult> r = Reopen(dir);
  ASSERT_OK(r);
  EXPECT_THAT(r->report.removed_temp_files,
              ::testing::ElementsAre(std::string(internal::kIdentityFileName) +
                                     ".tmp"));
  EXPECT_EQ(ReadFileOrDie(foreign), "mine");
  EXPECT_EQ(*r->store->Get(""), states.back());
}

// The file is rewritten unless both it and the new report tell of a clean
// open: creation, damage and removed temp files are always written, and a
// clean open after an eventful one replaces it.
TEST(RecoveryTest, ReportIsWrittenIntoTheStoreDirectoryWhenItHasNews) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  const std::string file = dir + "/recovery-report.json";
  MakeStore(dir);
  Json report = Json::parse(ReadFileOrDie(file));
  EXPECT_EQ(report["created"], true);  // the creating open wrote it

  absl::StatusOr<OpenResult> r = Reopen(dir);  // clean after eventful
  ASSERT_OK(r);
  report = Json::parse(ReadFileOrDie(file));
  EXPECT_EQ(report["last_seq"], kRecords);
  EXPECT_EQ(report["records_replayed"], kRecords);
  EXPECT_EQ(report["mode"], "tolerate_torn_tail");
  EXPECT_EQ(report, r->report.ToJson());
  ASSERT_OK(r->store->Apply(Transaction().Set("/more", 1)));
  r->store.reset();

  r = Reopen(dir);  // clean after clean: the file stays as it was
  ASSERT_OK(r);
  EXPECT_EQ(r->report.last_seq, uint64_t{kRecords + 1});
  EXPECT_EQ(Json::parse(ReadFileOrDie(file)), report);
  r->store.reset();

  // A leftover temp file makes the next open eventful again.
  WriteFileOrDie(dir + "/" + internal::SegmentFileName(99) + ".tmp", "x");
  r = Reopen(dir);
  ASSERT_OK(r);
  EXPECT_EQ(r->report.removed_temp_files.size(), 1u);
  EXPECT_EQ(Json::parse(ReadFileOrDie(file)), r->report.ToJson());
  r->store.reset();

  // A report file that does not parse is replaced.
  WriteFileOrDie(file, "{\"half\":");
  r = Reopen(dir);
  ASSERT_OK(r);
  EXPECT_EQ(Json::parse(ReadFileOrDie(file)), r->report.ToJson());
}

// Records a snapshot covers are still checked at open: damage inside one is
// mid-log corruption even though the snapshot holds their state, and
// `Verify` (statelog verify) reports it too. Point-in-time recovery reads
// past it to the snapshot's edge (its chain value) and keeps every record
// after the snapshot: it kept none of them, though each was intact.
TEST(RecoveryTest,
     DamageInRecordsTheSnapshotCoversIsDataLossPointInTimeKeepsAll) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  std::vector<Json> states = MakeStore(dir);
  {
    absl::StatusOr<OpenResult> r = Reopen(dir);
    ASSERT_OK(r);
    ASSERT_OK(r->store->Compact());  // snapshot at kRecords, same segment
    for (int i = 1; i <= 5; ++i) {
      ASSERT_OK(r->store->Apply(Transaction().Set("/after", i)));
    }
  }
  Json expected = states[kRecords];
  expected["after"] = 5;
  std::string segment = ReadFileOrDie(SegmentPath(dir));
  std::vector<uint64_t> offsets = RecordOffsets(segment);
  // A payload byte of record 2.
  segment[offsets[1] + internal::kRecordHeaderSize + 3] ^= 0x20;
  WriteFileOrDie(SegmentPath(dir), segment);
  EXPECT_THAT(Reopen(dir).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("mid-log"), HasSubstr("expected seq 2"),
                             HasSubstr("the snapshot at seq " +
                                       std::to_string(kRecords) + " covers"))));
  EXPECT_THAT(Reopen(dir, RecoveryMode::kStrict).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("mid-log")));
  EXPECT_EQ(ReadFileOrDie(SegmentPath(dir)), segment);  // nothing changed
  absl::StatusOr<Json> verified = internal::VerifyStore(dir, Env::Default());
  ASSERT_OK(verified);
  EXPECT_FALSE((*verified)["ok"].get<bool>()) << verified->dump();
  EXPECT_THAT(verified->dump(), HasSubstr("checksum"));
  {
    absl::StatusOr<OpenResult> r = Reopen(dir, RecoveryMode::kPointInTime);
    ASSERT_OK(r);
    EXPECT_EQ(r->report.last_seq, uint64_t{kRecords + 5});
    EXPECT_EQ(*r->store->Get(""), expected);
    EXPECT_EQ(r->report.damage, "");
    EXPECT_THAT(r->report.covered_damage, HasSubstr("expected seq 2"));
    EXPECT_EQ(r->report.records_lost, 0u);
    // The damaged bytes stay where they are, and a copy of them is kept in
    // quarantine/, for retention deletes the segment once no snapshot
    // needs it (the forensics audit, stop 23, found them gone for good).
    ASSERT_EQ(r->report.quarantined.size(), 1u);
    const QuarantineEntry& copy = r->report.quarantined[0];
    EXPECT_EQ(copy.offset, offsets[1]);
    EXPECT_EQ(ReadFileOrDie(dir + "/" + copy.file),
              segment.substr(offsets[1], copy.bytes));
    EXPECT_THAT(copy.reason, HasSubstr("a copy"));
    EXPECT_EQ(ReadFileOrDie(SegmentPath(dir)).substr(0, offsets.back()),
              segment.substr(0, offsets.back()));
    ASSERT_OK(r->store->Apply(Transaction().Set("/after", 6)));
  }
  // That open compacted: later opens, in the default mode too, start from
  // a snapshot past the damage (which verify still reports).
  absl::StatusOr<OpenResult> r = Reopen(dir);
  ASSERT_OK(r);
  EXPECT_EQ(r->report.covered_damage, "");
  EXPECT_EQ(r->store->LastSeq(), uint64_t{kRecords + 6});
  EXPECT_EQ(*r->store->Get("/after"), 6);
}

// The same when the damaged record is the snapshot's own: the edge is then
// the record after it, chained to the snapshot's chain value.
TEST(RecoveryTest, PointInTimeReadsPastDamageInTheSnapshotsOwnRecord) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  std::vector<Json> states = MakeStore(dir);
  {
    absl::StatusOr<OpenResult> r = Reopen(dir);
    ASSERT_OK(r);
    ASSERT_OK(r->store->Compact());
    for (int i = 1; i <= 3; ++i) {
      ASSERT_OK(r->store->Apply(Transaction().Set("/after", i)));
    }
  }
  std::string segment = ReadFileOrDie(SegmentPath(dir));
  std::vector<uint64_t> offsets = RecordOffsets(segment);
  segment[offsets[kRecords - 1] + internal::kRecordHeaderSize + 3] ^= 0x20;
  WriteFileOrDie(SegmentPath(dir), segment);
  absl::StatusOr<OpenResult> r = Reopen(dir, RecoveryMode::kPointInTime);
  ASSERT_OK(r);
  EXPECT_EQ(r->store->LastSeq(), uint64_t{kRecords + 3});
  EXPECT_EQ(*r->store->Get("/after"), 3);
  EXPECT_THAT(r->report.covered_damage,
              HasSubstr("expected seq " + std::to_string(kRecords)));
}

// The journal always holds the record a snapshot covers last: compaction
// syncs it before publishing the snapshot. A journal that ends before it
// has lost segments, and with them records after the snapshot that were
// acknowledged; taking the snapshot as the end gave their sequence numbers
// to new transactions, silently, in every mode.
TEST(RecoveryTest, AJournalThatEndsBeforeTheSnapshotIsDataLoss) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  Options o;
  o.create_if_missing = true;
  o.segment_bytes = 4096;
  o.compact_in_background = false;
  uint64_t snapshot_seq = 0;
  {
    absl::StatusOr<OpenResult> r = Store::Open(dir, o);
    ASSERT_OK(r);
    for (int i = 1; i <= 60; ++i) {
      ASSERT_OK(r->store->Apply(Transaction().Set("/k" + std::to_string(i % 7),
                                                  std::string(90, 'v'))));
    }
    ASSERT_OK(r->store->Compact());
    snapshot_seq = r->store->LastSeq();
    for (int i = 1; i <= 60; ++i) {
      ASSERT_OK(r->store->Apply(Transaction().Set("/after", i)));
    }
  }
  // Remove every segment from the one holding the snapshot's record on.
  std::vector<uint64_t> firsts;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (auto first =
            internal::ParseSegmentFileName(e.path().filename().string())) {
      firsts.push_back(*first);
    }
  }
  std::sort(firsts.begin(), firsts.end());
  ASSERT_GE(firsts.size(), 3u);
  ASSERT_EQ(firsts.front(), 1u);
  const uint64_t cut =
      *std::prev(std::upper_bound(firsts.begin(), firsts.end(), snapshot_seq));
  ASSERT_GT(cut, 1u);
  for (const uint64_t first : firsts) {
    if (first >= cut) {
      fs::remove(dir + "/" + internal::SegmentFileName(first));
    }
  }
  for (RecoveryMode mode :
       {RecoveryMode::kStrict, RecoveryMode::kTolerateTornTail}) {
    EXPECT_THAT(Reopen(dir, mode).status(),
                StatusIs(absl::StatusCode::kDataLoss,
                         HasSubstr("before the snapshot at seq " +
                                   std::to_string(snapshot_seq))));
  }
  absl::StatusOr<Json> verified = internal::VerifyStore(dir, Env::Default());
  ASSERT_OK(verified);
  EXPECT_FALSE((*verified)["ok"].get<bool>()) << verified->dump();
  // Point-in-time recovery goes on from the snapshot, saying so.
  std::vector<QuarantineEntry> quarantined;
  {
    absl::StatusOr<OpenResult> r = Reopen(dir, RecoveryMode::kPointInTime);
    ASSERT_OK(r);
    EXPECT_EQ(r->store->LastSeq(), snapshot_seq);
    EXPECT_THAT(r->report.damage, HasSubstr("segments are missing"));
    quarantined = r->report.quarantined;
    EXPECT_THAT(r->store->Get("/after").status(),
                StatusIs(absl::StatusCode::kNotFound, ::testing::_));
    absl::StatusOr<uint64_t> seq =
        r->store->Apply(Transaction().Set("/again", 1));
    ASSERT_OK(seq);
    EXPECT_EQ(*seq, snapshot_seq + 1);
  }
  // The new segment continues from the snapshot: a plain open works again.
  absl::StatusOr<OpenResult> r = Reopen(dir);
  ASSERT_OK(r);
  EXPECT_EQ(r->store->LastSeq(), snapshot_seq + 1);
  EXPECT_EQ(*r->store->Get("/again"), 1);
  // The segments left before the hole went to quarantine/ (the snapshot
  // covers their records), so the journal has no hole for verify to call
  // mid-log corruption.
  size_t moved = 0;
  for (const QuarantineEntry& entry : quarantined) {
    EXPECT_FALSE(fs::exists(dir + "/" + entry.source)) << entry.source;
    EXPECT_TRUE(fs::exists(dir + "/" + entry.file)) << entry.file;
    moved += internal::ParseSegmentFileName(entry.source).value_or(cut) < cut;
  }
  EXPECT_EQ(moved, static_cast<size_t>(
                       std::lower_bound(firsts.begin(), firsts.end(), cut) -
                       firsts.begin()));
  r->store.reset();
  verified = internal::VerifyStore(dir, Env::Default());
  ASSERT_OK(verified);
  EXPECT_TRUE((*verified)["ok"].get<bool>()) << verified->dump();
}

// A damaged length field in a covered record is still found: the records
// after it no longer line up.
TEST(RecoveryTest, DamagedLengthOfACoveredRecordIsStillDamage) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeStore(dir);
  {
    absl::StatusOr<OpenResult> r = Reopen(dir);
    ASSERT_OK(r);
    ASSERT_OK(r->store->Compact());
  }
  std::string segment = ReadFileOrDie(SegmentPath(dir));
  std::vector<uint64_t> offsets = RecordOffsets(segment);
  segment[offsets[1] + 32] ^= 0x04;  // record 2's length
  WriteFileOrDie(SegmentPath(dir), segment);
  absl::StatusOr<OpenResult> r = Reopen(dir);
  EXPECT_THAT(r.status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("wal-")));
}

TEST(RecoveryTest, ReadOnlyOpenChangesNothingEvenWithATornTail) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeStore(dir);
  std::string segment = ReadFileOrDie(SegmentPath(dir));
  std::vector<uint64_t> offsets = RecordOffsets(segment);
  segment[offsets[kRecords] - 2] ^= 0x40;
  WriteFileOrDie(SegmentPath(dir), segment);
  fs::remove(dir + "/recovery-report.json");
  Options o;
  o.read_only = true;
  absl::StatusOr<OpenResult> r = Store::Open(dir, o);
  ASSERT_OK(r);
  EXPECT_EQ(r->report.last_seq, uint64_t{kRecords - 1});
  ASSERT_EQ(r->report.quarantined.size(), 1u);
  EXPECT_TRUE(r->report.quarantined[0].file.empty());
  EXPECT_EQ(ReadFileOrDie(SegmentPath(dir)), segment);
  EXPECT_FALSE(fs::exists(dir + "/quarantine"));
  EXPECT_FALSE(fs::exists(dir + "/recovery-report.json"));
}

// What a read-only open would move, it reports with the size a read-write
// open would move: whole later segments included.
TEST(RecoveryTest, ReadOnlyReportGivesTheSizeOfEachSegmentItWouldMove) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  {
    Options o;
    o.create_if_missing = true;
    o.segment_bytes = 4096;
    auto r = Store::Open(dir, o);
    ASSERT_OK(r);
    for (int i = 0; i < 20; ++i) {
      ASSERT_OK(r->store->Apply(
          Transaction().Set("/k" + std::to_string(i), std::string(900, 'x'))));
    }
  }
  std::string segment = ReadFileOrDie(SegmentPath(dir));
  segment[RecordOffsets(segment)[1] - 2] ^= 0x40;  // record 1's payload
  WriteFileOrDie(SegmentPath(dir), segment);
  Options o;
  o.read_only = true;
  o.recovery_mode = RecoveryMode::kPointInTime;
  absl::StatusOr<OpenResult> r = Store::Open(dir, o);
  ASSERT_OK(r);
  ASSERT_GT(r->report.quarantined.size(), 2u);
  for (size_t i = 1; i < r->report.quarantined.size(); ++i) {
    const QuarantineEntry& entry = r->report.quarantined[i];
    EXPECT_EQ(entry.bytes, fs::file_size(dir + "/" + entry.source))
        << entry.source;
  }
}

TEST(RecoveryTest, SnapshotOfAnotherStoreIsNeverLoaded) {
  ScratchDir tmp;
  MakeStore(tmp.Sub("a"));
  MakeStore(tmp.Sub("b"), 2);
  // Swap b's only snapshot for a's: it must not verify in b.
  const std::string name = internal::SnapshotFileName(0);
  fs::copy_file(tmp.Sub("a") + "/" + name, tmp.Sub("b") + "/" + name,
                fs::copy_options::overwrite_existing);
  EXPECT_THAT(Reopen(tmp.Sub("b")), StatusIs(absl::StatusCode::kDataLoss,
                                             HasSubstr("another store")));
}

}  // namespace
}  // namespace statelog

namespace statelog {
namespace {

// A store at "/s" in `env` holding {"a":1} at seq 1, compacted if asked.
void MakeMemStore(testing::MemEnv* env, bool compact) {
  Options options;
  options.env = env;
  options.create_if_missing = true;
  absl::StatusOr<OpenResult> opened = Store::Open("/s", options);
  ASSERT_OK(opened);
  ASSERT_OK(opened->store->Apply(Transaction().Set("/a", 1)));
  if (compact) {
    ASSERT_OK(opened->store->Compact());
  }
}

// With no snapshot left that verifies, the error lists each one tried,
// named once (it said "snapshot-....json: snapshot-....json: ...").
TEST(RecoveryTest, NoSnapshotVerifiesNamesEachOnce) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeStore(dir);
  const std::string file = internal::SnapshotFileName(0);
  std::string bytes = ReadFileOrDie(dir + "/" + file);
  bytes[0] ^= 0x01;
  WriteFileOrDie(dir + "/" + file, bytes);
  absl::Status status = Reopen(dir).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss,
                               HasSubstr("no snapshot in")));
  const std::string message(status.message());
  const size_t first = message.find(file);
  ASSERT_NE(first, std::string::npos) << message;
  EXPECT_EQ(message.find(file, first + 1), std::string::npos) << message;
}

// Every open starts from a snapshot: verify said "ok" for a store with
// none, which no open could take.
TEST(VerifyTest, AStoreWithoutASnapshotIsNotOk) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeStore(dir);
  fs::remove(dir + "/" + internal::SnapshotFileName(0));
  absl::StatusOr<Json> verified = internal::VerifyStore(dir, Env::Default());
  ASSERT_OK(verified);
  EXPECT_FALSE((*verified)["ok"].get<bool>()) << verified->dump();
  EXPECT_THAT((*verified)["problems"].dump(), HasSubstr("no snapshot"));
  EXPECT_THAT(Reopen(dir).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("snapshot")));
}

// STORE has no checksum: a changed store id made every file look foreign,
// and verify blamed each of them. It now says that STORE is the likelier
// culprit.
TEST(VerifyTest, AChangedStoreIdIsBlamedOnTheStoreFile) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeStore(dir);
  std::string store = ReadFileOrDie(dir + "/STORE");
  const size_t at = store.find("\"store_id\":\"") + 12;
  store[at] = store[at] == '0' ? '1' : '0';
  WriteFileOrDie(dir + "/STORE", store);
  absl::StatusOr<Json> verified = internal::VerifyStore(dir, Env::Default());
  ASSERT_OK(verified);
  EXPECT_FALSE((*verified)["ok"].get<bool>());
  EXPECT_THAT((*verified)["problems"].dump(),
              HasSubstr("STORE is the damaged file"))
      << verified->dump();
}

// A quarantine copy that cannot be written whole (a full disk) is removed:
// the bytes are still in the segment, and a partial copy would stay in
// quarantine/ for good beside the whole one the next recovery makes.
// MakeMemStore's store (not compacted) with its last record's payload
// damaged: a torn tail. Returns the segment's path.
std::string MakeMemStoreWithTornTail(testing::MemEnv* env) {
  MakeMemStore(env, /*compact=*/false);
  const std::string segment = "/s/" + internal::SegmentFileName(1);
  std::string bytes;
  EXPECT_TRUE(env->GetFile(segment, &bytes));
  const size_t last = bytes.find_last_not_of('\0');
  EXPECT_NE(last, std::string::npos);
  if (last != std::string::npos) bytes[last] ^= 0x01;
  env->PutFile(segment, bytes);
  return segment;
}

TEST(RecoveryTest, AFailedQuarantineCopyLeavesNoPartialFile) {
  testing::MemEnv env;
  MakeMemStoreWithTornTail(&env);
  env.set_fault_hook([](const std::string& op, const std::string& path) {
    if (op == "write" && absl::StrContains(path, "/quarantine/")) {
      return absl::ResourceExhaustedError("no space left (injected)");
    }
    return absl::OkStatus();
  });
  Options options;
  options.env = &env;
  EXPECT_THAT(Store::Open("/s", options).status(),
              StatusIs(absl::StatusCode::kResourceExhausted, ::testing::_));
  absl::StatusOr<std::vector<std::string>> left = env.ListDir("/s/quarantine");
  ASSERT_OK(left);
  EXPECT_TRUE(left->empty()) << left->front();
  env.set_fault_hook(nullptr);
  absl::StatusOr<OpenResult> reopened = Store::Open("/s", options);
  ASSERT_OK(reopened);
  ASSERT_EQ(reopened->report.quarantined.size(), 1u);
  left = env.ListDir("/s/quarantine");
  ASSERT_OK(left);
  // The copy of the tail, and the recovery's note.
  EXPECT_EQ(left->size(), 2u);
}

// A recovery that changes the journal leaves its report in quarantine/
// first: recovery-report.json was written only at the end, so a recovery
// killed part way left no account of the damage it had found, and the
// next open's report described what the first one had half done (the
// forensics audit, stop 23); a clean open later overwrote even that.
TEST(RecoveryTest, AnInterruptedRecoveryLeavesItsFindingsInQuarantine) {
  testing::MemEnv env;
  const std::string segment = MakeMemStoreWithTornTail(&env);
  // The recovery copies the tail to quarantine/, then fails to zero it:
  // as if it had been killed there.
  env.set_fault_hook([&](const std::string& op, const std::string& path) {
    if (op == "write" && path == segment) {
      return absl::InternalError("injected EIO");
    }
    return absl::OkStatus();
  });
  Options options;
  options.env = &env;
  EXPECT_THAT(Store::Open("/s", options).status(),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("injected")));
  auto notes = [&] {
    std::vector<Json> found;
    absl::StatusOr<std::vector<std::string>> names =
        env.ListDir("/s/quarantine");
    EXPECT_OK(names);
    if (!names.ok()) return found;
    for (const std::string& name : *names) {
      if (!absl::StartsWith(name, "recovery-report.")) continue;
      std::string text;
      EXPECT_TRUE(env.GetFile("/s/quarantine/" + name, &text));
      found.push_back(Json::parse(text));
    }
    return found;
  };
  std::vector<Json> found = notes();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_FALSE(found[0]["complete"].get<bool>());
  EXPECT_THAT(found[0]["damage"].get<std::string>(),
              HasSubstr(internal::SegmentFileName(1)));
  EXPECT_THAT(found[0]["note"].get<std::string>(), HasSubstr("interrupted"));
  // What it was about to do, in case it dies after its last change.
  ASSERT_EQ(found[0]["planned"].size(), 1u) << found[0].dump();
  EXPECT_EQ(found[0]["planned"][0]["source"], internal::SegmentFileName(1));
  EXPECT_EQ(found[0]["planned"][0]["action"], "copy");
  // verify lists the note (evidence, not damage).
  absl::StatusOr<Json> verified = internal::VerifyStore("/s", &env);
  ASSERT_OK(verified);
  ASSERT_EQ((*verified)["quarantine_notes"].size(), 1u) << verified->dump();
  EXPECT_FALSE((*verified)["quarantine_notes"][0]["complete"].get<bool>());
  EXPECT_EQ((*verified)["quarantine_notes"][0]["damage"], found[0]["damage"]);

  env.set_fault_hook(nullptr);
  absl::StatusOr<OpenResult> reopened = Store::Open("/s", options);
  ASSERT_OK(reopened);
  found = notes();
  ASSERT_EQ(found.size(), 2u);
  int complete = 0;
  for (const Json& note : found) {
    EXPECT_THAT(note["damage"].get<std::string>(),
                HasSubstr(internal::SegmentFileName(1)));
    if (note["complete"].get<bool>()) {
      ++complete;
      EXPECT_EQ(note["quarantined"], reopened->report.ToJson()["quarantined"]);
    }
  }
  EXPECT_EQ(complete, 1);
  // A clean open rewrites recovery-report.json; the notes stay.
  reopened->store.reset();
  ASSERT_OK(Store::Open("/s", options));
  std::string report;
  ASSERT_TRUE(env.GetFile("/s/recovery-report.json", &report));
  EXPECT_EQ(Json::parse(report)["damage"], "");
  EXPECT_EQ(notes().size(), 2u);
}

// A record of a type this build may ignore (a later version's) counts as
// the journal's last record for verify as for recovery: with a snapshot at
// its sequence number, verify said the journal ended before the snapshot.
TEST(VerifyTest, AnIgnorableLastRecordIsPartOfTheJournal) {
  testing::MemEnv env;
  MakeMemStore(&env, /*compact=*/false);  // seq 1
  absl::StatusOr<internal::StoreIdentity> identity =
      internal::ReadIdentity(&env, "/s");
  ASSERT_OK(identity);
  absl::StatusOr<internal::JournalReadResult> read =
      internal::ReadJournal(&env, "/s", identity->store_id, 0, 0, 1 << 20,
                            [](const internal::RecordHeader&,
                               absl::string_view) { return absl::OkStatus(); });
  ASSERT_OK(read);
  ASSERT_EQ(read->last_seq, 1u);
  std::string record;
  internal::EncodeRecord(
      read->last_chain, 2, 1,
      static_cast<internal::RecordType>(internal::kRecordTypeIgnorableBit | 1),
      "from a later version", &record);
  std::string segment;
  ASSERT_TRUE(env.GetFile("/s/" + read->tail_file, &segment));
  segment.replace(read->tail_offset, record.size(), record);
  env.PutFile("/s/" + read->tail_file, segment);
  {
    Options options;
    options.env = &env;
    absl::StatusOr<OpenResult> opened = Store::Open("/s", options);
    ASSERT_OK(opened);
    EXPECT_EQ(opened->store->LastSeq(), 2u);
    ASSERT_OK(opened->store->Compact());  // a snapshot at seq 2
  }
  absl::StatusOr<Json> verified = internal::VerifyStore("/s", &env);
  ASSERT_OK(verified);
  EXPECT_TRUE((*verified)["ok"].get<bool>()) << verified->dump();
  EXPECT_EQ((*verified)["journal"]["last_seq"], 2) << verified->dump();
}

// A stray file named like a segment or a snapshot is one problem, named
// once. verify also said the journal ended before the newest snapshot:
// for the segment because the read stopped at it, for the snapshot
// because its name says seq 99, though it verifies as no snapshot.
TEST(VerifyTest, AStrayFileIsOneProblemNotAShortJournalToo) {
  for (const std::string& stray :
       {internal::SegmentFileName(0), internal::SnapshotFileName(99)}) {
    testing::MemEnv env;
    MakeMemStore(&env, /*compact=*/true);
    env.PutFile("/s/" + stray, "");
    absl::StatusOr<Json> verified = internal::VerifyStore("/s", &env);
    ASSERT_OK(verified);
    EXPECT_FALSE((*verified)["ok"].get<bool>());
    ASSERT_EQ((*verified)["problems"].size(), 1u) << verified->dump();
    EXPECT_THAT((*verified)["problems"][0].get<std::string>(),
                HasSubstr(stray));
  }
}

// A snapshot from a copy of the store that went its own way (same store
// id, same sequence numbers, other records): every open refused the store,
// naming only the journal, while verify said "ok" (found by the forensics
// audit, stop 23). verify now names the snapshot, and the open's error
// names it too and says how to start from an older one.
TEST(VerifyTest, ASnapshotOfAnotherHistoryIsAProblem) {
  ScratchDir tmp;
  const std::string a = tmp.Sub("a");
  const std::string b = tmp.Sub("b");
  MakeStore(a);
  fs::copy(a, b, fs::copy_options::recursive);
  Options o;
  for (const auto& [dir, value] : {std::pair(a, "A"), std::pair(b, "B")}) {
    auto store = testing::OpenOrDie(dir, o);
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->Apply(Transaction().Set("/side", value)));
    if (dir == b) {
      ASSERT_OK(store->Compact());
    }
  }
  const std::string file = internal::SnapshotFileName(kRecords + 1);
  ASSERT_TRUE(fs::exists(b + "/" + file));
  fs::copy_file(b + "/" + file, a + "/" + file);

  absl::StatusOr<Json> verified = internal::VerifyStore(a, Env::Default());
  ASSERT_OK(verified);
  EXPECT_FALSE((*verified)["ok"].get<bool>()) << verified->dump();
  ASSERT_EQ((*verified)["problems"].size(), 1u) << verified->dump();
  EXPECT_THAT((*verified)["problems"][0].get<std::string>(),
              AllOf(HasSubstr(file), HasSubstr("not one history")));
  bool listed = false;
  for (const Json& snapshot : (*verified)["snapshots"]) {
    if (snapshot["file"] == file) {
      listed = true;
      EXPECT_FALSE(snapshot["ok"].get<bool>()) << snapshot.dump();
      EXPECT_THAT(snapshot["error"].get<std::string>(),
                  HasSubstr("not one history"));
    }
  }
  EXPECT_TRUE(listed);
  EXPECT_THAT(Reopen(a).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(file), HasSubstr("Nothing was changed"),
                             HasSubstr("older one"))));
  // As the message says: without that snapshot, the store opens.
  fs::rename(a + "/" + file, tmp.Sub("aside.json"));
  absl::StatusOr<OpenResult> reopened = Reopen(a);
  ASSERT_OK(reopened);
  EXPECT_EQ(*reopened->store->Get("/side"), "A");
  // And the copy that made the snapshot verifies as it is.
  reopened->store.reset();
  verified = internal::VerifyStore(b, Env::Default());
  ASSERT_OK(verified);
  EXPECT_TRUE((*verified)["ok"].get<bool>()) << verified->dump();
}

TEST(VerifyTest, NamesADamagedSnapshotOnce) {
  testing::MemEnv env;
  MakeMemStore(&env, /*compact=*/true);
  const std::string file = internal::SnapshotFileName(1);
  std::string bytes;
  ASSERT_TRUE(env.GetFile("/s/" + file, &bytes));
  bytes[0] ^= 0x01;
  env.PutFile("/s/" + file, bytes);
  absl::StatusOr<Json> verified = internal::VerifyStore("/s", &env);
  ASSERT_OK(verified);
  const std::string problem = (*verified)["problems"][0].get<std::string>();
  EXPECT_TRUE(absl::StartsWith(problem, file + ": ")) << problem;
  EXPECT_EQ(problem.find(file, 1), std::string::npos) << problem;
}

// A symlink in place of a store file is refused, as every command refuses
// it: an error (exit 5), not damage.
// A snapshot that cannot be read (here a symlink, which statelog refuses;
// a permission or an I/O error alike) is not damage: Open fails with that
// error, naming the file. It passed the snapshot over and opened an older
// state, which hid the problem and put the older state in charge.
TEST(RecoveryTest,
     ASnapshotThatCannotBeReadFailsTheOpenInsteadOfBeingPassedOver) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeStore(dir);
  uint64_t seq = 0;
  {
    absl::StatusOr<OpenResult> r = Reopen(dir);
    ASSERT_OK(r);
    ASSERT_OK(r->store->Compact());
    seq = r->store->LastSeq();
  }
  const std::string newest = dir + "/" + internal::SnapshotFileName(seq);
  fs::rename(newest, tmp.Sub("elsewhere.json"));
  fs::create_symlink(tmp.Sub("elsewhere.json"), newest);
  EXPECT_THAT(Reopen(dir).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(internal::SnapshotFileName(seq)),
                             HasSubstr("symlink"))));
}

TEST(VerifyTest, ASymlinkedSegmentIsAnErrorNotDamage) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeStore(dir);
  fs::rename(SegmentPath(dir), tmp.Sub("elsewhere.log"));
  fs::create_symlink(tmp.Sub("elsewhere.log"), SegmentPath(dir));
  EXPECT_THAT(
      internal::VerifyStore(dir, Env::Default()),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("symlink")));
}

// A file verify cannot read says nothing about damage: verify fails with
// the error (the CLI exits 5, not 3) instead of reporting the store damaged.
TEST(VerifyTest, AFileItCannotReadIsAnErrorNotDamage) {
  testing::MemEnv env;
  MakeMemStore(&env, /*compact=*/false);
  absl::StatusOr<Json> clean = internal::VerifyStore("/s", &env);
  ASSERT_OK(clean);
  EXPECT_TRUE((*clean)["ok"].get<bool>()) << clean->dump();
  for (const std::string kind : {"snapshot-", "wal-"}) {
    env.set_fault_hook([kind](const std::string& op, const std::string& path) {
      if (op == "read" && absl::StrContains(path, kind)) {
        return absl::PermissionDeniedError(
            absl::StrCat("open ", path, ": Permission denied"));
      }
      return absl::OkStatus();
    });
    EXPECT_THAT(internal::VerifyStore("/s", &env),
                StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(kind)));
  }
}

}  // namespace
}  // namespace statelog
