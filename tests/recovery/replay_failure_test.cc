// tests/recovery/replay_failure_test.cc
//
// A journal that verifies record by record and as a chain, but holds a
// record that does not apply to the state before it (written by something
// else, or a snapshot that disagrees with the journal): opening must fail
// with DataLoss naming exactly that record, its file and offset, and never
// skip it.

#include <string>

#include "journal/format.h"
#include "journal/record.h"
#include "statelog/store.h"
#include "tests/testing/test_util.h"
#include "util/file_names.h"

namespace statelog::internal {
namespace {

using ::statelog::testing::ReadFileOrDie;
using ::statelog::testing::ScratchDir;
using ::statelog::testing::WriteFileOrDie;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Rewrites the journal of `dir` (one segment) with the payload of record
// `seq` replaced and the chain recomputed; returns that record's offset.
uint64_t ReplaceRecord(const std::string& dir, uint64_t seq,
                       absl::string_view payload) {
  const std::string path = dir + "/" + SegmentFileName(1);
  const std::string segment = ReadFileOrDie(path);
  std::string rebuilt = segment.substr(0, kSegmentHeaderSize);
  uint64_t at = kSegmentHeaderSize;
  uint64_t chain = 0;
  uint64_t replaced_at = 0;
  bool first = true;
  while (at + kRecordHeaderSize <= segment.size()) {
    const RecordHeader h = DecodeRecordHeader(segment.data() + at);
    if (h.checksum == 0 && h.length == 0) break;
    if (first) chain = h.prev;
    first = false;
    if (h.seq == seq) replaced_at = rebuilt.size();
    const absl::string_view original(segment.data() + at + kRecordHeaderSize,
                                     h.length);
    chain =
        EncodeRecord(chain, h.seq, h.durable, static_cast<RecordType>(h.type),
                     h.seq == seq ? payload : original, &rebuilt);
    at += kRecordHeaderSize + h.length;
  }
  rebuilt.resize(segment.size(), '\0');
  WriteFileOrDie(path, rebuilt);
  return replaced_at;
}

TEST(ReplayFailureTest, OpenNamesTheRecordThatDoesNotApply) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("store");
  {
    Options o;
    o.create_if_missing = true;
    o.durability = Durability::kNone;
    o.compact_after_records = 0;
    o.compact_after_bytes = 0;
    o.segment_bytes = 4 << 20;
    auto opened = Store::Open(dir, o);
    ASSERT_OK(opened);
    for (int i = 0; i < 2000; ++i) {
      ASSERT_OK(
          opened->store->Apply(Transaction().Set(absl::StrCat("/k", i % 97), i))
              .status());
    }
    ASSERT_OK(opened->store->Sync());
  }
  const uint64_t offset =
      ReplaceRecord(dir, 777, R"({"ops":[{"op":"remove","path":"/absent"}]})");
  ASSERT_GT(offset, 0u);
  for (bool lazily : {false, true}) {
    SCOPED_TRACE(lazily ? "opened lazily, then read" : "opened eagerly");
    Options o;
    o.load_state_lazily = lazily;
    absl::StatusOr<OpenResult> reopened = Store::Open(dir, o);
    absl::Status status = reopened.status();
    if (reopened.ok()) status = reopened->store->Get("/k1").status();
    EXPECT_THAT(
        status,
        StatusIs(absl::StatusCode::kDataLoss,
                 AllOf(HasSubstr(absl::StrCat(SegmentFileName(1), " offset ",
                                              offset, " seq 777: ")),
                       HasSubstr("does not apply"), HasSubstr("/absent"))));
  }
}

}  // namespace
}  // namespace statelog::internal
