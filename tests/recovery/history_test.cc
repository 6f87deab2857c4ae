// tests/recovery/history_test.cc
//
// ReadHistory and ReadStateAt (statelog/history.h) against what a store
// was told and what it said after each transaction: every record listed
// where it sits, every change to a value found (and nothing else), every
// state as of a seq rebuilt, and damage named, not passed over.

#include "statelog/history.h"

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "journal/format.h"
#include "journal/journal_reader.h"
#include "journal/record.h"
#include "snapshot/snapshot_file.h"
#include "statelog/store.h"
#include "tests/testing/mem_env.h"
#include "tests/testing/test_util.h"
#include "txn/pointer_tokens.h"
#include "txn/slot.h"

namespace statelog::internal {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// A store whose every state, by seq, the test keeps: states[s] is the
// state right after record s (states[0] as created).
class HistoryTest : public ::testing::Test {
 protected:
  void Open(uint64_t compact_after_records = 100000,
            Durability durability = Durability::kNone) {
    Options o;
    o.create_if_missing = true;
    o.durability = durability;
    o.segment_bytes = 4096;
    o.compact_after_records = compact_after_records;
    o.compact_in_background = false;
    store_ = statelog::testing::OpenOrDie(dir_, o);
    ASSERT_NE(store_, nullptr);
    if (states_.empty()) states_.push_back(Json::object());
  }

  // Applies `txn`; keeps the state after it if it applied.
  bool Apply(const Transaction& txn) {
    absl::StatusOr<uint64_t> seq = store_->Apply(txn);
    if (!seq.ok()) return false;
    EXPECT_EQ(*seq, states_.size());
    absl::StatusOr<Json> state = store_->Get("");
    EXPECT_THAT(state.status(), IsOk());
    states_.push_back(*state);
    txns_.push_back(txn);
    return true;
  }

  std::vector<HistoryRecord> Read(const HistoryRequest& request,
                                  HistoryEnd* end = nullptr) {
    std::vector<HistoryRecord> records;
    absl::StatusOr<HistoryEnd> read =
        ReadHistory(dir_, request, [&](const HistoryRecord& record) {
          records.push_back(record);
          return absl::OkStatus();
        });
    EXPECT_THAT(read.status(), IsOk());
    if (read.ok() && end != nullptr) *end = *read;
    return records;
  }

  static std::optional<Json> At(const Json& state, const std::string& pointer) {
    std::vector<std::string> tokens = *SplitPointer(pointer);
    absl::StatusOr<Json*> found =
        FindValue(const_cast<Json*>(&state), tokens, tokens.size());
    return found.ok() ? std::optional<Json>(**found) : std::nullopt;
  }

