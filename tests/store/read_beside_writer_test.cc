// tests/store/read_beside_writer_test.cc
//
// Readers that take no lock (read-only opens, verify) beside a writer that
// holds it: what the writer changes while they read must not be reported
// as damage (recovery/beside_writer.h). The writer's retention is run from
// inside the reader's read, at the moment that used to make it fail.

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "recovery/verify.h"
#include "statelog/store.h"
#include "tests/testing/mem_env.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::testing::MemEnv;
using ::statelog::testing::OpenOrDie;

Options Writer(MemEnv* env) {
  Options o;
  o.env = env;
  o.create_if_missing = true;
  o.segment_bytes = 4 << 10;
  o.compact_after_records = 0;
  o.compact_after_bytes = 0;
  o.compact_in_background = false;
  return o;
}

Options Reader(MemEnv* env) {
  Options o;
  o.env = env;
  o.read_only = true;
  return o;
}

// Enough records for several segments, then two compactions: retention
// then drops the oldest segments and snapshots.
void Advance(Store* store, int records) {
  for (int i = 0; i < records; ++i) {
    ASSERT_OK(store->Apply(
        Transaction().Set(absl::StrCat("/k", i % 50), std::string(100, 'v'))));
  }
  ASSERT_OK(store->Compact());
  ASSERT_OK(store->Apply(Transaction().Set("/n", records)));
  ASSERT_OK(store->Compact());
}

// A writer on `env`'s store "/s", holding its lock, with a history of
// segments and snapshots behind it.
std::unique_ptr<Store> WriterWithHistory(MemEnv* env) {
  auto writer = OpenOrDie("/s", Writer(env));
  EXPECT_NE(writer, nullptr);
  if (writer != nullptr) Advance(writer.get(), 200);
  return writer;
}

// Arms `env` so that the first time a reader reads a snapshot, `writer`
// moves on by two compactions: the snapshot and segments the reader listed
// are deleted under it. Counts the reads of snapshots. The hook goes with
// the object: a writer that outlives it still calls the env.
class RetentionDuringRead {
 public:
  RetentionDuringRead(MemEnv* env, Store* writer) : env_(env) {
    env->set_fault_hook(
        [this, writer](const std::string& op, const std::string& path) {
          if (op == "read" && absl::StrContains(path, "snapshot-")) ++reads_;
          if (armed_ && op == "read" && absl::StrContains(path, "snapshot-")) {
            armed_ = false;  // the writer's own reads pass
            Advance(writer, 200);
          }
          return absl::OkStatus();
        });
  }
  ~RetentionDuringRead() { env_->set_fault_hook(nullptr); }
  RetentionDuringRead(const RetentionDuringRead&) = delete;
  RetentionDuringRead& operator=(const RetentionDuringRead&) = delete;

  void Arm() { armed_ = true; }
  int reads() const { return reads_; }

 private:
  MemEnv* const env_;
  std::atomic<bool> armed_{false};
  std::atomic<int> reads_{0};
};

TEST(ReadBesideWriterTest, ReadOnlyOpenIsNotFooledByRetentionDuringIt) {
  MemEnv env;
  auto writer = WriterWithHistory(&env);
  ASSERT_NE(writer, nullptr);
  RetentionDuringRead retention(&env, writer.get());
  retention.Arm();
  absl::StatusOr<OpenResult> reader = Store::Open("/s", Reader(&env));
  ASSERT_OK(reader);
  EXPECT_EQ(reader->report.damage, "");
  EXPECT_EQ(reader->store->LastSeq(), writer->LastSeq());
  EXPECT_EQ(*reader->store->Get(""), *writer->Get(""));
}

TEST(ReadBesideWriterTest, VerifyIsNotFooledByRetentionDuringIt) {
  MemEnv env;
  auto writer = WriterWithHistory(&env);
  ASSERT_NE(writer, nullptr);
  RetentionDuringRead retention(&env, writer.get());
  retention.Arm();
  absl::StatusOr<Json> verified = internal::VerifyStore("/s", &env);
  ASSERT_OK(verified);
  EXPECT_TRUE((*verified)["ok"].get<bool>()) << verified->dump();
}

// Opens `env`'s store read-only after damaging the newest snapshot's state
// (seq 201, behind a good header); returns how many snapshot reads the
// open made. The open must succeed from the older snapshot.
int SnapshotReadsOfADamagedOpen(MemEnv* env) {
  const std::string newest = "/s/snapshot-00000000000000000201.json";
  std::string bytes;
  EXPECT_TRUE(env->GetFile(newest, &bytes));
  bytes[bytes.size() - 5] ^= 0x01;
  env->PutFile(newest, bytes);
  RetentionDuringRead counter(env, nullptr);
  absl::StatusOr<OpenResult> reader = Store::Open("/s", Reader(env));
  EXPECT_OK(reader);
  if (reader.ok()) {
    EXPECT_NE(reader->report.snapshots_tried.at(0).error, "");
  }
  return counter.reads();
}

// A damaged store that no writer holds is reported after one read.
TEST(ReadBesideWriterTest, DamageWithoutAWriterIsReportedAtOnce) {
  MemEnv env;
  {
    auto writer = OpenOrDie("/s", Writer(&env));
    ASSERT_NE(writer, nullptr);
    Advance(writer.get(), 200);
  }
  // The damaged snapshot, then the older one.
  EXPECT_EQ(SnapshotReadsOfADamagedOpen(&env), 2);
}

// The same damage while a writer holds the lock: read again, then reported
// as it persists.
TEST(ReadBesideWriterTest, DamageThatPersistsBesideAWriterIsReported) {
  MemEnv env;
  auto writer = WriterWithHistory(&env);
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(SnapshotReadsOfADamagedOpen(&env), 2 * 5);
}

// A read-only open builds its state at once, even when asked to be lazy:
// later, the files it would need may be gone.
TEST(ReadBesideWriterTest, ReadOnlyLazyOpenOutlivesTheWritersRetention) {
  MemEnv env;
  auto writer = WriterWithHistory(&env);
  ASSERT_NE(writer, nullptr);
  Options lazy = Reader(&env);
  lazy.load_state_lazily = true;
  absl::StatusOr<OpenResult> reader = Store::Open("/s", lazy);
  ASSERT_OK(reader);
  const Json expected = *writer->Get("");
  Advance(writer.get(), 200);
  Advance(writer.get(), 200);
  absl::StatusOr<Json> state = reader->store->Get("");
  ASSERT_OK(state);
  EXPECT_EQ(*state, expected);
}

}  // namespace
}  // namespace statelog
