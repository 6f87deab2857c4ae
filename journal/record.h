// journal/record.h
//
// Encoding and decoding of the two framed structures of a segment: the
// 64-byte segment header and the 40-byte record header (layouts in
// journal/format.h and docs/format.md). Pure functions over bytes; no I/O.

#ifndef STATELOG_JOURNAL_RECORD_H_
#define STATELOG_JOURNAL_RECORD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "journal/format.h"

namespace statelog::internal {

struct SegmentHeader {
  std::string store_id;  // kStoreIdSize raw bytes
  uint64_t first_seq = 0;
  uint64_t chain_in = 0;
};

// Appends the 64-byte header to `out`.
void EncodeSegmentHeader(const SegmentHeader& header, std::string* out);
// Decodes and checks magic, version, size and checksum. DataLoss naming
// `file` on any mismatch.
absl::StatusOr<SegmentHeader> DecodeSegmentHeader(absl::string_view data,
                                                  absl::string_view file);

struct RecordHeader {
  uint64_t checksum = 0;
  uint64_t prev = 0;
  uint64_t seq = 0;
  uint64_t durable = 0;
  uint32_t length = 0;
  uint8_t type = 0;
};

// Appends one framed record to `out` and returns its checksum, which is the
// `prev` of the next record.
uint64_t EncodeRecord(uint64_t prev, uint64_t seq, uint64_t durable,
                      RecordType type, absl::string_view payload,
                      std::string* out);

// REQUIRES: at least kRecordHeaderSize bytes at `p`.
RecordHeader DecodeRecordHeader(const char* p);

// Why the bytes at an offset are not a whole, self-consistent record.
enum class RecordCheck {
  kOk,
  kZero,         // the header is all zero bytes: end-of-log marker
  kShortHeader,  // fewer than kRecordHeaderSize bytes left, not all zero
  kBadLength,    // length exceeds the bytes left or the maximum
  kBadReserved,  // reserved bytes are not zero
  kBadChecksum,
};

const char* RecordCheckName(RecordCheck check);

// Checks the record that starts at `data[0]` on its own (not its place in
// the chain). On kOk fills `*header`.
RecordCheck CheckRecord(absl::string_view data, uint64_t max_record_bytes,
                        RecordHeader* header);

bool IsAllZero(absl::string_view data);

}  // namespace statelog::internal

#endif  // STATELOG_JOURNAL_RECORD_H_