  statelog::testing::ScratchDir scratch_;
  const std::string dir_ = scratch_.Sub("store");
  std::unique_ptr<Store> store_;
  std::vector<Json> states_;
  std::vector<Transaction> txns_;
};

TEST_F(HistoryTest, ListsEveryRecordWhereItSitsWithWhatItDid) {
  Open();
  for (int i = 0; i < 120; ++i) {
    ASSERT_TRUE(Apply(Transaction().Set(
        absl::StrCat("/k", i % 7), Json{{"step", i}, {"pad", "xxxxxxxx"}})));
  }
  store_.reset();
  HistoryEnd end;
  std::vector<HistoryRecord> records = Read({}, &end);
  ASSERT_EQ(records.size(), 120u);
  EXPECT_EQ(end.first_seq, 1u);
  EXPECT_EQ(end.last_seq, 120u);
  EXPECT_TRUE(end.torn_tail.empty());
  std::set<std::string> segments;
  for (size_t i = 0; i < records.size(); ++i) {
    const HistoryRecord& r = records[i];
    EXPECT_EQ(r.seq, i + 1);
    EXPECT_EQ(r.txn.ToJson(), txns_[i].ToJson()) << "seq " << r.seq;
    EXPECT_FALSE(r.before.has_value());
    // The record's own header is at the offset given.
    const std::string data =
        statelog::testing::ReadFileOrDie(absl::StrCat(dir_, "/", r.segment));
    ASSERT_GE(data.size(), r.offset + kRecordHeaderSize);
    EXPECT_EQ(DecodeRecordHeader(data.data() + r.offset).seq, r.seq);
    segments.insert(r.segment);
  }
  // 4 KiB segments: the records span several.
  EXPECT_GT(segments.size(), 2u);

  HistoryRequest range;
  range.from_seq = 17;
  range.to_seq = 40;
  records = Read(range);
  ASSERT_EQ(records.size(), 24u);
  EXPECT_EQ(records.front().seq, 17u);
  EXPECT_EQ(records.back().seq, 40u);
}

// Random transactions of every kind over objects, arrays and merges; for
// each pointer, the records listed are exactly those after which the value
// there differs from the one before, with both values right.
class PointerHistoryTest : public HistoryTest,
                           public ::testing::WithParamInterface<uint32_t> {};

TEST_P(PointerHistoryTest, GetsExactlyTheRecordsThatChangedItsValue) {
  Open();
  std::mt19937 rng(GetParam());
  auto pick = [&](int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(rng);
  };
  const std::vector<std::string> paths = {
      "/a", "/b", "/a/x", "/a/y", "/l", "/l/0", "/l/1", "/l/-", "/b/x", "/b/0"};
  auto value = [&]() -> Json {
    switch (pick(4)) {
      case 0:
        return pick(3);
      case 1:
        return Json{{"x", pick(3)}};
      case 2:
        return Json::array({pick(3), pick(3)});
      default:
        return Json{{"x", Json::array({pick(2)})}, {"y", "s"}};
    }
  };
  auto patch = [&]() -> Json {
    Json p = Json::object();
    for (const char* key : {"a", "b", "l"}) {
      switch (pick(4)) {
        case 0:
          p[key] = nullptr;
          break;
        case 1:
          p[key] = value();
          break;
        case 2:
          p[key] = Json{{"x", pick(2) == 0 ? Json(nullptr) : Json(pick(3))}};
          break;
        default:
          break;
      }
    }
    return p;
  };
  int applied = 0;
  for (int i = 0; i < 3000 && applied < 400; ++i) {
    Transaction txn;
    for (int n = 1 + pick(3); n > 0; --n) {
      const std::string& path = paths[static_cast<size_t>(pick(10))];
      switch (pick(9)) {
        case 0:
          txn.Add(path, value());
          break;
        case 1:
          txn.Remove(path);
          break;
        case 2:
          txn.Replace(path, value());
          break;
        case 3:
          txn.Move(paths[static_cast<size_t>(pick(10))], path);
          break;
        case 4:
          txn.Copy(paths[static_cast<size_t>(pick(10))], path);
          break;
        case 5:
          txn.Test(path, value());
          break;
        case 6:
          txn.Merge(patch());
          break;
        case 7:
          txn.Set(path, value());
          break;
        default:
          txn.Unset(path);
          break;
      }
    }
    if (Apply(txn)) ++applied;
  }
  ASSERT_GE(applied, 200);
  store_.reset();

  for (const std::string pointer : {"", "/a", "/a/x", "/a/y", "/b", "/b/x",
                                    "/b/0", "/l", "/l/0", "/l/1", "/zz"}) {
    SCOPED_TRACE(absl::StrCat("pointer \"", pointer, "\""));
    HistoryRequest request;
    request.pointer = pointer;
    HistoryEnd end;
    std::vector<HistoryRecord> records = Read(request, &end);
    EXPECT_EQ(end.base_seq, 0u);
    std::vector<HistoryRecord>::const_iterator next = records.begin();
    int changes = 0;
    for (uint64_t seq = 1; seq < states_.size(); ++seq) {
      const std::optional<Json> before = At(states_[seq - 1], pointer);
      const std::optional<Json> after = At(states_[seq], pointer);
      if (before == after) continue;
      ++changes;
      ASSERT_NE(next, records.end()) << "seq " << seq << " not listed";
      ASSERT_EQ(next->seq, seq);
      EXPECT_EQ(next->before, before);
      EXPECT_EQ(next->after, after);
      EXPECT_EQ(next->txn.ToJson(), txns_[seq - 1].ToJson());
      ++next;
    }
    EXPECT_EQ(next, records.end())
        << "listed seq " << next->seq << ", which changed nothing there";
    if (pointer != std::string("/zz")) {
      EXPECT_GT(changes, 0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, PointerHistoryTest,
                         ::testing::Range(20261207u, 20261211u));

// Values nlohmann's == takes as equal are changes when their text differs.
TEST_F(HistoryTest, APointerSeesChangesBetweenLooselyEqualNumbers) {
  Open();
  for (const char* text : {"18446744073709551615", "-1", "18446744073709551615",
                           "1", "1.0", "0.0", "-0.0"}) {
    ASSERT_TRUE(Apply(Transaction().Set("/n", Json::parse(text))));
  }
  store_.reset();
  HistoryRequest request;
  request.pointer = "/n";
  std::vector<HistoryRecord> records = Read(request);
  ASSERT_EQ(records.size(), 7u);
  EXPECT_EQ(records[1].before->dump(), "18446744073709551615");
  EXPECT_EQ(records[1].after->dump(), "-1");
  EXPECT_EQ(records[4].after->dump(), "1.0");
  EXPECT_EQ(records[6].after->dump(), "-0.0");
}

TEST_F(HistoryTest, StateAtEverySeqTheKeptSnapshotsReach) {
  Open(/*compact_after_records=*/25);
  for (int i = 0; i < 130; ++i) {
    ASSERT_TRUE(Apply(Transaction()
                          .Set(absl::StrCat("/k", i % 5), i)
                          .Merge(Json{{"last", i}})));
  }
  store_.reset();
  absl::StatusOr<std::vector<SnapshotName>> snapshots =
      ListSnapshots(Env::Default(), dir_);
  ASSERT_THAT(snapshots.status(), IsOk());
  ASSERT_GE(snapshots->size(), 2u);
  const uint64_t oldest = snapshots->back().seq;
  ASSERT_GT(oldest, 0u);
  for (uint64_t seq = oldest; seq < states_.size(); ++seq) {
    absl::StatusOr<StateAt> at = ReadStateAt(dir_, seq);
    ASSERT_THAT(at.status(), IsOk()) << "seq " << seq;
    EXPECT_EQ(at->state, states_[seq]) << "seq " << seq;
    EXPECT_LE(at->snapshot_seq, seq);
    EXPECT_EQ(at->records_replayed, seq - at->snapshot_seq);
    EXPECT_TRUE(at->passed_over.empty());
  }
  EXPECT_THAT(
      ReadStateAt(dir_, oldest - 1).status(),
      StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("compacted away")));
  EXPECT_THAT(ReadStateAt(dir_, states_.size()).status(),
              StatusIs(absl::StatusCode::kOutOfRange,
                       HasSubstr(absl::StrCat("the journal ends at seq ",
                                              states_.size() - 1))));

  // A pointer's changes are traced from the oldest kept snapshot on.
  HistoryRequest request;
  request.pointer = "/last";
  HistoryEnd end;
  std::vector<HistoryRecord> records = Read(request, &end);
  EXPECT_EQ(end.base_seq, oldest);
  ASSERT_EQ(records.size(), states_.size() - 1 - oldest);
  EXPECT_EQ(records.front().seq, oldest + 1);
  EXPECT_EQ(records.front().before, Json(oldest - 1));
  EXPECT_EQ(records.front().after, Json(oldest));
}

TEST_F(HistoryTest, ADamagedSnapshotIsPassedOverForAnOlderOne) {
  Open(/*compact_after_records=*/20);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Apply(Transaction().Set("/n", i)));
  store_.reset();
  std::vector<SnapshotName> snapshots = *ListSnapshots(Env::Default(), dir_);
  ASSERT_GE(snapshots.size(), 2u);
  const SnapshotName newest = snapshots.front();
  const std::string path = absl::StrCat(dir_, "/", newest.file);
  std::string data = statelog::testing::ReadFileOrDie(path);
  data[data.size() - 5] ^= 0x01;
  statelog::testing::WriteFileOrDie(path, data);

  absl::StatusOr<StateAt> at = ReadStateAt(dir_, newest.seq + 1);
  ASSERT_THAT(at.status(), IsOk());
  EXPECT_EQ(at->state, states_[newest.seq + 1]);
  EXPECT_EQ(at->snapshot, snapshots[1].file);
  ASSERT_EQ(at->passed_over.size(), 1u);
  EXPECT_EQ(at->passed_over[0].file, newest.file);
  EXPECT_FALSE(at->passed_over[0].error.empty());
}

// Damage in the middle of the journal stops the listing there, named; a
// torn tail ends it, said, and every record before either is listed.
TEST_F(HistoryTest, DamageIsNamedAndATornTailIsSaid) {
  // Synced records: the journal proves which are durable, so damage with
  // such records after it is mid-log corruption, not a torn tail.
  Open(100000, Durability::kSync);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Apply(Transaction().Set("/n", i)));
  store_.reset();
  std::vector<HistoryRecord> records = Read({});
  ASSERT_EQ(records.size(), 10u);
  const std::string segment = absl::StrCat(dir_, "/", records[0].segment);
  const std::string original = statelog::testing::ReadFileOrDie(segment);

  // The last record torn: listed up to the one before, and said.
  std::string torn = original;
  torn[records[9].offset + kRecordHeaderSize] ^= 0x20;
  statelog::testing::WriteFileOrDie(segment, torn);
  HistoryEnd end;
  records = Read({}, &end);
  EXPECT_EQ(records.size(), 9u);
  EXPECT_THAT(end.torn_tail, HasSubstr(records[0].segment));

  // A record in the middle damaged, with durable records after it.
  std::string damaged = original;
  damaged[records[4].offset + kRecordHeaderSize] ^= 0x20;
  statelog::testing::WriteFileOrDie(segment, damaged);
  std::vector<uint64_t> listed;
  absl::StatusOr<HistoryEnd> read =
      ReadHistory(dir_, {}, [&](const HistoryRecord& record) {
        listed.push_back(record.seq);
        return absl::OkStatus();
      });
  EXPECT_THAT(
      read.status(),
      StatusIs(
          absl::StatusCode::kDataLoss,
          AllOf(HasSubstr("mid-log corruption"), HasSubstr(records[0].segment),
                HasSubstr(absl::StrCat("offset ", records[4].offset)))));
  EXPECT_EQ(listed, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_THAT(
      ReadStateAt(dir_, 8).status(),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("mid-log corruption")));
  absl::StatusOr<StateAt> before = ReadStateAt(dir_, 4);
  ASSERT_THAT(before.status(), IsOk());
  EXPECT_EQ(before->state, states_[4]);
}

// Segments missing from the end of the journal (deleted, lost) are
// damage, as recovery and verify call it, not the end of history.
TEST_F(HistoryTest, AJournalEndingBeforeASnapshotIsDamage) {
  Open(/*compact_after_records=*/30);
  // About 30 records to a 4 KiB segment.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(Apply(Transaction().Set(
        "/n", Json{{"i", i}, {"pad", std::string(60, 'p')}})));
  }
  store_.reset();
  absl::StatusOr<std::vector<SnapshotName>> snapshots =
      ListSnapshots(Env::Default(), dir_);
  absl::StatusOr<std::vector<SegmentFile>> segments =
      ListSegments(Env::Default(), dir_);
  ASSERT_THAT(snapshots.status(), IsOk());
  ASSERT_THAT(segments.status(), IsOk());
  const uint64_t newest = snapshots->front().seq;
  // The segment holding the newest snapshot's record goes, and every one
  // after it: the journal then ends before that snapshot.
  uint64_t ends_at = 0;
  for (size_t i = segments->size(); i-- > 1;) {
    const SegmentFile& segment = (*segments)[i];
    ASSERT_EQ(std::remove(absl::StrCat(dir_, "/", segment.name).c_str()), 0);
    ends_at = segment.first_seq - 1;
    if (segment.first_seq <= newest) break;
  }
  ASSERT_GT(ends_at, 0u);
  ASSERT_LT(ends_at, newest);
  const std::string missing = absl::StrCat(
      "the journal ends at seq ", ends_at, ", before the snapshot ",
      snapshots->front().file, " at seq ", newest, ": segments are missing");
  EXPECT_THAT(ReadStateAt(dir_, newest + 1).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(missing)));
  std::vector<uint64_t> listed;
  EXPECT_THAT(ReadHistory(dir_, {},
                          [&](const HistoryRecord& record) {
                            listed.push_back(record.seq);
                            return absl::OkStatus();
                          })
                  .status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(missing)));
  ASSERT_FALSE(listed.empty());
  EXPECT_EQ(listed.back(), ends_at);
  // What the journal and snapshots still hold is there.
  absl::StatusOr<StateAt> at = ReadStateAt(dir_, newest);
  ASSERT_THAT(at.status(), IsOk());
  EXPECT_EQ(at->state, states_[newest]);
}

