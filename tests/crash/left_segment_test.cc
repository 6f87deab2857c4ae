// tests/crash/left_segment_test.cc
//
// A journal writer does not sync a segment on its way to the next one
// (journal/journal_writer.h): the segment is "left", and its sync runs on a
// thread or waits for the next Sync or rotation. These tests pin down what
// that may and may not do, on CrashEnv's model of the disk: the left
// segment is not durable before Sync and is after it, a failed sync of it
// is reported by the next Sync naming the segment, and a store reopened
// after a process crash makes the left segment's records durable before it
// builds on them (a power cut after the reopen keeps them).

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "journal/journal_writer.h"
#include "statelog/store.h"
#include "tests/journal/journal_test_util.h"
#include "tests/testing/crash_env.h"
#include "tests/testing/test_util.h"
#include "util/file_names.h"

namespace statelog::internal {
namespace {

using ::statelog::testing::CrashEnv;
using ::statelog::testing::FsCall;
using ::statelog::testing::FsFault;
using ::statelog::testing::FsOpKind;
using namespace journal_test;  // NOLINT(build/namespaces)

constexpr char kDir[] = "/j";
const std::string kFirst = "/j/wal-00000000000000000001.log";

// A writer in kDir on `env` that has written records into a first segment
// and gone on to a second, with no Sync yet.
std::unique_ptr<JournalWriter> WriteIntoASecondSegment(
    CrashEnv* env, JournalWriterOptions::Spare spare, RecordFramer* framer) {
  EXPECT_OK(env->CreateDir(kDir));
  EXPECT_OK(env->SyncDir("/"));
  JournalWriterOptions options;
  options.segment_bytes = 4096;
  options.spare = spare;
  absl::StatusOr<std::unique_ptr<JournalWriter>> w =
      JournalWriter::CreateSegment(env, kDir, StoreId('l'), 1, 0, options);
  EXPECT_OK(w);
  if (!w.ok()) return nullptr;
  while ((*w)->current_file() == "wal-00000000000000000001.log") {
    std::string batch;
    framer->Add(MakePayload(framer->next_seq(), 300), 0, &batch);
    EXPECT_OK((*w)->Write(batch));
  }
  return std::move(*w);
}

// Whether a power cut now keeps `path` as a process crash would.
bool DurableAsLive(const CrashEnv& env, const std::string& path) {
  return env.DurableImage().files.at(path) == env.LiveImage().files.at(path);
}

class LeftSegmentTest : public ::testing::Test {
 protected:
  // A writer on env_ that went on to a second segment, its name second_.
  void Start(JournalWriterOptions::Spare spare) {
    w_ = WriteIntoASecondSegment(&env_, spare, &framer_);
    ASSERT_NE(w_, nullptr);
    second_ = std::string(kDir) + "/" + w_->current_file();
  }

