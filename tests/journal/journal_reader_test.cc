// tests/journal/journal_reader_test.cc
//
// ReadJournal against journals written by JournalWriter and then damaged on
// purpose: starting after a snapshot, the hard errors (gap, other store,
// chain that contradicts the snapshot, unknown type), and the description of
// damage that separates a torn tail (nothing durable after it) from mid-log
// corruption (a later record proves the damaged one had been synced).

#include "journal/journal_reader.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "journal/format.h"
#include "journal/journal_writer.h"
#include "journal/record.h"
#include "statelog/env.h"
#include "tests/journal/journal_test_util.h"
#include "tests/testing/test_util.h"
#include "util/coding.h"
#include "util/file_names.h"

namespace statelog::internal {
namespace {

using ::statelog::testing::ScratchDir;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace journal_test;  // NOLINT(build/namespaces)

const std::string kFirstSegment = "wal-00000000000000000001.log";

// A journal in a scratch directory, written through JournalWriter.
class JournalReaderTest : public ::testing::Test {
 protected:
  const std::string id_ = StoreId('j');

  std::string dir() const { return scratch_.path(); }

  // Starts the journal: a first segment at seq 1 chained to 0.
  void Create(uint64_t segment_bytes = 1 << 16) {
    JournalWriterOptions options;
    options.segment_bytes = segment_bytes;
    absl::StatusOr<std::unique_ptr<JournalWriter>> w =
        JournalWriter::CreateSegment(Env::Default(), dir(), id_, 1, 0, options);
    ASSERT_OK(w);
    writer_ = std::move(*w);
  }

  // Appends and syncs one record with `durable` as its watermark. The
  // reference is valid until the next record is framed.
  const FramedRecord& Append(std::string payload, uint64_t durable,
                             RecordType type = RecordType::kTransaction) {
    std::string bytes;
    const FramedRecord& r =
        framer_.Add(std::move(payload), durable, &bytes, type);
    EXPECT_OK(writer_->Write(bytes));
    EXPECT_OK(writer_->Sync());
    return r;
  }

  // Appends records until seq `last`, each `payload_size` bytes, with the
  // watermark `durable(seq)`.
  template <typename DurableFn>
  void AppendThrough(uint64_t last, size_t payload_size, DurableFn durable) {
    std::string batch;
    while (framer_.next_seq() <= last) {
      const uint64_t seq = framer_.next_seq();
      framer_.Add(MakePayload(seq, payload_size), durable(seq), &batch);
    }
    ASSERT_OK(writer_->Write(batch));
    ASSERT_OK(writer_->Sync());
  }
  void AppendThrough(uint64_t last, size_t payload_size = 60) {
    AppendThrough(last, payload_size, [](uint64_t seq) { return seq - 1; });
  }

  // Offset of record `seq` in a single-segment journal.
  uint64_t OffsetOf(uint64_t seq) const {
    uint64_t offset = kSegmentHeaderSize;
    for (const FramedRecord& r : framer_.records()) {
      if (r.seq == seq) return offset;
      offset += r.size();
    }
    ADD_FAILURE() << "no record " << seq;
    return 0;
  }

  absl::StatusOr<JournalReadResult> Read(uint64_t start_seq = 0,
                                         uint64_t start_chain = 0) {
    got_.clear();
    return ReadAll(dir(), id_, start_seq, start_chain, &got_);
  }