// Everything after the newest snapshot's seq gone, the snapshot too: the
// journal then ends before a snapshot the store still lists.
TEST_F(HistoryTest, NoSegmentLeftIsDamage) {
  Open();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Apply(Transaction().Set("/n", i)));
  ASSERT_THAT(store_->Compact(), IsOk());
  store_.reset();
  absl::StatusOr<std::vector<SegmentFile>> segments =
      ListSegments(Env::Default(), dir_);
  ASSERT_THAT(segments.status(), IsOk());
  for (const SegmentFile& segment : *segments) {
    ASSERT_EQ(std::remove(absl::StrCat(dir_, "/", segment.name).c_str()), 0);
  }
  EXPECT_THAT(ReadHistory(dir_, {},
                          [](const HistoryRecord&) { return absl::OkStatus(); })
                  .status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("no journal segment is left")));
  EXPECT_THAT(
      ReadStateAt(dir_, 2).status(),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("segments are missing")));
  // The snapshot itself still gives its own state.
  absl::StatusOr<StateAt> at = ReadStateAt(dir_, 5);
  ASSERT_THAT(at.status(), IsOk());
  EXPECT_EQ(at->state, states_[5]);
}

// An Env that answers NotFound for one file while `vanish` is set, as if a
// writer's retention had deleted it between the listing and the read; with
// `remove`, it removes the named files for good first.
class VanishingEnv : public Env {
 public:
  explicit VanishingEnv(Env* base) : base_(base) {}
  std::string vanish;
  std::vector<std::string> remove;
  int vanished = 0;

