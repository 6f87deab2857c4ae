// journal/record.cc

#include "journal/record.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "io/errno_status.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace statelog::internal {

void EncodeSegmentHeader(const SegmentHeader& header, std::string* out) {
  char buf[kSegmentHeaderSize] = {};
  std::memcpy(buf, kSegmentMagic, sizeof(kSegmentMagic));
  PutFixed32(buf + 8, kJournalFormatVersion);
  PutFixed32(buf + 12, kSegmentHeaderSize);
  std::memcpy(buf + 16, header.store_id.data(),
              std::min(header.store_id.size(), kStoreIdSize));
  PutFixed64(buf + 32, header.first_seq);
  PutFixed64(buf + 40, header.chain_in);
  PutFixed64(buf + 56, Checksum(buf, 56));
  out->append(buf, sizeof(buf));
}

absl::StatusOr<SegmentHeader> DecodeSegmentHeader(absl::string_view data,
                                                  absl::string_view file) {
  if (data.size() < kSegmentHeaderSize) {
    return absl::DataLossError(absl::StrCat(
        file, ": segment header truncated (", data.size(), " bytes)"));
  }
  const char* p = data.data();
  if (std::memcmp(p, kSegmentMagic, sizeof(kSegmentMagic)) != 0) {
    return absl::DataLossError(
        absl::StrCat(file, ": bad segment magic at offset 0"));
  }
  if (GetFixed64(p + 56) != Checksum(p, 56)) {
    return absl::DataLossError(
        absl::StrCat(file, ": segment header checksum mismatch at offset 56"));
  }
  uint32_t version = GetFixed32(p + 8);
  if (version != kJournalFormatVersion ||
      GetFixed32(p + 12) != kSegmentHeaderSize) {
    return NewerFormatError(
        absl::StrCat(file, ": journal format version ", version,
                     " is not supported (this build reads version ",
                     kJournalFormatVersion, ")"));
  }
  if (GetFixed64(p + 48) != 0) {
    // Covered by the checksum, so not damage: a writer that knows more.
    return NewerFormatError(
        absl::StrCat(file, ": segment header has reserved bytes 48..55 set"));
  }
  SegmentHeader header;
  header.store_id.assign(p + 16, kStoreIdSize);
  header.first_seq = GetFixed64(p + 32);
  header.chain_in = GetFixed64(p + 40);
  return header;
}

uint64_t EncodeRecord(uint64_t prev, uint64_t seq, uint64_t durable,
                      RecordType type, absl::string_view payload,
                      std::string* out) {
  size_t start = out->size();
  out->resize(start + kRecordHeaderSize);
  char* h = out->data() + start;
  PutFixed64(h + 8, prev);
  PutFixed64(h + 16, seq);
  PutFixed64(h + 24, durable);
  PutFixed32(h + 32, static_cast<uint32_t>(payload.size()));
  h[36] = static_cast<char>(type);
  h[37] = h[38] = h[39] = 0;
  out->append(payload.data(), payload.size());
  // The checksum covers the previous record's checksum, which chains every
  // record to the one before: a missing, reordered or spliced record breaks
  // the chain even when each record is intact on its own.
  h = out->data() + start;
  uint64_t checksum = Checksum(h + 8, kRecordHeaderSize - 8 + payload.size());
  PutFixed64(h, checksum);
  return checksum;
}

RecordHeader DecodeRecordHeader(const char* p) {
  RecordHeader h;
  h.checksum = GetFixed64(p);
  h.prev = GetFixed64(p + 8);
  h.seq = GetFixed64(p + 16);
  h.durable = GetFixed64(p + 24);
  h.length = GetFixed32(p + 32);
  h.type = static_cast<uint8_t>(p[36]);
  return h;
}

const char* RecordCheckName(RecordCheck check) {
  switch (check) {
    case RecordCheck::kOk:
      return "ok";
    case RecordCheck::kZero:
      return "end-of-log marker";
    case RecordCheck::kShortHeader:
      return "truncated record header";
    case RecordCheck::kBadLength:
      return "record length out of bounds";
    case RecordCheck::kBadReserved:
      return "nonzero reserved bytes in record header";
    case RecordCheck::kBadChecksum:
      return "record checksum mismatch";
  }
  return "unknown";
}

RecordCheck CheckRecord(absl::string_view data, uint64_t max_record_bytes,
                        RecordHeader* header) {
  if (data.size() < kRecordHeaderSize) {
    return IsAllZero(data) ? RecordCheck::kZero : RecordCheck::kShortHeader;
  }
  const char* p = data.data();
  if (IsAllZero(absl::string_view(p, kRecordHeaderSize))) {
    return RecordCheck::kZero;
  }
  RecordHeader h = DecodeRecordHeader(p);
  // Bound the length by the bytes actually present before anything is
  // allocated or hashed on its behalf.
  if (h.length > max_record_bytes ||
      h.length > data.size() - kRecordHeaderSize) {
    return RecordCheck::kBadLength;
  }
  if (p[37] != 0 || p[38] != 0 || p[39] != 0) return RecordCheck::kBadReserved;
  if (Checksum(p + 8, kRecordHeaderSize - 8 + h.length) != h.checksum) {
    return RecordCheck::kBadChecksum;
  }
  *header = h;
  return RecordCheck::kOk;
}

bool IsAllZero(absl::string_view data) {
  const char* p = data.data();
  size_t n = data.size();
  // Word at a time: the tail of a preallocated segment is megabytes of zeros.
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    if (w != 0) return false;
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    if (*p != 0) return false;
    ++p;
    --n;
  }
  return true;
}

}  // namespace statelog::internal