  ScratchDir scratch_;
  std::unique_ptr<JournalWriter> writer_;
  RecordFramer framer_;
  std::vector<ReadBack> got_;
};

// ------------------------------------------------------- clean journals

TEST_F(JournalReaderTest, EmptyDirectoryReadsNothing) {
  absl::StatusOr<JournalReadResult> r = Read(7, 0x77);
  ASSERT_OK(r);
  EXPECT_TRUE(got_.empty());
  EXPECT_EQ(r->last_seq, 7u);
  EXPECT_EQ(r->last_chain, 0x77u);
  EXPECT_FALSE(r->damage.has_value());
  EXPECT_TRUE(r->tail_file.empty());
  EXPECT_EQ(r->segments_read, 0u);
}

TEST_F(JournalReaderTest, FreshSegmentReadsAsEmptyJournal) {
  Create();
  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_TRUE(got_.empty());
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  EXPECT_EQ(r->last_seq, 0u);
  EXPECT_EQ(r->tail_file, kFirstSegment);
  EXPECT_EQ(r->tail_offset, kSegmentHeaderSize);
  EXPECT_EQ(r->journal_next_seq, 1u);
}

TEST_F(JournalReaderTest, TempFilesAreNotSegments) {
  Create();
  AppendThrough(3);
  statelog::testing::WriteFileOrDie(
      JoinPath(dir(), "wal-00000000000000000004.log.tmp"), "unpublished");
  absl::StatusOr<std::vector<SegmentFile>> segments =
      ListSegments(Env::Default(), dir());
  ASSERT_OK(segments);
  ASSERT_EQ(segments->size(), 1u);
  EXPECT_EQ((*segments)[0].name, kFirstSegment);
  EXPECT_EQ((*segments)[0].first_seq, 1u);
  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  EXPECT_EQ(Seqs(got_), SeqRange(1, 3));
}

TEST_F(JournalReaderTest, ListSegmentsSortsBySequenceNumber) {
  Create(4096);
  AppendThrough(60, 500);
  absl::StatusOr<std::vector<SegmentFile>> segments =
      ListSegments(Env::Default(), dir());
  ASSERT_OK(segments);
  ASSERT_GT(segments->size(), 3u);
  for (size_t i = 1; i < segments->size(); ++i) {
    EXPECT_LT((*segments)[i - 1].first_seq, (*segments)[i].first_seq);
    EXPECT_EQ(SegmentFileName((*segments)[i].first_seq), (*segments)[i].name);
  }
}

TEST_F(JournalReaderTest, StartSeqSkipsRecordsAtOrBelowIt) {
  Create();
  AppendThrough(10);
  absl::StatusOr<JournalReadResult> r = Read(4, framer_.Get(4).checksum);
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(5, 10));
  EXPECT_EQ(r->records_skipped, 4u);
  EXPECT_EQ(r->last_seq, 10u);
  EXPECT_EQ(r->last_chain, framer_.chain());
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  EXPECT_EQ(got_[0].payload, framer_.Get(5).payload);
}

TEST_F(JournalReaderTest, StartSeqAtTheLastRecordPassesNothing) {
  Create();
  AppendThrough(10);
  absl::StatusOr<JournalReadResult> r = Read(10, framer_.chain());
  ASSERT_OK(r);
  EXPECT_TRUE(got_.empty());
  EXPECT_EQ(r->records_skipped, 10u);
  EXPECT_EQ(r->last_seq, 10u);
  EXPECT_EQ(r->last_chain, framer_.chain());
  EXPECT_EQ(r->journal_next_seq, 11u);
}

TEST_F(JournalReaderTest, StartChainMismatchAtStartSeqIsDataLoss) {
  Create();
  AppendThrough(10);
  EXPECT_THAT(Read(4, framer_.Get(4).checksum ^ 1),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("seq 4")));
  EXPECT_THAT(Read(4, framer_.Get(3).checksum),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(kFirstSegment)));
}

TEST_F(JournalReaderTest, StartChainMismatchWithSegmentChainInIsDataLoss) {
  Create();
  AppendThrough(3);
  // The segment starts at seq 1 chained to 0; a snapshot at seq 0 with
  // another chain value does not belong to this journal.
  EXPECT_THAT(Read(0, 0x1234),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(kFirstSegment)));
}

