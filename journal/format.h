// journal/format.h
//
// The on-disk vocabulary of journal segments: names, magic numbers, sizes and
// record types. The prose specification is docs/format.md; keep both in step.

#ifndef STATELOG_JOURNAL_FORMAT_H_
#define STATELOG_JOURNAL_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace statelog::internal {

// Segment header, 64 bytes, at offset 0 of every segment file:
//   0  magic "STLGJRN1"              8 bytes
//   8  format version (u32 LE)       = kJournalFormatVersion
//  12  header size (u32 LE)          = kSegmentHeaderSize
//  16  store id                      16 bytes
//  32  first sequence number (u64 LE)
//  40  chain value carried in (u64 LE): checksum of the record before
//      first_seq, or of the snapshot the store began with
//  48  reserved, zero                8 bytes
//  56  XXH3-64 of bytes [0, 56) (u64 LE)
inline constexpr char kSegmentMagic[8] = {'S', 'T', 'L', 'G',
                                          'J', 'R', 'N', '1'};
inline constexpr uint32_t kJournalFormatVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 64;
inline constexpr size_t kStoreIdSize = 16;

// Record header, 40 bytes, followed by `length` payload bytes:
//   0  checksum (u64 LE): XXH3-64 of bytes [8, 40 + length)
//   8  previous checksum (u64 LE): checksum of the record before this one,
//      or the segment's chain-in value for its first record
//  16  sequence number (u64 LE)
//  24  durable watermark (u64 LE): highest sequence number known durable
//      (covered by a completed fdatasync) when this record was framed
//  32  payload length (u32 LE)
//  36  type (u8)
//  37  reserved, zero                3 bytes
inline constexpr size_t kRecordHeaderSize = 40;

// The largest payload a reader accepts. Options::max_record_bytes limits
// what a store writes; reading uses this format-wide bound instead, so a
// store reopened with a smaller option never mistakes an acknowledged large
// record for damage.
inline constexpr uint64_t kMaxRecordPayloadBytes = uint64_t{1} << 30;

// Types with this bit set may be skipped by a reader that does not know them.
inline constexpr uint8_t kRecordTypeIgnorableBit = 0x80;

enum class RecordType : uint8_t {
  kTransaction = 1,  // payload: the transaction's journal JSON form
};

}  // namespace statelog::internal

#endif  // STATELOG_JOURNAL_FORMAT_H_