  absl::StatusOr<std::unique_ptr<FileContents>> ReadWhole(
      const std::string& path) override {
    if (!vanish.empty() && absl::EndsWith(path, "/" + vanish)) {
      ++vanished;
      for (const std::string& name : remove) {
        (void)base_->RemoveFile(path.substr(0, path.size() - vanish.size()) +
                                name);
      }
      remove.clear();
      if (vanished == 1 ||
          base_->CheckFile(path).code() == absl::StatusCode::kNotFound) {
        return absl::NotFoundError(absl::StrCat("open ", path, ": gone"));
      }
    }
    return base_->ReadWhole(path);
  }
  absl::StatusOr<std::unique_ptr<File>> OpenFile(const std::string& path,
                                                 OpenMode mode) override {
    return base_->OpenFile(path, mode);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override {
    return base_->ListDir(dir);
  }
  absl::Status CreateDir(const std::string& dir) override {
    return base_->CreateDir(dir);
  }
  absl::Status CheckDir(const std::string& dir) override {
    return base_->CheckDir(dir);
  }
  absl::Status CheckFile(const std::string& path) override {
    return base_->CheckFile(path);
  }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    return base_->Rename(from, to);
  }
  absl::Status RemoveFile(const std::string& path) override {
    return base_->RemoveFile(path);
  }
  absl::Status SyncDir(const std::string& dir) override {
    return base_->SyncDir(dir);
  }
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path, const std::string& holder) override {
    return base_->LockFile(path, holder);
  }
  bool MayBeLocked(const std::string&) override { return true; }

 private:
  Env* const base_;
};