TEST_F(JournalReaderTest, StartSeqInALaterSegmentReadsFromThatSegment) {
  Create(4096);
  AppendThrough(80, 300);
  absl::StatusOr<std::vector<SegmentFile>> segments =
      ListSegments(Env::Default(), dir());
  ASSERT_OK(segments);
  ASSERT_GT(segments->size(), 4u);
  const SegmentFile& third = (*segments)[2];

  // From the middle of the third segment: earlier segments are not read.
  const uint64_t start = third.first_seq + 2;
  absl::StatusOr<JournalReadResult> r =
      Read(start, framer_.Get(start).checksum);
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(start + 1, 80));
  EXPECT_EQ(r->records_skipped, 3u);
  EXPECT_EQ(r->segments_read, segments->size() - 2);

  // Exactly at the boundary: the segment's chain-in is checked instead.
  const uint64_t boundary = third.first_seq - 1;
  r = Read(boundary, framer_.Get(boundary).checksum);
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(boundary + 1, 80));
  EXPECT_EQ(r->records_skipped, 0u);
  EXPECT_EQ(r->segments_read, segments->size() - 2);
  EXPECT_THAT(Read(boundary, framer_.Get(boundary).checksum + 1),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(third.name)));
}

TEST_F(JournalReaderTest, JournalEndingBeforeTheSnapshotReportsNextSeq) {
  Create();
  AppendThrough(3);
  absl::StatusOr<JournalReadResult> r = Read(10, 0xABC);
  ASSERT_OK(r);
  EXPECT_TRUE(got_.empty());
  EXPECT_EQ(r->records_skipped, 3u);
  EXPECT_EQ(r->last_seq, 10u);
  EXPECT_EQ(r->last_chain, 0xABCu);
  EXPECT_EQ(r->journal_next_seq, 4u);
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
}

// ------------------------------------------------------- hard errors

TEST_F(JournalReaderTest, SegmentOfAnotherStoreIsDataLoss) {
  Create();
  AppendThrough(3);
  std::vector<ReadBack> got;
  EXPECT_THAT(ReadAll(dir(), StoreId('x'), 0, 0, &got),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(kFirstSegment), HasSubstr("store"))));
  EXPECT_TRUE(got.empty());
}

TEST_F(JournalReaderTest, ForeignSegmentAmongOwnIsDataLoss) {
  Create();
  AppendThrough(3);
  // A segment of another store that would continue this journal.
  JournalWriterOptions options;
  options.segment_bytes = 4096;
  absl::StatusOr<std::unique_ptr<JournalWriter>> other =
      JournalWriter::CreateSegment(Env::Default(), dir(), StoreId('x'), 4,
                                   framer_.chain(), options);
  ASSERT_OK(other);
  EXPECT_THAT(Read(), StatusIs(absl::StatusCode::kDataLoss,
                               HasSubstr("wal-00000000000000000004.log")));
}

TEST_F(JournalReaderTest, MissingFirstSegmentIsAGap) {
  Create();
  AppendThrough(2);
  ASSERT_OK(writer_->Rotate(framer_.next_seq(), framer_.chain()));
  AppendThrough(4);
  ASSERT_OK(writer_->Rotate(framer_.next_seq(), framer_.chain()));
  AppendThrough(6);
  ASSERT_EQ(SegmentNames(dir()).size(), 3u);
  ASSERT_OK(Env::Default()->RemoveFile(JoinPath(dir(), kFirstSegment)));

  EXPECT_THAT(Read(), StatusIs(absl::StatusCode::kDataLoss,
                               HasSubstr("wal-00000000000000000003.log")));
  // A snapshot that covers the missing records closes the gap.
  absl::StatusOr<JournalReadResult> r = Read(2, framer_.Get(2).checksum);
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(3, 6));
}

TEST_F(JournalReaderTest, MissingMiddleSegmentIsDamageAtTheNextSegment) {
  Create();
  AppendThrough(2);
  ASSERT_OK(writer_->Rotate(framer_.next_seq(), framer_.chain()));
  AppendThrough(4);
  ASSERT_OK(writer_->Rotate(framer_.next_seq(), framer_.chain()));
  AppendThrough(6);
  ASSERT_OK(Env::Default()->RemoveFile(
      JoinPath(dir(), "wal-00000000000000000003.log")));

  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(1, 2));
  ASSERT_TRUE(r->damage.has_value());
  EXPECT_EQ(r->damage->file, "wal-00000000000000000005.log");
  EXPECT_EQ(r->damage->offset, 0u);
  EXPECT_EQ(r->damage->expected_seq, 3u);
  EXPECT_EQ(r->damage->records_after, 2u);
  EXPECT_TRUE(r->damage->durable_after);  // record 5 has watermark 4 >= 3
  EXPECT_THAT(r->files_after_damage,
              ElementsAre("wal-00000000000000000005.log"));
  EXPECT_EQ(r->tail_file, kFirstSegment);
}

