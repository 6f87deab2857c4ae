// tests/journal/journal_writer_test.cc
//
// JournalWriter on the real file system: segment creation (name, size,
// header, zeros, no temp file left), placement of framed records, rotation
// when a record does not fit, oversized records, and continuing a segment
// after reopening. What was written is checked by reading the bytes back and
// through ReadJournal.

#include "journal/journal_writer.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "journal/format.h"
#include "journal/journal_reader.h"
#include "journal/record.h"
#include "statelog/env.h"
#include "tests/journal/journal_test_util.h"
#include "tests/testing/test_util.h"
#include "util/file_names.h"

namespace statelog::internal {
namespace {

using ::statelog::testing::ScratchDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace journal_test;  // NOLINT(build/namespaces)

const std::string kFirstSegment = "wal-00000000000000000001.log";

std::unique_ptr<JournalWriter> CreateOrDie(
    const std::string& dir, const std::string& store_id, uint64_t first_seq,
    uint64_t chain_in, uint64_t segment_bytes,
    JournalWriterOptions::Spare spare = JournalWriterOptions::Spare::kNone) {
  JournalWriterOptions options;
  options.segment_bytes = segment_bytes;
  options.spare = spare;
  absl::StatusOr<std::unique_ptr<JournalWriter>> w =
      JournalWriter::CreateSegment(Env::Default(), dir, store_id, first_seq,
                                   chain_in, options);
  EXPECT_TRUE(w.ok()) << w.status();
  if (!w.ok()) return nullptr;
  return std::move(*w);
}

// Walks the records of one segment from offset 64 to its end-of-log marker.
// Returns the records found and sets `*end` to where they stop.
std::vector<RecordHeader> WalkSegment(const std::string& data, uint64_t* end) {
  std::vector<RecordHeader> out;
  uint64_t offset = kSegmentHeaderSize;
  while (true) {
    RecordHeader h;
    RecordCheck check = CheckRecord(absl::string_view(data).substr(offset),
                                    kMaxRecordBytes, &h);
    if (check != RecordCheck::kOk) {
      EXPECT_EQ(check, RecordCheck::kZero) << "at offset " << offset;
      break;
    }
    out.push_back(h);
    offset += kRecordHeaderSize + h.length;
  }
  *end = offset;
  return out;
}

TEST(JournalWriterTest, CreateSegmentMakesFullSizeFileWithHeaderAndZeros) {
  ScratchDir dir;
  const std::string id = StoreId('s');
  std::unique_ptr<JournalWriter> w = CreateOrDie(dir.path(), id, 1, 0, 65536);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->current_file(), kFirstSegment);
  EXPECT_EQ(w->bytes_written(), 0u);

  // Published under its final name only: no temp file stays behind.
  EXPECT_THAT(SortedNames(dir.path()), ElementsAre(kFirstSegment));

