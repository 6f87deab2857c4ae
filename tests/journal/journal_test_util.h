// tests/journal/journal_test_util.h
//
// Helpers shared by the journal tests: framing chained records the way the
// store does (consecutive sequence numbers, each `prev` the checksum of the
// record before), collecting what ReadJournal passes on, and reading segment
// files back for byte-level checks. Header-only; used by the tests in this
// directory only.

#ifndef STATELOG_TESTS_JOURNAL_JOURNAL_TEST_UTIL_H_
#define STATELOG_TESTS_JOURNAL_JOURNAL_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "journal/format.h"
#include "journal/journal_reader.h"
#include "journal/record.h"
#include "statelog/env.h"
#include "tests/testing/test_util.h"
#include "util/file_names.h"

namespace statelog::internal::journal_test {

inline constexpr uint64_t kMaxRecordBytes = 16 << 20;

// A store id of kStoreIdSize copies of `fill`.
inline std::string StoreId(char fill) {
  return std::string(kStoreIdSize, fill);
}

// Exactly `size` printable, nonzero bytes that differ from one sequence
// number to the next.
inline std::string MakePayload(uint64_t seq, size_t size) {
  std::string payload(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    payload[i] = static_cast<char>('a' + (seq * 7 + i * 3) % 26);
  }
  return payload;
}

struct FramedRecord {
  uint64_t seq = 0;
  uint64_t prev = 0;
  uint64_t checksum = 0;
  uint64_t durable = 0;
  uint8_t type = 0;
  std::string payload;

  uint64_t size() const { return kRecordHeaderSize + payload.size(); }
};

// Frames records with consecutive sequence numbers, each chained to the one
// before, and remembers what it framed.
class RecordFramer {
 public:
  explicit RecordFramer(uint64_t first_seq = 1, uint64_t chain_in = 0)
      : next_seq_(first_seq), chain_(chain_in) {}

  // Appends the next record to `*out` and returns it.
  const FramedRecord& Add(std::string payload, uint64_t durable,
                          std::string* out,
                          RecordType type = RecordType::kTransaction) {
    FramedRecord r;
    r.seq = next_seq_++;
    r.prev = chain_;
    r.durable = durable;
    r.type = static_cast<uint8_t>(type);
    r.payload = std::move(payload);
    r.checksum = EncodeRecord(r.prev, r.seq, r.durable, type, r.payload, out);
    chain_ = r.checksum;
    records_.push_back(std::move(r));
    return records_.back();
  }

  // The record with sequence number `seq`. REQUIRES: it was framed here.
  const FramedRecord& Get(uint64_t seq) const {
    return records_.at(seq - records_.front().seq);
  }
  const std::vector<FramedRecord>& records() const { return records_; }
  uint64_t next_seq() const { return next_seq_; }
  uint64_t chain() const { return chain_; }

 private:
  uint64_t next_seq_;
  uint64_t chain_;
  std::vector<FramedRecord> records_;
};

// One record as ReadJournal passed it to the callback.
struct ReadBack {
  RecordHeader header;
  std::string payload;
};

// ReadJournal with a callback that collects every record into `*out`.
inline absl::StatusOr<JournalReadResult> ReadAll(
    const std::string& dir, absl::string_view store_id, uint64_t start_seq,
    uint64_t start_chain, std::vector<ReadBack>* out,
    uint64_t max_record_bytes = kMaxRecordBytes) {
  return ReadJournal(Env::Default(), dir, store_id, start_seq, start_chain,
                     max_record_bytes,
                     [out](const RecordHeader& h, absl::string_view payload) {
                       out->push_back(ReadBack{h, std::string(payload)});
                       return absl::OkStatus();
                     });
}

// The sequence numbers of `records`, for compact comparisons.
inline std::vector<uint64_t> Seqs(const std::vector<ReadBack>& records) {
  std::vector<uint64_t> seqs;
  for (const ReadBack& r : records) seqs.push_back(r.header.seq);
  return seqs;
}

// The sequence numbers first..last inclusive (empty if last < first).
inline std::vector<uint64_t> SeqRange(uint64_t first, uint64_t last) {
  std::vector<uint64_t> seqs;
  for (uint64_t s = first; s <= last; ++s) seqs.push_back(s);
  return seqs;
}

// The names in `dir`, sorted. Fails the test (and returns empty) on error.
inline std::vector<std::string> SortedNames(const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> names = Env::Default()->ListDir(dir);
  EXPECT_TRUE(names.ok()) << names.status();
  if (!names.ok()) return {};
  std::sort(names->begin(), names->end());
  return *names;
}

// The segment file names in `dir`, in sequence order.
inline std::vector<std::string> SegmentNames(const std::string& dir) {
  std::vector<std::string> segments;
  for (const std::string& name : SortedNames(dir)) {
    if (ParseSegmentFileName(name)) segments.push_back(name);
  }
  return segments;
}

inline std::string ReadSegment(const std::string& dir,
                               const std::string& name) {
  return statelog::testing::ReadFileOrDie(JoinPath(dir, name));
}

inline void WriteSegment(const std::string& dir, const std::string& name,
                         const std::string& data) {
  statelog::testing::WriteFileOrDie(JoinPath(dir, name), data);
}

}  // namespace statelog::internal::journal_test

#endif  // STATELOG_TESTS_JOURNAL_JOURNAL_TEST_UTIL_H_