TEST_F(JournalReaderTest, UnknownRecordTypeIsFailedPreconditionNamingIt) {
  Create();
  AppendThrough(2);
  const uint64_t offset = OffsetOf(2) + framer_.Get(2).size();
  Append("future", 2, static_cast<RecordType>(0x05));
  AppendThrough(5);
  EXPECT_THAT(Read(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(AnyOf(HasSubstr("type 5"), HasSubstr("type 0x05"),
                                   HasSubstr("type 0x5")),
                             HasSubstr(kFirstSegment), HasSubstr("seq 3"),
                             HasSubstr(absl::StrCat("offset ", offset)))));
}

TEST_F(JournalReaderTest, IgnorableUnknownTypeIsSkippedAndConsumesItsSeq) {
  Create();
  AppendThrough(2);
  Append("skip me", 2, static_cast<RecordType>(0x85));
  AppendThrough(5);
  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  EXPECT_THAT(Seqs(got_), ElementsAre(1u, 2u, 4u, 5u));
  EXPECT_EQ(got_[2].payload, framer_.Get(4).payload);
  EXPECT_EQ(r->last_seq, 5u);
  EXPECT_EQ(r->last_chain, framer_.chain());
}

TEST_F(JournalReaderTest, IgnorableRecordAtTheEndStillAdvancesLastSeq) {
  Create();
  AppendThrough(2);
  const FramedRecord& last =
      Append("skip me", 2, static_cast<RecordType>(0xFF));
  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_THAT(Seqs(got_), ElementsAre(1u, 2u));
  EXPECT_EQ(r->last_seq, 3u);
  EXPECT_EQ(r->last_chain, last.checksum);
  EXPECT_EQ(r->journal_next_seq, 4u);
}

TEST_F(JournalReaderTest, CallbackErrorStopsReadingAndNamesTheRecord) {
  Create();
  AppendThrough(5);
  int calls = 0;
  absl::StatusOr<JournalReadResult> r =
      ReadJournal(Env::Default(), dir(), id_, 0, 0, kMaxRecordBytes,
                  [&calls](const RecordHeader& h, absl::string_view) {
                    ++calls;
                    if (h.seq == 3)
                      return absl::InvalidArgumentError("cannot apply");
                    return absl::OkStatus();
                  });
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument,
                          AllOf(HasSubstr("cannot apply"), HasSubstr("seq 3"),
                                HasSubstr(kFirstSegment))));
  EXPECT_EQ(calls, 3);
}

// ------------------------------------------------------- torn tails

enum class TearFill { kZeros, kGarbage };

