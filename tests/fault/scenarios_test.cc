// tests/fault/scenarios_test.cc
//
// Item 12 of the fault battery: named crash-ordering scenarios, each its own
// test. Two kinds of evidence:
//
//   * crash images taken by MemEnv before every mutating file operation of
//     the step in question (compaction, retention, segment rotation): a
//     power cut there must recover every acknowledged transaction, which
//     shows that the library orders its fsyncs so the scenario cannot
//     arise from its own writes;
//   * hand-built directories in which the scenario has happened anyway (a
//     file system that reordered, lost or resurrected something): recovery
//     must then either give a state after some prefix that it can justify,
//     or fail with DataLoss, and never apply what it cannot verify.

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "journal/format.h"
#include "journal/journal_reader.h"
#include "journal/record.h"
#include "snapshot/snapshot_file.h"
#include "statelog/store.h"
#include "store/identity.h"
#include "tests/fault/fault_util.h"
#include "tests/testing/mem_env.h"
#include "tests/testing/test_util.h"
#include "util/file_names.h"
#include "util/json_util.h"

namespace statelog {
namespace {

using internal::JoinPath;
using internal::SegmentFileName;
using internal::SnapshotFileName;
using ::statelog::fault::PrintSummary;
using ::statelog::testing::MemEnv;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kDir[] = "/s";

Options InMemory(MemEnv* env, bool create = false) {
  Options o;
  o.env = env;
  o.create_if_missing = create;
  o.segment_bytes = 4096;
  o.compact_after_records = 0;
  o.compact_after_bytes = 0;
  // One thread of file operations (no spare segment made beside the
  // writer): crash images are taken before each of them.
  o.compact_in_background = false;
  return o;
}

std::string Path(const std::string& name) { return JoinPath(kDir, name); }

bool Exists(const MemEnv& env, const std::string& name) {
  std::string unused;
  return env.GetFile(Path(name), &unused);
}

std::string FileOf(const MemEnv& env, const std::string& name) {
  std::string data;
  EXPECT_TRUE(env.GetFile(Path(name), &data)) << name;
  return data;
}

// The transaction for record i: a value of a few hundred bytes, so that a
// 4 KiB segment holds a handful of records.
Transaction Txn(uint64_t i) {
  return Transaction().Set(absl::StrCat("/k", i % 7),
                           fault::Filler(i, 300 + i % 200));
}

// A store driven by the test, remembering the state after every record.
class ScenarioStore {
 public:
  explicit ScenarioStore(MemEnv* env) : env_(env) {
    absl::StatusOr<OpenResult> r = Store::Open(kDir, InMemory(env, true));
    EXPECT_OK(r);
    store_ = std::move(r->store);
    states_.push_back(Json::object());
  }
  void Apply(uint64_t n) {
    for (uint64_t k = 0; k < n; ++k) {
      submitted_ = states_.size();
      absl::StatusOr<uint64_t> seq = store_->Apply(Txn(submitted_));
      ASSERT_OK(seq);
      ASSERT_EQ(*seq, submitted_);
      states_.push_back(*store_->Get(""));
      acked_ = *seq;
    }
  }
  void Compact() { ASSERT_OK(store_->Compact()); }
  void Close() { store_.reset(); }

  Store* store() { return store_.get(); }
  const std::vector<Json>& states() const { return states_; }
  uint64_t acked() const { return acked_; }
  uint64_t submitted() const { return submitted_; }