  CrashEnv env_;
  RecordFramer framer_;
  std::unique_ptr<JournalWriter> w_;
  std::string second_;
};

TEST_F(LeftSegmentTest, IsNotSyncedByTheRotationAndIsByTheNextSync) {
  Start(JournalWriterOptions::Spare::kInline);
  // The second segment is published (header and full size), the first
  // one's records are in the page cache only.
  ASSERT_TRUE(env_.DurableImage().files.count(second_));
  EXPECT_FALSE(DurableAsLive(env_, kFirst))
      << "the rotation synced the segment it left";

  ASSERT_OK(w_->Sync());
  EXPECT_TRUE(DurableAsLive(env_, kFirst));
  EXPECT_TRUE(DurableAsLive(env_, second_));
}

TEST_F(LeftSegmentTest, IsSyncedOnTheWritersThreadBySync) {
  Start(JournalWriterOptions::Spare::kThread);
  std::string batch;
  framer_.Add(MakePayload(framer_.next_seq(), 300), 0, &batch);
  ASSERT_OK(w_->Write(batch));

  ASSERT_OK(w_->Sync());
  EXPECT_TRUE(DurableAsLive(env_, kFirst));
  EXPECT_TRUE(DurableAsLive(env_, second_));
}

TEST_F(LeftSegmentTest, AFailedSyncOfItIsReportedByTheNextSyncNamingIt) {
  for (const JournalWriterOptions::Spare spare :
       {JournalWriterOptions::Spare::kInline,
        JournalWriterOptions::Spare::kThread}) {
    SCOPED_TRACE(spare == JournalWriterOptions::Spare::kThread ? "thread"
                                                               : "inline");
    CrashEnv env;
    // The first segment is made under a temporary name and renamed; its
    // syncs are the ones that fail, from the rotation on.
    bool failing = false;
    env.set_fault_hook([&](const FsCall& call) -> std::optional<FsFault> {
      if (!failing || call.kind != FsOpKind::kSync ||
          !absl::StrContains(call.path, "00000000000000000001")) {
        return std::nullopt;
      }
      return FsFault{absl::DataLossError("injected EIO"), 0, false};
    });
    JournalWriterOptions options;
    options.segment_bytes = 4096;
    options.spare = spare;
    ASSERT_OK(env.CreateDir(kDir));
    absl::StatusOr<std::unique_ptr<JournalWriter>> w =
        JournalWriter::CreateSegment(&env, kDir, StoreId('l'), 1, 0, options);
    ASSERT_OK(w);
    failing = true;
    RecordFramer framer;
    while ((*w)->current_file() == "wal-00000000000000000001.log") {
      std::string batch;
      framer.Add(MakePayload(framer.next_seq(), 300), 0, &batch);
      ASSERT_OK((*w)->Write(batch));
    }
    const absl::Status synced = (*w)->Sync();
    EXPECT_TRUE(absl::IsDataLoss(synced)) << synced;
    EXPECT_TRUE(
        absl::StrContains(synced.message(), "wal-00000000000000000001.log"))
        << synced;
    EXPECT_TRUE(absl::StrContains(synced.message(), "injected EIO")) << synced;
  }
}

// A store whose writer left a segment unsynced dies (a process crash: the
// page cache stays). The reopened store reads the left segment's records
// from the page cache; before it acknowledges anything durable after
// them, they must be durable too, or a power cut would tear the journal
// before records whose watermarks say it was whole (mid-log corruption).
TEST_F(LeftSegmentTest, AReopenedStoreMakesTheLeftSegmentDurableFirst) {
  Options options;
  options.durability = Durability::kNone;
  options.segment_bytes = 4096;
  options.compact_in_background = false;  // the writer's fixed order
  options.compact_after_records = 0;
  options.compact_after_bytes = 0;
  options.create_if_missing = true;
  const std::string dir = "/s";
  const std::string value(200, 'v');

  CrashEnv first;
  options.env = &first;
  int applied = 0;
  size_t died_at = 0;
  {
    absl::StatusOr<OpenResult> opened = Store::Open(dir, options);
    ASSERT_OK(opened);
    // Enough for several segments.
    for (; applied < 60; ++applied) {
      ASSERT_OK(opened->store->Apply(
          Transaction().Set("/k" + std::to_string(applied), value)));
    }
    // The process dies here, before anything syncs the segments (closing
    // would).
    died_at = first.log_size();
  }

  // Restart in the same boot: the page cache, with every record, stays.
  CrashEnv second(first.base(), first.log(), died_at);
  Options reopen = options;
  reopen.env = &second;
  reopen.durability = Durability::kSync;
  ::statelog::testing::FsImage cut;
  {
    absl::StatusOr<OpenResult> opened = Store::Open(dir, reopen);
    ASSERT_OK(opened);
    EXPECT_EQ(opened->report.last_seq, static_cast<uint64_t>(applied));
    ASSERT_OK(opened->store->Apply(Transaction().Set("/after", 1)));
    // The power is cut right after that acknowledgement.
    cut = second.DurableImage();
  }

  // Only what was durable stays, and it must all be there.
  CrashEnv third(cut);
  Options after = options;
  after.env = &third;
  absl::StatusOr<OpenResult> opened = Store::Open(dir, after);
  ASSERT_OK(opened);
  EXPECT_EQ(opened->report.last_seq, static_cast<uint64_t>(applied) + 1);
  absl::StatusOr<Json> last = opened->store->Get("/k59");
  ASSERT_OK(last);
  EXPECT_EQ(*last, value);
  absl::StatusOr<Json> after_value = opened->store->Get("/after");
  ASSERT_OK(after_value);
  EXPECT_EQ(*after_value, 1);
}

}  // namespace
}  // namespace statelog::internal