// Writes `n` records, then for every cut offset inside the last one
// replaces the bytes from the cut to the record's end (zeros: the write
// stopped there; garbage: the sectors hold junk) and checks the reader
// stops cleanly before it.
void CheckTornTailAtEveryOffset(TearFill fill) {
  ScratchDir scratch;
  const std::string id = StoreId('t');
  JournalWriterOptions options;
  options.segment_bytes = 4096;
  absl::StatusOr<std::unique_ptr<JournalWriter>> w =
      JournalWriter::CreateSegment(Env::Default(), scratch.path(), id, 1, 0,
                                   options);
  ASSERT_OK(w);
  RecordFramer framer;
  constexpr uint64_t kRecords = 6;
  std::string batch;
  uint64_t last_offset = kSegmentHeaderSize;
  for (uint64_t seq = 1; seq <= kRecords; ++seq) {
    if (seq == kRecords) last_offset = kSegmentHeaderSize + batch.size();
    framer.Add(MakePayload(seq, 20 + seq * 5), seq - 1, &batch);
  }
  ASSERT_OK((*w)->Write(batch));
  ASSERT_OK((*w)->Sync());
  w->reset();

  const std::string original = ReadSegment(scratch.path(), kFirstSegment);
  const uint64_t last_end = kSegmentHeaderSize + batch.size();
  for (uint64_t cut = last_offset; cut < last_end; ++cut) {
    SCOPED_TRACE(absl::StrCat("cut at ", cut, " of record [", last_offset, ", ",
                              last_end, ")"));
    std::string data = original;
    const char byte = fill == TearFill::kZeros ? '\0' : '\xAB';
    for (uint64_t i = cut; i < last_end; ++i) data[i] = byte;
    WriteSegment(scratch.path(), kFirstSegment, data);

    std::vector<ReadBack> got;
    absl::StatusOr<JournalReadResult> r =
        ReadAll(scratch.path(), id, 0, 0, &got);
    ASSERT_OK(r);
    EXPECT_EQ(Seqs(got), SeqRange(1, kRecords - 1));
    EXPECT_EQ(r->last_seq, kRecords - 1);
    EXPECT_EQ(r->last_chain, framer.Get(kRecords - 1).checksum);
    EXPECT_EQ(r->tail_file, kFirstSegment);
    EXPECT_EQ(r->tail_offset, last_offset);
    EXPECT_EQ(r->journal_next_seq, kRecords);

    const absl::string_view written =
        absl::string_view(data).substr(last_offset, last_end - last_offset);
    if (IsAllZero(written)) {
      // Nothing of the record reached the disk: a clean end of log.
      EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
      continue;
    }
    ASSERT_TRUE(r->damage.has_value());
    EXPECT_EQ(r->damage->file, kFirstSegment);
    EXPECT_EQ(r->damage->offset, last_offset);
    EXPECT_EQ(r->damage->expected_seq, kRecords);
    EXPECT_FALSE(r->damage->reason.empty());
    EXPECT_EQ(r->damage->records_after, 0u);
    EXPECT_FALSE(r->damage->durable_after) << r->damage->Describe();
    EXPECT_TRUE(r->files_after_damage.empty());
    // The dirty region ends at the last nonzero byte of the torn record.
    uint64_t dirty_end = last_offset;
    for (uint64_t i = last_offset; i < last_end; ++i) {
      if (data[i] != 0) dirty_end = i + 1;
    }
    EXPECT_EQ(r->tail_dirty_end, dirty_end);
  }
}

TEST(JournalTornTailTest, TornTailAtEveryOffsetEndsBeforeTheLastRecord) {
  CheckTornTailAtEveryOffset(TearFill::kZeros);
}

TEST(JournalTornTailTest, GarbageTailAtEveryOffsetEndsBeforeTheLastRecord) {
  CheckTornTailAtEveryOffset(TearFill::kGarbage);
}

TEST_F(JournalReaderTest, TornFirstRecordOfNewSegmentIsTailDamage) {
  Create(4096);
  AppendThrough(2);
  ASSERT_OK(writer_->Rotate(framer_.next_seq(), framer_.chain()));
  AppendThrough(3);
  const std::string second = "wal-00000000000000000003.log";
  std::string data = ReadSegment(dir(), second);
  data[kSegmentHeaderSize + kRecordHeaderSize + 5] ^= 0x01;
  WriteSegment(dir(), second, data);

  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(1, 2));
  ASSERT_TRUE(r->damage.has_value());
  EXPECT_EQ(r->damage->file, second);
  EXPECT_EQ(r->damage->offset, kSegmentHeaderSize);
  EXPECT_FALSE(r->damage->durable_after);
  EXPECT_EQ(r->tail_file, second);
  EXPECT_EQ(r->tail_offset, kSegmentHeaderSize);
  EXPECT_EQ(r->journal_next_seq, 3u);
}