// A segment that is not there when the read comes to it, after records
// were passed on: the read goes on from the last record passed, so the
// listing has neither a hole nor a record twice; and if the records after
// it went with the segment, that is Unavailable, not "no store".
TEST_F(HistoryTest, ASegmentGoneMidReadIsReadPastOrSaid) {
  Open();
  for (int i = 0; i < 120; ++i) {
    ASSERT_TRUE(
        Apply(Transaction().Set("/n", Json{{"i", i}, {"pad", "xxxxxxxxxx"}})));
  }
  store_.reset();
  absl::StatusOr<std::vector<SegmentFile>> listed =
      ListSegments(Env::Default(), dir_);
  ASSERT_THAT(listed.status(), IsOk());
  const std::vector<SegmentFile> segments = *listed;
  ASSERT_GE(segments.size(), 3u);

  VanishingEnv env(Env::Default());
  env.vanish = segments[1].name;
  std::vector<uint64_t> seqs;
  absl::StatusOr<HistoryEnd> end = ReadHistory(
      dir_, {},
      [&](const HistoryRecord& record) {
        seqs.push_back(record.seq);
        return absl::OkStatus();
      },
      &env);
  ASSERT_THAT(end.status(), IsOk());
  EXPECT_GE(env.vanished, 2);
  ASSERT_EQ(seqs.size(), 120u);
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);

  // Now the first two segments go for good while the second is on its way.
  env.vanished = 0;
  env.remove = {segments[0].name, segments[1].name};
  seqs.clear();
  end = ReadHistory(
      dir_, {},
      [&](const HistoryRecord& record) {
        seqs.push_back(record.seq);
        return absl::OkStatus();
      },
      &env);
  EXPECT_THAT(end.status(),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr(absl::StrCat("everything up to seq ",
                                              segments[1].first_seq - 1))));
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(seqs.back(), segments[1].first_seq - 1);
}

TEST_F(HistoryTest, BadInputIsRefusedNamingIt) {
  EXPECT_THAT(ReadStateAt(dir_, 0).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(dir_)));
  EXPECT_THAT(ReadHistory(dir_, {},
                          [](const HistoryRecord&) { return absl::OkStatus(); })
                  .status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(dir_)));
  Open();
  ASSERT_TRUE(Apply(Transaction().Set("/n", 1)));
  HistoryRequest request;
  request.pointer = "no-slash";
  EXPECT_THAT(
      ReadHistory(dir_, request,
                  [](const HistoryRecord&) { return absl::OkStatus(); })
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no-slash")));
  // An error from the caller's function stops the read and comes back.
  EXPECT_THAT(ReadHistory(dir_, {},
                          [](const HistoryRecord&) {
                            return absl::CancelledError("enough");
                          })
                  .status(),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("enough")));
  // Read beside the writer that holds the store open.
  absl::StatusOr<StateAt> at = ReadStateAt(dir_, 1);
  ASSERT_THAT(at.status(), IsOk());
  EXPECT_EQ(at->state, (Json{{"n", 1}}));
}

}  // namespace
}  // namespace statelog::internal