  const std::string data = ReadSegment(dir.path(), kFirstSegment);
  ASSERT_EQ(data.size(), 65536u);
  absl::StatusOr<SegmentHeader> header =
      DecodeSegmentHeader(data, kFirstSegment);
  ASSERT_OK(header);
  EXPECT_EQ(header->store_id, id);
  EXPECT_EQ(header->first_seq, 1u);
  EXPECT_EQ(header->chain_in, 0u);
  EXPECT_TRUE(IsAllZero(absl::string_view(data).substr(kSegmentHeaderSize)));
}

TEST(JournalWriterTest, SegmentNameAndHeaderCarryFirstSeqAndChainIn) {
  ScratchDir dir;
  std::unique_ptr<JournalWriter> w =
      CreateOrDie(dir.path(), StoreId('s'), 1234567, 0xC0FFEE, 4096);
  ASSERT_NE(w, nullptr);
  const std::string name = "wal-00000000000001234567.log";
  EXPECT_EQ(w->current_file(), name);
  EXPECT_THAT(SortedNames(dir.path()), ElementsAre(name));
  const std::string data = ReadSegment(dir.path(), name);
  EXPECT_EQ(data.size(), 4096u);
  absl::StatusOr<SegmentHeader> header = DecodeSegmentHeader(data, name);
  ASSERT_OK(header);
  EXPECT_EQ(header->first_seq, 1234567u);
  EXPECT_EQ(header->chain_in, 0xC0FFEEu);
}

TEST(JournalWriterTest, SegmentFileIsOwnerOnly) {
  ScratchDir dir;
  std::unique_ptr<JournalWriter> w =
      CreateOrDie(dir.path(), StoreId('s'), 1, 0, 4096);
  ASSERT_NE(w, nullptr);
  struct stat st;
  ASSERT_EQ(::stat(dir.Sub(kFirstSegment).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(JournalWriterTest, CreateSegmentReplacesLeftoverTempFile) {
  ScratchDir dir;
  statelog::testing::WriteFileOrDie(dir.Sub(kFirstSegment + ".tmp"),
                                    "half-written segment from a crash");
  std::unique_ptr<JournalWriter> w =
      CreateOrDie(dir.path(), StoreId('s'), 1, 0, 4096);
  ASSERT_NE(w, nullptr);
  EXPECT_THAT(SortedNames(dir.path()), ElementsAre(kFirstSegment));
  EXPECT_EQ(ReadSegment(dir.path(), kFirstSegment).size(), 4096u);
}

TEST(JournalWriterTest, WrittenRecordsReadBackInOrder) {
  ScratchDir dir;
  const std::string id = StoreId('s');
  std::unique_ptr<JournalWriter> w = CreateOrDie(dir.path(), id, 1, 0, 65536);
  ASSERT_NE(w, nullptr);

  RecordFramer framer;
  std::string all;
  // Three batches of different sizes; durable watermarks arbitrary.
  for (int batch_size : {1, 4, 5}) {
    std::string batch;
    for (int i = 0; i < batch_size; ++i) {
      const uint64_t seq = framer.next_seq();
      framer.Add(MakePayload(seq, 10 + seq * 13), seq / 2, &batch);
    }
    ASSERT_OK(w->Write(batch));
    all += batch;
  }
  ASSERT_OK(w->Sync());
  EXPECT_EQ(w->bytes_written(), all.size());

  // In place, back to back, right after the header; the file keeps its size.
  const std::string data = ReadSegment(dir.path(), kFirstSegment);
  EXPECT_EQ(data.size(), 65536u);
  EXPECT_EQ(data.substr(kSegmentHeaderSize, all.size()), all);
  EXPECT_TRUE(IsAllZero(
      absl::string_view(data).substr(kSegmentHeaderSize + all.size())));

  std::vector<ReadBack> got;
  absl::StatusOr<JournalReadResult> r = ReadAll(dir.path(), id, 0, 0, &got);
  ASSERT_OK(r);
  ASSERT_EQ(got.size(), 10u);
  for (size_t i = 0; i < got.size(); ++i) {
    const FramedRecord& want = framer.records()[i];
    EXPECT_EQ(got[i].header.seq, want.seq);
    EXPECT_EQ(got[i].header.prev, want.prev);
    EXPECT_EQ(got[i].header.checksum, want.checksum);
    EXPECT_EQ(got[i].header.durable, want.durable);
    EXPECT_EQ(got[i].header.type, want.type);
    EXPECT_EQ(got[i].payload, want.payload);
  }
  EXPECT_EQ(r->last_seq, 10u);
  EXPECT_EQ(r->last_chain, framer.chain());
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  EXPECT_EQ(r->segments_read, 1u);
  EXPECT_EQ(r->records_skipped, 0u);
  EXPECT_EQ(r->tail_file, kFirstSegment);
  EXPECT_EQ(r->tail_first_seq, 1u);
  EXPECT_EQ(r->tail_offset, kSegmentHeaderSize + all.size());
  EXPECT_EQ(r->tail_size, 65536u);
  EXPECT_EQ(r->journal_next_seq, 11u);
  EXPECT_TRUE(r->files_after_damage.empty());
}

TEST(JournalWriterTest, SyncWithNothingWrittenSucceeds) {
  ScratchDir dir;
  std::unique_ptr<JournalWriter> w =
      CreateOrDie(dir.path(), StoreId('s'), 1, 0, 4096);
  ASSERT_NE(w, nullptr);
  EXPECT_OK(w->Sync());
  EXPECT_OK(w->Sync());
}

TEST(JournalWriterTest, RotatesWhenTheNextRecordDoesNotFit) {
  ScratchDir dir;
  const std::string id = StoreId('r');
  constexpr uint64_t kSegmentBytes = 4096;
  std::unique_ptr<JournalWriter> w =
      CreateOrDie(dir.path(), id, 1, 0, kSegmentBytes);
  ASSERT_NE(w, nullptr);

  // Payloads of 1..3000 bytes in a scrambled order, written in batches of
  // 1..5 records, so rotations fall both between and inside batches.
  RecordFramer framer;
  constexpr int kRecords = 120;
  int batch_size = 1;
  while (framer.next_seq() <= kRecords) {
    std::string batch;
    for (int i = 0; i < batch_size && framer.next_seq() <= kRecords; ++i) {
      const uint64_t seq = framer.next_seq();
      framer.Add(MakePayload(seq, 1 + (seq * 769) % 3000), seq - 1, &batch);
    }
    ASSERT_OK(w->Write(batch));
    batch_size = batch_size % 5 + 1;
  }
  ASSERT_OK(w->Sync());

  const std::vector<std::string> segments = SegmentNames(dir.path());
  ASSERT_GT(segments.size(), 20u);
  EXPECT_EQ(segments.size(), SortedNames(dir.path()).size())
      << "only segments in the directory, no temp files";
  EXPECT_EQ(w->current_file(), segments.back());

  uint64_t next_seq = 1;
  for (size_t i = 0; i < segments.size(); ++i) {
    SCOPED_TRACE(segments[i]);
    const std::string data = ReadSegment(dir.path(), segments[i]);
    EXPECT_EQ(data.size(), kSegmentBytes);
    absl::StatusOr<SegmentHeader> header =
        DecodeSegmentHeader(data, segments[i]);
    ASSERT_OK(header);
    EXPECT_EQ(header->store_id, id);
    EXPECT_EQ(header->first_seq, next_seq);
    EXPECT_EQ(SegmentFileName(header->first_seq), segments[i]);
    const uint64_t expected_chain_in =
        next_seq == 1 ? 0 : framer.Get(next_seq - 1).checksum;
    EXPECT_EQ(header->chain_in, expected_chain_in);

    uint64_t end = 0;
    std::vector<RecordHeader> records = WalkSegment(data, &end);
    ASSERT_FALSE(records.empty());
    uint64_t prev = header->chain_in;
    for (const RecordHeader& h : records) {
      EXPECT_EQ(h.seq, next_seq);
      EXPECT_EQ(h.prev, prev);
      prev = h.checksum;
      ++next_seq;
    }
    // A segment is left only when the next record does not fit in it.
    if (i + 1 < segments.size()) {
      EXPECT_GT(end + framer.Get(next_seq).size(), kSegmentBytes)
          << "segment ended at " << end << " though record " << next_seq
          << " of " << framer.Get(next_seq).size() << " bytes fits";
    }
  }
  EXPECT_EQ(next_seq, kRecords + 1u);

  std::vector<ReadBack> got;
  absl::StatusOr<JournalReadResult> r = ReadAll(dir.path(), id, 0, 0, &got);
  ASSERT_OK(r);
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  EXPECT_EQ(Seqs(got), SeqRange(1, kRecords));
  for (const ReadBack& rb : got) {
    EXPECT_EQ(rb.payload, framer.Get(rb.header.seq).payload);
  }
  EXPECT_EQ(r->last_seq, uint64_t{kRecords});
  EXPECT_EQ(r->last_chain, framer.chain());
  EXPECT_EQ(r->segments_read, segments.size());
  EXPECT_EQ(r->tail_file, segments.back());
  EXPECT_EQ(r->journal_next_seq, kRecords + 1u);
}

TEST(JournalWriterTest, RecordLargerThanSegmentGetsItsOwnLargerSegment) {
  ScratchDir dir;
  const std::string id = StoreId('b');
  std::unique_ptr<JournalWriter> w = CreateOrDie(dir.path(), id, 1, 0, 4096);
  ASSERT_NE(w, nullptr);

  RecordFramer framer;
  std::string batch;
  framer.Add(MakePayload(1, 100), 0, &batch);
  framer.Add(MakePayload(2, 10000), 1, &batch);
  framer.Add(MakePayload(3, 100), 2, &batch);
  ASSERT_OK(w->Write(batch));
  ASSERT_OK(w->Sync());

  EXPECT_THAT(SegmentNames(dir.path()),
              ElementsAre(kFirstSegment, "wal-00000000000000000002.log",
                          "wal-00000000000000000003.log"));
  EXPECT_EQ(ReadSegment(dir.path(), kFirstSegment).size(), 4096u);
  EXPECT_EQ(ReadSegment(dir.path(), "wal-00000000000000000002.log").size(),
            kSegmentHeaderSize + kRecordHeaderSize + 10000);
  EXPECT_EQ(ReadSegment(dir.path(), "wal-00000000000000000003.log").size(),
            4096u);

  std::vector<ReadBack> got;
  absl::StatusOr<JournalReadResult> r = ReadAll(dir.path(), id, 0, 0, &got);
  ASSERT_OK(r);
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  ASSERT_EQ(Seqs(got), SeqRange(1, 3));
  EXPECT_EQ(got[1].payload, framer.Get(2).payload);
  EXPECT_EQ(r->last_chain, framer.chain());
}

TEST(JournalWriterTest, OversizedFirstRecordReplacesTheEmptySegment) {
  ScratchDir dir;
  const std::string id = StoreId('b');
  std::unique_ptr<JournalWriter> w = CreateOrDie(dir.path(), id, 1, 0, 4096);
  ASSERT_NE(w, nullptr);

  RecordFramer framer;
  std::string batch;
  framer.Add(MakePayload(1, 5000), 0, &batch);
  ASSERT_OK(w->Write(batch));
  ASSERT_OK(w->Sync());

  EXPECT_THAT(SortedNames(dir.path()), ElementsAre(kFirstSegment));
  EXPECT_EQ(ReadSegment(dir.path(), kFirstSegment).size(),
            kSegmentHeaderSize + kRecordHeaderSize + 5000);
  std::vector<ReadBack> got;
  absl::StatusOr<JournalReadResult> r = ReadAll(dir.path(), id, 0, 0, &got);
  ASSERT_OK(r);
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  ASSERT_EQ(Seqs(got), SeqRange(1, 1));
  EXPECT_EQ(got[0].payload, framer.Get(1).payload);
}

TEST(JournalWriterTest, RecordFillingSegmentExactlyStaysInIt) {
  ScratchDir dir;
  const std::string id = StoreId('e');
  std::unique_ptr<JournalWriter> w = CreateOrDie(dir.path(), id, 1, 0, 4096);
  ASSERT_NE(w, nullptr);

  RecordFramer framer;
  std::string batch;
  framer.Add(MakePayload(1, 4096 - kSegmentHeaderSize - kRecordHeaderSize), 0,
             &batch);
  ASSERT_OK(w->Write(batch));
  EXPECT_EQ(w->current_file(), kFirstSegment);
  batch.clear();
  framer.Add(MakePayload(2, 1), 1, &batch);
  ASSERT_OK(w->Write(batch));
  EXPECT_EQ(w->current_file(), "wal-00000000000000000002.log");
  ASSERT_OK(w->Sync());

  std::vector<ReadBack> got;
  absl::StatusOr<JournalReadResult> r = ReadAll(dir.path(), id, 0, 0, &got);
  ASSERT_OK(r);
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  EXPECT_EQ(Seqs(got), SeqRange(1, 2));
}

TEST(JournalWriterTest, OpenTailContinuesAfterReopening) {
  ScratchDir dir;
  const std::string id = StoreId('t');
  RecordFramer framer;
  {
    std::unique_ptr<JournalWriter> w = CreateOrDie(dir.path(), id, 1, 0, 8192);
    ASSERT_NE(w, nullptr);
    std::string batch;
    for (int i = 0; i < 5; ++i) {
      framer.Add(MakePayload(framer.next_seq(), 50), framer.next_seq() - 1,
                 &batch);
    }
    ASSERT_OK(w->Write(batch));
    ASSERT_OK(w->Sync());
  }

  std::vector<ReadBack> got;
  absl::StatusOr<JournalReadResult> r = ReadAll(dir.path(), id, 0, 0, &got);
  ASSERT_OK(r);
  ASSERT_EQ(Seqs(got), SeqRange(1, 5));
  ASSERT_EQ(r->tail_file, kFirstSegment);
  ASSERT_EQ(r->tail_offset, kSegmentHeaderSize + 5 * (kRecordHeaderSize + 50));
  // Record 5 was framed when 4 was durable: only it is unproven.
  EXPECT_EQ(r->tail_unproven_offset,
            kSegmentHeaderSize + 4 * (kRecordHeaderSize + 50));

  JournalWriterOptions options;
  options.segment_bytes = 8192;
  absl::StatusOr<std::unique_ptr<JournalWriter>> w =
      JournalWriter::OpenTail(Env::Default(), dir.path(), id, r->tail_file,
                              r->tail_unproven_offset, r->tail_offset, options);
  ASSERT_OK(w);
  EXPECT_EQ((*w)->current_file(), kFirstSegment);
  // Enough to fill this segment and continue in new ones.
  std::string batch;
  for (int i = 0; i < 100; ++i) {
    framer.Add(MakePayload(framer.next_seq(), 200), framer.next_seq() - 1,
               &batch);
  }
  ASSERT_OK((*w)->Write(batch));
  ASSERT_OK((*w)->Sync());
  EXPECT_EQ((*w)->bytes_written(), batch.size());

  const std::vector<std::string> segments = SegmentNames(dir.path());
  EXPECT_GT(segments.size(), 1u);
  EXPECT_EQ(segments.front(), kFirstSegment);
  for (const std::string& name : segments) {
    EXPECT_EQ(ReadSegment(dir.path(), name).size(), 8192u) << name;
  }

  got.clear();
  r = ReadAll(dir.path(), id, 0, 0, &got);
  ASSERT_OK(r);
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  EXPECT_EQ(Seqs(got), SeqRange(1, 105));
  EXPECT_EQ(r->last_chain, framer.chain());
  EXPECT_EQ(got[5].payload, framer.Get(6).payload);
}

TEST(JournalWriterTest, OpenTailOfMissingSegmentFails) {
  ScratchDir dir;
  absl::StatusOr<std::unique_ptr<JournalWriter>> w = JournalWriter::OpenTail(
      Env::Default(), dir.path(), StoreId('t'), kFirstSegment,
      kSegmentHeaderSize, kSegmentHeaderSize, JournalWriterOptions{});
  EXPECT_FALSE(w.ok());
}

TEST(JournalWriterTest, RotateStartsANewSegmentEvenIfTheRecordWouldFit) {
  ScratchDir dir;
  const std::string id = StoreId('o');
  std::unique_ptr<JournalWriter> w = CreateOrDie(dir.path(), id, 1, 0, 65536);
  ASSERT_NE(w, nullptr);
  RecordFramer framer;
  std::string batch;
  framer.Add(MakePayload(1, 10), 0, &batch);
  framer.Add(MakePayload(2, 10), 1, &batch);
  ASSERT_OK(w->Write(batch));
  ASSERT_OK(w->Rotate(framer.next_seq(), framer.chain()));
  EXPECT_EQ(w->current_file(), "wal-00000000000000000003.log");
  batch.clear();
  framer.Add(MakePayload(3, 10), 2, &batch);
  ASSERT_OK(w->Write(batch));
  ASSERT_OK(w->Sync());

  EXPECT_THAT(SortedNames(dir.path()),
              ElementsAre(kFirstSegment, "wal-00000000000000000003.log"));
  const std::string second =
      ReadSegment(dir.path(), "wal-00000000000000000003.log");
  absl::StatusOr<SegmentHeader> header =
      DecodeSegmentHeader(second, "wal-00000000000000000003.log");
  ASSERT_OK(header);
  EXPECT_EQ(header->first_seq, 3u);
  EXPECT_EQ(header->chain_in, framer.Get(2).checksum);

  std::vector<ReadBack> got;
  absl::StatusOr<JournalReadResult> r = ReadAll(dir.path(), id, 0, 0, &got);
  ASSERT_OK(r);
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  EXPECT_EQ(Seqs(got), SeqRange(1, 3));
  EXPECT_EQ(r->segments_read, 2u);
  EXPECT_EQ(r->tail_file, "wal-00000000000000000003.log");
  EXPECT_EQ(r->tail_first_seq, 3u);
  EXPECT_EQ(r->tail_offset, kSegmentHeaderSize + kRecordHeaderSize + 10);
}

// The inode of the spare segment once it is complete (all `size` bytes
// written: the size is reached by the last of its writes), or 0 after 10 s.
ino_t CompleteSpare(const std::string& dir, uint64_t size) {
  const std::string path = JoinPath(dir, kSpareSegmentName);
  for (int i = 0; i < 1000; ++i) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 &&
        static_cast<uint64_t>(st.st_size) == size) {
      return st.st_ino;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

ino_t InodeOf(const std::string& dir, const std::string& name) {
  struct stat st;
  if (::stat(JoinPath(dir, name).c_str(), &st) != 0) return 0;
  return st.st_ino;
}

// On a thread of the writer's (a store's default) and by the write that
// passes half way (compact_in_background off: what the crash explorer runs).
class SpareModeTest
    : public ::testing::TestWithParam<JournalWriterOptions::Spare> {};

INSTANTIATE_TEST_SUITE_P(
    JournalWriterTest, SpareModeTest,
    ::testing::Values(JournalWriterOptions::Spare::kThread,
                      JournalWriterOptions::Spare::kInline),
    [](const ::testing::TestParamInfo<JournalWriterOptions::Spare>& info) {
      return std::string(info.param == JournalWriterOptions::Spare::kThread
                             ? "OnAThread"
                             : "Inline");
    });

TEST_P(SpareModeTest, APreparedSpareBecomesTheNextSegment) {
  ScratchDir dir;
  const std::string id = StoreId('p');
  constexpr uint64_t kSegmentBytes = 8192;
  std::unique_ptr<JournalWriter> w =
      CreateOrDie(dir.path(), id, 1, 0, kSegmentBytes, GetParam());
  ASSERT_NE(w, nullptr);
  RecordFramer framer;
  auto write = [&](size_t size) {
    std::string batch;
    const uint64_t seq = framer.next_seq();
    framer.Add(MakePayload(seq, size), seq - 1, &batch);
    ASSERT_OK(w->Write(batch));
  };
  // Writes records of `size` bytes until the writer moves to a new segment.
  auto fill_and_rotate = [&](size_t size) {
    const std::string before = w->current_file();
    while (w->current_file() == before) write(size);
  };
  // Records of 740 bytes framed: the sixth puts a segment past half full,
  // which is when the spare is made; the eleventh does not fit.
  for (int i = 0; i < 4; ++i) write(700);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(InodeOf(dir.path(), kSpareSegmentName), 0u)
      << "a spare made before the segment is half full";
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE(round);
    for (int i = 0; i < 2; ++i) write(700);
    const ino_t spare = CompleteSpare(dir.path(), kSegmentBytes);
    ASSERT_NE(spare, 0u) << "no spare was prepared";
    fill_and_rotate(700);
    EXPECT_EQ(InodeOf(dir.path(), w->current_file()), spare)
        << "the new segment is not the spare";
    for (int i = 0; i < 3; ++i) write(700);
  }
  // A record larger than a segment gets a segment of its own size, made
  // on the spot; the spare waits for the next ordinary segment.
  for (int i = 0; i < 2; ++i) write(700);
  const ino_t spare = CompleteSpare(dir.path(), kSegmentBytes);
  ASSERT_NE(spare, 0u);
  fill_and_rotate(3 * kSegmentBytes);
  EXPECT_NE(InodeOf(dir.path(), w->current_file()), spare);
  EXPECT_EQ(InodeOf(dir.path(), kSpareSegmentName), spare);
  fill_and_rotate(700);
  EXPECT_EQ(InodeOf(dir.path(), w->current_file()), spare);
  for (int i = 0; i < 5; ++i) write(700);
  ASSERT_OK(w->Sync());
  ASSERT_NE(CompleteSpare(dir.path(), kSegmentBytes), 0u);
  w.reset();
  EXPECT_EQ(InodeOf(dir.path(), kSpareSegmentName), 0u)
      << "closing the writer leaves the spare behind";

  // Everything reads back as one chained journal, every segment headed
  // with its own first sequence number.
  std::vector<ReadBack> got;
  absl::StatusOr<JournalReadResult> r = ReadAll(dir.path(), id, 0, 0, &got);
  ASSERT_OK(r);
  EXPECT_FALSE(r->damage.has_value()) << r->damage->Describe();
  EXPECT_EQ(Seqs(got), SeqRange(1, framer.next_seq() - 1));
  for (const ReadBack& rb : got) {
    EXPECT_EQ(rb.payload, framer.Get(rb.header.seq).payload);
  }
  const std::vector<std::string> segments = SegmentNames(dir.path());
  EXPECT_EQ(segments.size(), SortedNames(dir.path()).size());
  for (const std::string& name : segments) {
    const std::string data = ReadSegment(dir.path(), name);
    absl::StatusOr<SegmentHeader> header = DecodeSegmentHeader(data, name);
    ASSERT_OK(header);
    EXPECT_EQ(SegmentFileName(header->first_seq), name);
  }
}

// A writer that continues a segment past its half makes a spare only once
// it has written an eighth of a segment itself: a short-lived process that
// appends one record (a hook running `statelog apply`) made and removed a
// whole segment of synced zeros on every run.
TEST(JournalWriterTest, AShortLivedWriterMakesNoSpare) {
  ScratchDir dir;
  const std::string id = StoreId('h');
  constexpr uint64_t kSegmentBytes = 64 << 10;
  RecordFramer framer;
  auto frame = [&](size_t size) {
    std::string batch;
    const uint64_t seq = framer.next_seq();
    framer.Add(MakePayload(seq, size), seq - 1, &batch);
    return batch;
  };
  {
    std::unique_ptr<JournalWriter> w =
        CreateOrDie(dir.path(), id, 1, 0, kSegmentBytes);
    ASSERT_NE(w, nullptr);
    while (w->Fits(kSegmentBytes / 2)) ASSERT_OK(w->Write(frame(1000)));
    ASSERT_OK(w->Sync());
  }
  uint64_t end = 0;
  WalkSegment(ReadSegment(dir.path(), kFirstSegment), &end);
  ASSERT_GT(end, kSegmentBytes / 2);
  JournalWriterOptions options;
  options.segment_bytes = kSegmentBytes;
  options.spare = JournalWriterOptions::Spare::kInline;
  absl::StatusOr<std::unique_ptr<JournalWriter>> w = JournalWriter::OpenTail(
      Env::Default(), dir.path(), id, kFirstSegment, end, end, options);
  ASSERT_OK(w);
  ASSERT_OK((*w)->Write(frame(200)));
  EXPECT_EQ(InodeOf(dir.path(), kSpareSegmentName), 0u)
      << "a spare made for one record";
  while ((*w)->bytes_written() < kSegmentBytes / 8) {
    ASSERT_OK((*w)->Write(frame(1000)));
  }
  EXPECT_NE(InodeOf(dir.path(), kSpareSegmentName), 0u)
      << "no spare once the writer has written an eighth of a segment";
}

TEST(JournalWriterTest, ALeftoverSpareIsReplaced) {
  ScratchDir dir;
  // A spare left by a process that died: stale bytes, the wrong size.
  WriteSegment(dir.path(), kSpareSegmentName, std::string(100, 'x'));
  std::unique_ptr<JournalWriter> w =
      CreateOrDie(dir.path(), StoreId('l'), 1, 0, 4096,
                  JournalWriterOptions::Spare::kThread);
  ASSERT_NE(w, nullptr);
  RecordFramer framer;
  std::string batch;
  framer.Add(MakePayload(1, 2100), 0, &batch);  // past half of the segment
  ASSERT_OK(w->Write(batch));
  ASSERT_NE(CompleteSpare(dir.path(), 4096), 0u);
  EXPECT_EQ(ReadSegment(dir.path(), kSpareSegmentName),
            std::string(4096, '\0'));
}

}  // namespace
}  // namespace statelog::internal