// ------------------------------------------------------- mid-log damage

TEST_F(JournalReaderTest, FlipBeforeDurableRecordsIsMidLogDamage) {
  Create();
  // Every record's watermark is the one before it: records 4..10 say
  // record 3 was durable.
  AppendThrough(10, 60, [](uint64_t seq) { return seq - 1; });
  std::string data = ReadSegment(dir(), kFirstSegment);
  const uint64_t offset3 = OffsetOf(3);
  data[offset3 + kRecordHeaderSize + 10] ^= 0x04;
  WriteSegment(dir(), kFirstSegment, data);

  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(1, 2));
  EXPECT_EQ(r->last_seq, 2u);
  ASSERT_TRUE(r->damage.has_value());
  EXPECT_EQ(r->damage->file, kFirstSegment);
  EXPECT_EQ(r->damage->offset, offset3);
  EXPECT_EQ(r->damage->expected_seq, 3u);
  EXPECT_EQ(r->damage->records_after, 7u);
  EXPECT_TRUE(r->damage->durable_after);
  EXPECT_THAT(r->damage->durable_where, HasSubstr(kFirstSegment));
  EXPECT_THAT(r->damage->Describe(),
              AllOf(HasSubstr(kFirstSegment),
                    HasSubstr(absl::StrCat("offset ", offset3))));
  EXPECT_EQ(r->tail_offset, offset3);
}

TEST_F(JournalReaderTest, FlipBeforeUnsyncedRecordsIsNotDurableAfter) {
  Create();
  // No record after 3 claims that 3 was durable.
  AppendThrough(10, 60,
                [](uint64_t seq) { return std::min<uint64_t>(seq - 1, 2); });
  std::string data = ReadSegment(dir(), kFirstSegment);
  const uint64_t offset3 = OffsetOf(3);
  data[offset3 + kRecordHeaderSize + 10] ^= 0x04;
  WriteSegment(dir(), kFirstSegment, data);

  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(1, 2));
  ASSERT_TRUE(r->damage.has_value());
  EXPECT_EQ(r->damage->offset, offset3);
  EXPECT_EQ(r->damage->expected_seq, 3u);
  EXPECT_EQ(r->damage->records_after, 7u);
  EXPECT_FALSE(r->damage->durable_after) << r->damage->Describe();
}

TEST_F(JournalReaderTest, TornBatchWithIntactLaterRecordsIsNotDurableAfter) {
  Create();
  // Records 1..4 synced; the batch 5..8 was framed when 4 was durable. The
  // crash tore a sector of record 5 while 6..8 reached the disk.
  AppendThrough(4, 60, [](uint64_t seq) { return seq - 1; });
  AppendThrough(8, 60, [](uint64_t) { return 4; });
  std::string data = ReadSegment(dir(), kFirstSegment);
  const uint64_t offset5 = OffsetOf(5);
  const uint64_t end5 = offset5 + framer_.Get(5).size();
  for (uint64_t i = end5 - 30; i < end5; ++i) data[i] = 0;
  WriteSegment(dir(), kFirstSegment, data);

  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(1, 4));
  ASSERT_TRUE(r->damage.has_value());
  EXPECT_EQ(r->damage->offset, offset5);
  EXPECT_EQ(r->damage->expected_seq, 5u);
  EXPECT_EQ(r->damage->records_after, 3u);
  EXPECT_FALSE(r->damage->durable_after) << r->damage->Describe();
}

TEST_F(JournalReaderTest, DurableRecordInALaterSegmentIsFound) {
  Create(4096);
  AppendThrough(3, 60, [](uint64_t) { return 0; });
  ASSERT_OK(writer_->Rotate(framer_.next_seq(), framer_.chain()));
  AppendThrough(6, 60, [](uint64_t seq) { return seq - 1; });
  std::string data = ReadSegment(dir(), kFirstSegment);
  const uint64_t offset2 = OffsetOf(2);
  data[offset2 + kRecordHeaderSize] ^= 0x01;
  WriteSegment(dir(), kFirstSegment, data);

  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(1, 1));
  ASSERT_TRUE(r->damage.has_value());
  EXPECT_EQ(r->damage->offset, offset2);
  EXPECT_EQ(r->damage->records_after, 4u);  // 3 here, 4..6 next door
  EXPECT_TRUE(r->damage->durable_after);
  EXPECT_THAT(r->damage->durable_where,
              HasSubstr("wal-00000000000000000004.log"));
  EXPECT_THAT(r->files_after_damage,
              ElementsAre("wal-00000000000000000004.log"));
}