 private:
  MemEnv* env_;
  std::unique_ptr<Store> store_;
  std::vector<Json> states_;
  uint64_t acked_ = 0;
  uint64_t submitted_ = 0;
};

// A crash image and what had been acknowledged when it was taken.
struct CrashImage {
  std::string before;  // the operation it was taken before
  std::unique_ptr<MemEnv> env;
  uint64_t acked;
  uint64_t submitted;
};

// Runs `fn` and takes a crash image before every mutating operation on
// `env` and one at the end: what a power cut (or, with `process_crash`, a
// process crash, which keeps unsynced data) would leave at that point.
std::vector<CrashImage> ImagesDuring(MemEnv* env, const ScenarioStore& store,
                                     const std::function<void()>& fn,
                                     bool process_crash = false) {
  std::vector<CrashImage> images;
  auto take = [&](const std::string& before) {
    images.push_back(
        {before, process_crash ? env->ProcessCrashImage() : env->CrashImage(),
         store.acked(), store.submitted()});
  };
  env->set_fault_hook([&](const std::string& op, const std::string& path) {
    if (op != "read") take(op + " " + path);
    return absl::OkStatus();
  });
  fn();
  env->set_fault_hook(nullptr);
  take("(end)");
  return images;
}

// Recovers every image: the state is the one after some prefix between
// what was acknowledged and what was submitted. Returns the number checked.
int ExpectEveryImageRecovers(const std::vector<CrashImage>& images,
                             const std::vector<Json>& states) {
  int checked = 0;
  for (const CrashImage& image : images) {
    absl::StatusOr<OpenResult> r = Store::Open(kDir, InMemory(image.env.get()));
    EXPECT_OK(r) << "crash before " << image.before;
    if (!r.ok()) continue;
    const uint64_t s = r->store->LastSeq();
    EXPECT_GE(s, image.acked) << "crash before " << image.before;
    EXPECT_LE(s, image.submitted) << "crash before " << image.before;
    if (s < states.size()) {
      EXPECT_EQ(*r->store->Get(""), states[s])
          << "crash before " << image.before;
    }
    ++checked;
  }
  return checked;
}

absl::StatusOr<OpenResult> Reopen(
    MemEnv* env, RecoveryMode mode = RecoveryMode::kTolerateTornTail) {
  Options o = InMemory(env);
  o.recovery_mode = mode;
  return Store::Open(kDir, o);
}

// The names of the segments in `env`, oldest first.
std::vector<std::string> Segments(MemEnv* env) {
  std::vector<std::string> out;
  const absl::StatusOr<std::vector<internal::SegmentFile>> segments =
      internal::ListSegments(env, kDir);
  EXPECT_OK(segments);
  if (!segments.ok()) return out;
  for (const internal::SegmentFile& s : *segments) out.push_back(s.name);
  return out;
}

// ---------------------------------------------------------------------------

// Compaction publishes snapshot-K (temp, fdatasync, rename, directory
// fsync) and only then drops what no kept snapshot needs. If the rename had
// not reached the disk while the trim had, snapshot-K is missing: the
// retention rule (keep two snapshots and every segment the older one
// needs) means the older snapshot still covers the journal. If the journal
// had been trimmed past it too, the gap must be refused, not skipped.
TEST(ScenariosTest, SnapshotRenameNotDurableWhileJournalTrimmed) {
  MemEnv env;
  ScenarioStore s(&env);
  s.Apply(10);
  s.Compact();
  s.Apply(10);
  s.Compact();
  s.Apply(10);
  // The third compaction drops snapshot-10 and the segments only it needed.
  const std::vector<std::string> segments_before = Segments(&env);
  std::vector<CrashImage> images = ImagesDuring(&env, s, [&] { s.Compact(); });
  const int checked = ExpectEveryImageRecovers(images, s.states());
  EXPECT_FALSE(Exists(env, segments_before[0]))
      << "the compaction trimmed nothing: "
      << ::testing::PrintToString(segments_before) << " -> "
      << ::testing::PrintToString(Segments(&env));
  s.Close();

  // The rename of snapshot-30 is lost, the trim is not.
  std::unique_ptr<MemEnv> lost = env.CrashImage();
  const std::string newest = SnapshotFileName(30);
  const std::string content = FileOf(*lost, newest);
  ASSERT_OK(lost->RemoveFile(Path(newest)));
  lost->PutFile(Path(newest + ".tmp"), content);
  {
    absl::StatusOr<OpenResult> r = Reopen(lost.get());
    ASSERT_OK(r);
    EXPECT_EQ(r->report.snapshot_used, SnapshotFileName(20));
    EXPECT_EQ(r->store->LastSeq(), 30u);
    EXPECT_EQ(*r->store->Get(""), s.states()[30]);
    EXPECT_THAT(r->report.removed_temp_files,
                ::testing::Contains(newest + ".tmp"));
  }
  // Trimmed past the older snapshot as well: a gap, which is DataLoss.
  std::unique_ptr<MemEnv> gap = env.CrashImage();
  ASSERT_OK(gap->RemoveFile(Path(newest)));
  const std::vector<std::string> segments = Segments(gap.get());
  ASSERT_GE(segments.size(), 2u);
  ASSERT_OK(gap->RemoveFile(Path(segments[0])));
  EXPECT_THAT(Reopen(gap.get()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("journal gap")));
  EXPECT_THAT(Reopen(gap.get(), RecoveryMode::kPointInTime),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("journal gap")));
  PrintSummary(absl::StrCat(
      "scenario(snapshot rename lost, journal trimmed): ", checked,
      " crash images of a compaction with retention recovered all 30 records; "
      "rename lost: older snapshot used, 30 records; trimmed past it: DataLoss "
      "(gap)"));
}

// Retention unlinks an old snapshot and old segments, then fsyncs the
// directory. Until then (or on a file system that loses the unlink) they
// come back; recovery must not be confused by them, and the next
// compaction removes them again.
TEST(ScenariosTest, UnlinkedOldSegmentComesBack) {
  MemEnv env;
  ScenarioStore s(&env);
  s.Apply(10);
  s.Compact();
  s.Apply(10);
  s.Compact();
  s.Apply(10);
  const std::vector<std::string> old_segments = Segments(&env);
  std::map<std::string, std::string> saved;
  for (const std::string& name : old_segments) saved[name] = FileOf(env, name);
  saved[SnapshotFileName(10)] = FileOf(env, SnapshotFileName(10));
  std::vector<CrashImage> images = ImagesDuring(&env, s, [&] { s.Compact(); });
  int resurrected = 0;
  for (const CrashImage& image : images) {
    resurrected +=
        Exists(*image.env, old_segments[0]) && !Exists(env, old_segments[0]);
  }
  const int checked = ExpectEveryImageRecovers(images, s.states());
  s.Apply(3);
  s.Close();
  ASSERT_FALSE(Exists(env, old_segments[0]))
      << "retention did not drop the oldest segment";

  // All of it comes back after the fact.
  std::unique_ptr<MemEnv> back = env.CrashImage();
  for (const auto& [name, data] : saved) {
    if (!Exists(*back, name)) back->PutFile(Path(name), data);
  }
  {
    absl::StatusOr<OpenResult> r = Reopen(back.get());
    ASSERT_OK(r);
    EXPECT_EQ(r->report.snapshot_used, SnapshotFileName(30));
    EXPECT_EQ(r->store->LastSeq(), 33u);
    EXPECT_EQ(*r->store->Get(""), s.states()[33]);
    ASSERT_OK(r->store->Apply(Txn(34)));
    ASSERT_OK(r->store->Compact());
  }
  EXPECT_FALSE(Exists(*back, old_segments[0]))
      << "the resurrected segment was kept";
  EXPECT_FALSE(Exists(*back, SnapshotFileName(10)))
      << "the resurrected snapshot was kept";
  absl::StatusOr<OpenResult> r = Reopen(back.get());
  ASSERT_OK(r);
  EXPECT_EQ(r->store->LastSeq(), 34u);
  PrintSummary(absl::StrCat(
      "scenario(unlinked segment comes back): ", checked,
      " crash images of retention (", resurrected,
      " with the unlinked segment back) recovered all records; "
      "resurrected files ignored, then removed by the next compaction"));
}

// A new segment is created as a temp file, filled, fdatasync'ed, renamed,
// and the directory fsync'ed before any record goes into it. If its
// directory entry were lost after acknowledged records went in, they would
// be gone; crash images around every rotation show it never happens. A
// hand-made loss is detected when a later segment follows (DataLoss), and
// cannot be when it was the last segment (docs/recovery.md, "Deleted or
// replaced files").
TEST(ScenariosTest, NewSegmentDirectoryEntryLost) {
  MemEnv env;
  ScenarioStore s(&env);
  s.Apply(2);
  std::vector<CrashImage> images = ImagesDuring(&env, s, [&] { s.Apply(40); });
  const int checked = ExpectEveryImageRecovers(images, s.states());
  const std::vector<std::string> segments = Segments(&env);
  ASSERT_GE(segments.size(), 3u) << "the workload did not rotate segments";
  s.Close();

  // A middle segment's entry lost: the next segment does not continue the
  // one before, and durable records follow: DataLoss naming the place.
  std::unique_ptr<MemEnv> middle = env.CrashImage();
  ASSERT_OK(middle->RemoveFile(Path(segments[1])));
  EXPECT_THAT(
      Reopen(middle.get()),
      StatusIs(absl::StatusCode::kDataLoss,
               AllOf(HasSubstr(segments[2]), HasSubstr("does not continue"))));
  // The last segment's entry lost: the journal just ends earlier. Nothing
  // can tell; the state is the prefix before that segment.
  std::unique_ptr<MemEnv> last = env.CrashImage();
  ASSERT_OK(last->RemoveFile(Path(segments.back())));
  absl::StatusOr<OpenResult> r = Reopen(last.get());
  ASSERT_OK(r);
  const uint64_t kept = *internal::ParseSegmentFileName(segments.back()) - 1;
  EXPECT_EQ(r->store->LastSeq(), kept);
  EXPECT_EQ(*r->store->Get(""), s.states()[kept]);
  PrintSummary(absl::StrCat(
      "scenario(new segment entry lost): ", checked, " crash images across ",
      segments.size() - 1,
      " rotations recovered every acknowledged record; a lost middle segment "
      "is "
      "DataLoss; a lost last segment silently ends the journal at seq ",
      kept, " of ", s.acked(), " (not detectable)"));
}

// Temp files are never published and never read: a full temp snapshot (of
// a different state, with a valid checksum), a partial one, an empty one,
// garbage, a temp segment and other temps are removed and reported, and the
// state comes from the published files. Process-crash images during a
// compaction (unsynced data kept) contain real partial temps.
TEST(ScenariosTest, LeftoverTempSnapshotsAreIgnoredAndRemoved) {
  MemEnv env;
  ScenarioStore s(&env);
  s.Apply(12);
  s.Compact();
  s.Apply(5);
  std::vector<CrashImage> images = ImagesDuring(
      &env, s, [&] { s.Compact(); }, /*process_crash=*/true);
  int with_temp = 0;
  for (const CrashImage& image : images) {
    const absl::StatusOr<std::vector<std::string>> names =
        image.env->ListDir(kDir);
    ASSERT_OK(names);
    with_temp += std::any_of(
        names->begin(), names->end(),
        [](const std::string& name) { return internal::IsTempFileName(name); });
  }
  const int checked = ExpectEveryImageRecovers(images, s.states());
  s.Apply(2);
  s.Close();

  absl::StatusOr<internal::StoreIdentity> id =
      internal::ReadIdentity(&env, kDir);
  ASSERT_OK(id);
  absl::StatusOr<internal::VerifiedSnapshot> published =
      internal::ReadSnapshot(&env, kDir, SnapshotFileName(17), id->store_id);
  ASSERT_OK(published);
  // A complete, verifying snapshot of another state, under a temp name.
  MemEnv scratch;
  ASSERT_OK(scratch.CreateDir(kDir));
  internal::SnapshotHeader header = published->header;
  header.seq = 19;
  ASSERT_OK(
      internal::WriteSnapshot(&scratch, kDir, header, R"({"evil":true})"));
  const std::string full = FileOf(scratch, SnapshotFileName(19));
  const std::string real = FileOf(env, SnapshotFileName(17));
  const std::map<std::string, std::string> temps = {
      {SnapshotFileName(19) + ".tmp", full},
      {SnapshotFileName(18) + ".tmp", real.substr(0, real.size() / 2)},
      {SnapshotFileName(20) + ".tmp", ""},
      {SnapshotFileName(21) + ".tmp", std::string(777, '\xA5')},
      {SegmentFileName(20) + ".tmp", FileOf(env, Segments(&env).back())},
      {"STORE.tmp", "garbage"},
      {"recovery-report.json.tmp", "{"},
      // A spare segment given its header but not yet its name.
      {internal::kSpareSegmentName, FileOf(env, Segments(&env).back())},
  };
  for (bool read_only : {true, false}) {
    for (const auto& [name, data] : temps) env.PutFile(Path(name), data);
    Options o = InMemory(&env);
    o.read_only = read_only;
    absl::StatusOr<OpenResult> r = Store::Open(kDir, o);
    ASSERT_OK(r);
    EXPECT_EQ(r->report.snapshot_used, SnapshotFileName(17));
    EXPECT_EQ(r->store->LastSeq(), 19u);
    EXPECT_EQ(*r->store->Get(""), s.states()[19]);
    for (const auto& [name, data] : temps) {
      if (read_only) {
        EXPECT_TRUE(Exists(env, name)) << "a read-only open removed " << name;
      } else {
        // The writer may already be preparing a spare of its own.
        if (name == internal::kSpareSegmentName) {
          std::string now;
          EXPECT_FALSE(env.GetFile(Path(name), &now) && now == data)
              << name << " was not removed";
        } else {
          EXPECT_FALSE(Exists(env, name)) << name << " was not removed";
        }
        EXPECT_THAT(r->report.removed_temp_files, ::testing::Contains(name));
      }
    }
  }
  PrintSummary(absl::StrCat(
      "scenario(leftover temps): ", checked,
      " process-crash images of a compaction (", with_temp,
      " holding a temp file) recovered all records; ", temps.size(),
      " planted temps (full valid snapshot of another state, partial, empty, "
      "garbage, segment, STORE, report, spare segment) ignored and "
      "removed"));
}

// The newest snapshot fails to verify in each way a file can: it is used
// by no one, the older snapshot is, and the report says why. When no
// snapshot verifies, Open fails rather than start from nothing.
TEST(ScenariosTest, NewestSnapshotDamaged) {
  MemEnv env;
  ScenarioStore s(&env);
  s.Apply(8);
  s.Compact();
  s.Apply(8);
  s.Compact();
  s.Apply(4);
  s.Close();
  const std::string newest = SnapshotFileName(16);
  const std::string older = SnapshotFileName(8);
  const std::string good = FileOf(env, newest);
  MemEnv other_env;
  {
    ScenarioStore other(&other_env);
    other.Apply(16);
    other.Compact();
  }
  const std::vector<std::pair<std::string, std::string>> damages = {
      {"empty", ""},
      {"zeros", std::string(good.size(), '\0')},
      {"truncated", good.substr(0, good.size() - 10)},
      {"state byte flipped", good.substr(0, good.size() - 20) +
                                 char(good[good.size() - 20] ^ 1) +
                                 good.substr(good.size() - 19)},
      {"older snapshot under the newer name", FileOf(env, older)},
      {"snapshot of another store", FileOf(other_env, newest)},
      {"extra byte", good + "x"},
  };
  for (const auto& [what, data] : damages) {
    SCOPED_TRACE(what);
    std::unique_ptr<MemEnv> image = env.CrashImage();
    image->PutFile(Path(newest), data);
    absl::StatusOr<OpenResult> r = Reopen(image.get());
    ASSERT_OK(r);
    EXPECT_EQ(r->report.snapshot_used, older);
    ASSERT_GE(r->report.snapshots_tried.size(), 2u);
    EXPECT_EQ(r->report.snapshots_tried[0].file, newest);
    EXPECT_FALSE(r->report.snapshots_tried[0].error.empty());
    EXPECT_EQ(r->store->LastSeq(), 20u);
    EXPECT_EQ(*r->store->Get(""), s.states()[20]);
    // The store goes on and compacts again.
    ASSERT_OK(r->store->Apply(Txn(21)));
    ASSERT_OK(r->store->Compact());
    r->store.reset();
    absl::StatusOr<OpenResult> again = Reopen(image.get());
    ASSERT_OK(again);
    EXPECT_EQ(again->store->LastSeq(), 21u);
    EXPECT_EQ(again->report.snapshot_used, SnapshotFileName(21));
  }
  // Both damaged: no snapshot verifies.
  std::unique_ptr<MemEnv> both = env.CrashImage();
  both->PutFile(Path(newest), "");
  both->PutFile(Path(older), good.substr(0, 30));
  EXPECT_THAT(Reopen(both.get()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("no snapshot")));
  PrintSummary(
      absl::StrCat("scenario(newest snapshot damaged): ", damages.size(),
                   " damaged newest snapshots passed over for the older one, "
                   "which replayed all 20 records; both damaged: DataLoss"));
}

// A segment reused after a recovery can hold, after its valid tail, bytes
// of an earlier generation: records that verify on their own but belong to
// another chain. They must never be applied. Depending on their durable
// watermarks they are a torn tail (quarantined) or look like durable
// records after damage (refused).
TEST(ScenariosTest, StaleRecordsOfAnEarlierGenerationAfterTheTail) {
  struct Variant {
    std::string name;
    uint64_t first_seq;   // of the stale records
    bool high_watermark;  // they claim to have been durable
    size_t zeros_before;  // zero bytes between the tail and them
    bool data_loss;       // what the default mode must do
  };
  const std::vector<Variant> variants = {
      {"next seqs, another chain, durable", 6, true, 0, true},
      {"next seqs, another chain, not durable", 6, false, 0, false},
      {"older seqs of another chain", 2, true, 0, false},
      {"next seqs after a run of zeros, durable", 6, true, 100, true},
      {"next seqs after a run of zeros, not durable", 6, false, 100, false},
  };
  int checked = 0;
  for (const Variant& variant : variants) {
    SCOPED_TRACE(variant.name);
    MemEnv env;
    ScenarioStore s(&env);
    s.Apply(5);
    s.Close();
    absl::StatusOr<internal::StoreIdentity> id =
        internal::ReadIdentity(&env, kDir);
    ASSERT_OK(id);
    absl::StatusOr<internal::JournalReadResult> j = internal::ReadJournal(
        &env, kDir, id->store_id, 0, 0, 16 << 20,
        [](const internal::RecordHeader&, absl::string_view) {
          return absl::OkStatus();
        });
    ASSERT_OK(j);
    ASSERT_EQ(j->last_seq, 5u);
    // The earlier generation: same sequence numbers, other contents, so
    // another chain.
    std::string stale;
    uint64_t chain = 0xBADC0FFEE;
    for (uint64_t seq = variant.first_seq; seq < variant.first_seq + 4; ++seq) {
      const std::string payload =
          *internal::DumpJson(Transaction().Set("/stale", seq).ToJson());
      chain = internal::EncodeRecord(
          chain, seq, variant.high_watermark ? seq - 1 : 0,
          internal::RecordType::kTransaction, payload, &stale);
    }
    std::string segment = FileOf(env, j->tail_file);
    segment.replace(j->tail_offset + variant.zeros_before, stale.size(), stale);
    env.PutFile(Path(j->tail_file), segment);

    for (RecoveryMode mode :
         {RecoveryMode::kTolerateTornTail, RecoveryMode::kPointInTime}) {
      std::unique_ptr<MemEnv> image = env.CrashImage();
      absl::StatusOr<OpenResult> r = Reopen(image.get(), mode);
      if (mode == RecoveryMode::kTolerateTornTail && variant.data_loss) {
        EXPECT_THAT(
            r,
            StatusIs(absl::StatusCode::kDataLoss,
                     AllOf(HasSubstr(j->tail_file),
                           HasSubstr(absl::StrCat("offset ", j->tail_offset)),
                           HasSubstr("expected seq 6"))));
        continue;
      }
      ASSERT_OK(r) << RecoveryModeName(mode);
      EXPECT_EQ(r->store->LastSeq(), 5u);
      EXPECT_EQ(*r->store->Get(""), s.states()[5])
          << "a stale record was applied";
      EXPECT_FALSE(r->report.quarantined.empty());
      // New records overwrite the stale bytes' place; nothing stale ever
      // shows up again.
      ASSERT_OK(r->store->Apply(Transaction().Set("/new", 6)));
      ASSERT_OK(r->store->Apply(Transaction().Set("/new", 7)));
      r->store.reset();
      absl::StatusOr<OpenResult> again = Reopen(image.get());
      ASSERT_OK(again);
      EXPECT_EQ(again->store->LastSeq(), 7u);
      EXPECT_TRUE(again->report.damage.empty()) << again->report.damage;
      EXPECT_FALSE(again->store->Get("/stale").ok())
          << "a stale record was applied";
      ++checked;
    }
  }
  PrintSummary(absl::StrCat(
      "scenario(stale records after the tail): ", variants.size(),
      " variants; never applied: durable-looking ones refused (DataLoss) by "
      "default, "
      "the rest quarantined; ",
      checked, " recoveries then wrote over them and reopened cleanly"));
}

// The snapshot's data never reached the disk (its directory entry did),
// while journal records after it were fdatasync'ed. Recovery falls back to
// the older snapshot and replays through the newest record; with no older
// snapshot it fails. Crash images of a compaction show the library's own
// order (fdatasync before rename) never leaves such a snapshot.
TEST(ScenariosTest, SnapshotNeverFsyncedFollowedByFsyncedJournalRecords) {
  MemEnv env;
  ScenarioStore s(&env);
  s.Apply(9);
  s.Compact();
  s.Apply(6);
  std::vector<CrashImage> images = ImagesDuring(&env, s, [&] { s.Compact(); });
  const int checked = ExpectEveryImageRecovers(images, s.states());
  s.Apply(7);  // fsync'ed records after snapshot-15
  s.Close();
  const std::string snapshot = SnapshotFileName(15);
  const std::string good = FileOf(env, snapshot);
  const std::vector<std::pair<std::string, std::string>> unsynced = {
      {"empty", ""},
      {"zeros", std::string(good.size(), '\0')},
      {"first 4 KiB only",
       good.substr(0, std::min<size_t>(4096, good.size() / 2)) +
           std::string(good.size() - std::min<size_t>(4096, good.size() / 2),
                       '\0')},
  };
  for (const auto& [what, data] : unsynced) {
    SCOPED_TRACE(what);
    std::unique_ptr<MemEnv> image = env.CrashImage();
    image->PutFile(Path(snapshot), data);
    absl::StatusOr<OpenResult> r = Reopen(image.get());
    ASSERT_OK(r);
    EXPECT_EQ(r->report.snapshot_used, SnapshotFileName(9));
    EXPECT_EQ(r->store->LastSeq(), 22u);
    EXPECT_EQ(*r->store->Get(""), s.states()[22]);
    // Without the older snapshot there is nothing to start from.
    std::unique_ptr<MemEnv> alone = env.CrashImage();
    alone->PutFile(Path(snapshot), data);
    ASSERT_OK(alone->RemoveFile(Path(SnapshotFileName(9))));
    EXPECT_THAT(Reopen(alone.get()), StatusIs(absl::StatusCode::kDataLoss,
                                              HasSubstr("no snapshot")));
  }
  PrintSummary(absl::StrCat(
      "scenario(snapshot never fsynced, journal fsynced after it): ", checked,
      " crash images of a compaction recovered all records; ", unsynced.size(),
      " unsynced snapshot contents passed over for the older snapshot (22 "
      "records "
      "replayed), DataLoss when there is none"));
}

}  // namespace
}  // namespace statelog