// A writer leaves a segment unsynced on its way to the next one, so the
// records no watermark proves durable can begin before the tail segment:
// whoever continues the tail must write those again too.
class UnprovenBeforeTailTest : public JournalReaderTest {
 protected:
  // Records 1..3 in the first segment and 4..6 in the second, framed with
  // the watermarks `durable` gives; `first_unproven` is the first record
  // the read must report unproven before the tail (0: none there).
  void Check(uint64_t (*durable)(uint64_t seq), uint64_t first_unproven) {
    Create(4096);
    AppendThrough(3, 60, durable);
    ASSERT_OK(writer_->Rotate(framer_.next_seq(), framer_.chain()));
    AppendThrough(6, 60, durable);

    absl::StatusOr<JournalReadResult> r = Read();
    ASSERT_OK(r);
    EXPECT_EQ(Seqs(got_), SeqRange(1, 6));
    EXPECT_FALSE(r->damage.has_value());
    ASSERT_EQ(r->tail_file, "wal-00000000000000000004.log");
    if (first_unproven == 0) {
      EXPECT_TRUE(r->unproven_before_tail.empty());
      // Record 6 was framed when 5 was durable: only it is unproven.
      EXPECT_EQ(r->tail_unproven_offset,
                kSegmentHeaderSize + 2 * (kRecordHeaderSize + 60));
      return;
    }
    ASSERT_EQ(r->unproven_before_tail.size(), 1u);
    EXPECT_EQ(r->unproven_before_tail[0].file, kFirstSegment);
    EXPECT_EQ(r->unproven_before_tail[0].offset, OffsetOf(first_unproven));
    EXPECT_EQ(r->unproven_before_tail[0].end,
              OffsetOf(3) + kRecordHeaderSize + 60);
    EXPECT_EQ(r->tail_unproven_offset, kSegmentHeaderSize);
  }
};

TEST_F(UnprovenBeforeTailTest, NothingProvenStartsAtTheFirstRecord) {
  Check([](uint64_t) -> uint64_t { return 0; }, 1);
}

TEST_F(UnprovenBeforeTailTest, ProvenThroughTwoStartsAtRecordThree) {
  Check([](uint64_t seq) { return std::min<uint64_t>(seq - 1, 2); }, 3);
}

TEST_F(UnprovenBeforeTailTest, ProvenThroughFiveLeavesOnlyTheTail) {
  Check([](uint64_t seq) { return seq - 1; }, 0);
}

TEST_F(JournalReaderTest, RecordWithBrokenChainIsDamage) {
  Create();
  AppendThrough(3);
  // A self-consistent record 4 that does not follow record 3.
  std::string bytes;
  EncodeRecord(framer_.chain() ^ 0x10, 4, 3, RecordType::kTransaction,
               "spliced", &bytes);
  ASSERT_OK(writer_->Write(bytes));
  ASSERT_OK(writer_->Sync());

  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(1, 3));
  ASSERT_TRUE(r->damage.has_value());
  EXPECT_EQ(r->damage->expected_seq, 4u);
  EXPECT_THAT(r->damage->reason, HasSubstr("chain"));
}

TEST_F(JournalReaderTest, DuplicatedRecordIsDamage) {
  Create();
  AppendThrough(3);
  std::string data = ReadSegment(dir(), kFirstSegment);
  const FramedRecord& third = framer_.Get(3);
  const uint64_t offset3 = OffsetOf(3);
  // Record 3 again, right after itself.
  data.replace(offset3 + third.size(), third.size(),
               data.substr(offset3, third.size()));
  WriteSegment(dir(), kFirstSegment, data);

  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(1, 3));
  ASSERT_TRUE(r->damage.has_value());
  EXPECT_EQ(r->damage->offset, offset3 + third.size());
  EXPECT_EQ(r->damage->expected_seq, 4u);
}

TEST_F(JournalReaderTest, GarbageAfterEndOfLogIsDamage) {
  Create();
  AppendThrough(3);
  const uint64_t end = OffsetOf(3) + framer_.Get(3).size();
  std::string data = ReadSegment(dir(), kFirstSegment);
  data.replace(end + 100, 7, "garbage");
  WriteSegment(dir(), kFirstSegment, data);

  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(1, 3));
  ASSERT_TRUE(r->damage.has_value());
  EXPECT_EQ(r->damage->offset, end);
  EXPECT_EQ(r->damage->expected_seq, 4u);
  EXPECT_EQ(r->tail_offset, end);
  EXPECT_EQ(r->tail_dirty_end, end + 107);
}

TEST_F(JournalReaderTest, NonzeroLastByteOfSegmentIsDamage) {
  Create(4096);
  AppendThrough(3);
  std::string data = ReadSegment(dir(), kFirstSegment);
  data.back() = 1;
  WriteSegment(dir(), kFirstSegment, data);

  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(1, 3));
  ASSERT_TRUE(r->damage.has_value());
  EXPECT_EQ(r->tail_dirty_end, 4096u);
}

TEST_F(JournalReaderTest, ShortZeroRunAtSegmentEndIsCleanEnd) {
  Create(4096);
  // Leaves 20 zero bytes, less than a record header, at the segment's end.
  Append(MakePayload(1, 4096 - kSegmentHeaderSize - kRecordHeaderSize - 20), 0);
  Append(MakePayload(2, 30), 1);
  ASSERT_EQ(SegmentNames(dir()).size(), 2u);
  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  EXPECT_EQ(Seqs(got_), SeqRange(1, 2));
}

TEST_F(JournalReaderTest, DamagedSegmentHeaderIsDamageAtOffsetZero) {
  Create(4096);
  AppendThrough(2);
  ASSERT_OK(writer_->Rotate(framer_.next_seq(), framer_.chain()));
  AppendThrough(4);
  const std::string second = "wal-00000000000000000003.log";
  std::string data = ReadSegment(dir(), second);
  data[33] ^= 0x01;  // first_seq, under the header checksum
  WriteSegment(dir(), second, data);

  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  EXPECT_EQ(Seqs(got_), SeqRange(1, 2));
  ASSERT_TRUE(r->damage.has_value());
  EXPECT_EQ(r->damage->file, second);
  EXPECT_EQ(r->damage->offset, 0u);
  EXPECT_EQ(r->damage->expected_seq, 3u);
  EXPECT_EQ(r->damage->records_after, 2u);
  EXPECT_TRUE(r->damage->durable_after);
  EXPECT_THAT(r->files_after_damage, ElementsAre(second));
  EXPECT_EQ(r->tail_file, kFirstSegment);
}

TEST_F(JournalReaderTest, SegmentWhoseNameDisagreesWithHeaderIsDamage) {
  Create(4096);
  AppendThrough(2);
  ASSERT_OK(writer_->Rotate(framer_.next_seq(), framer_.chain()));
  AppendThrough(4);
  writer_.reset();
  ASSERT_OK(
      Env::Default()->Rename(JoinPath(dir(), "wal-00000000000000000003.log"),
                             JoinPath(dir(), "wal-00000000000000000002.log")));

  absl::StatusOr<JournalReadResult> r = Read();
  ASSERT_OK(r);
  ASSERT_TRUE(r->damage.has_value());
  EXPECT_EQ(r->damage->file, "wal-00000000000000000002.log");
  EXPECT_EQ(r->damage->offset, 0u);
}

}  // namespace
}  // namespace statelog::internal
