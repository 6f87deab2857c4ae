// tests/journal/record_test.cc
//
// The framing of journal/record.h against docs/format.md: the 40-byte record
// header and the 64-byte segment header, byte for byte, and that every
// single-bit change to either is detected.

#include "journal/record.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "journal/format.h"
#include "tests/testing/test_util.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace statelog::internal {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kMax = 16 << 20;

std::string SmallRecord(uint64_t prev = 0x0102030405060708,
                        absl::string_view payload = "{\"ops\":[]}") {
  std::string out;
  EncodeRecord(prev, /*seq=*/7, /*durable=*/5, RecordType::kTransaction,
               payload, &out);
  return out;
}

// ---------------------------------------------------------------- records

TEST(RecordTest, EncodeThenDecodeHeaderRoundTrips) {
  std::string out = "prefix";
  const uint64_t checksum = EncodeRecord(
      0x1122334455667788, 42, 41, RecordType::kTransaction, "hello", &out);
  ASSERT_EQ(out.size(), 6 + kRecordHeaderSize + 5);
  EXPECT_EQ(out.substr(0, 6), "prefix");  // appends, keeps what was there

  RecordHeader h = DecodeRecordHeader(out.data() + 6);
  EXPECT_EQ(h.checksum, checksum);
  EXPECT_EQ(h.prev, 0x1122334455667788u);
  EXPECT_EQ(h.seq, 42u);
  EXPECT_EQ(h.durable, 41u);
  EXPECT_EQ(h.length, 5u);
  EXPECT_EQ(h.type, static_cast<uint8_t>(RecordType::kTransaction));
  EXPECT_EQ(out.substr(6 + kRecordHeaderSize), "hello");
}

TEST(RecordTest, LayoutMatchesFormatDoc) {
  std::string rec;
  const uint64_t checksum = EncodeRecord(0xAABBCCDDEEFF0011, 3, 2,
                                         RecordType::kTransaction, "xyz", &rec);
  ASSERT_EQ(rec.size(), 43u);
  EXPECT_EQ(GetFixed64(rec.data()), checksum);
  EXPECT_EQ(GetFixed64(rec.data() + 8), 0xAABBCCDDEEFF0011u);
  EXPECT_EQ(GetFixed64(rec.data() + 16), 3u);
  EXPECT_EQ(GetFixed64(rec.data() + 24), 2u);
  EXPECT_EQ(GetFixed32(rec.data() + 32), 3u);
  EXPECT_EQ(rec[36], 0x01);
  EXPECT_EQ(rec[37], 0);
  EXPECT_EQ(rec[38], 0);
  EXPECT_EQ(rec[39], 0);
  // The checksum covers bytes 8 .. 40+length: prev, header fields, payload.
  EXPECT_EQ(checksum, Checksum(rec.data() + 8, rec.size() - 8));
}

TEST(RecordTest, EmptyPayloadRecordChecksOk) {
  std::string rec;
  const uint64_t checksum =
      EncodeRecord(0, 1, 0, RecordType::kTransaction, "", &rec);
  ASSERT_EQ(rec.size(), kRecordHeaderSize);
  RecordHeader h;
  ASSERT_EQ(CheckRecord(rec, kMax, &h), RecordCheck::kOk);
  EXPECT_EQ(h.checksum, checksum);
  EXPECT_EQ(h.length, 0u);
}

TEST(RecordTest, CheckRecordAcceptsIntactRecordAndFillsHeader) {
  std::string rec = SmallRecord();
  RecordHeader h;
  ASSERT_EQ(CheckRecord(rec, kMax, &h), RecordCheck::kOk);
  EXPECT_EQ(h.seq, 7u);
  EXPECT_EQ(h.durable, 5u);
  EXPECT_EQ(h.prev, 0x0102030405060708u);
  EXPECT_EQ(h.length, rec.size() - kRecordHeaderSize);
  EXPECT_EQ(h.checksum, GetFixed64(rec.data()));
}

TEST(RecordTest, CheckRecordAcceptsRecordFollowedByMoreBytes) {
  std::string data = SmallRecord();
  const size_t size = data.size();
  data.append(100, '\0');
  data.append("trailing garbage is the next record's business");
  RecordHeader h;
  ASSERT_EQ(CheckRecord(data, kMax, &h), RecordCheck::kOk);
  EXPECT_EQ(kRecordHeaderSize + h.length, size);
}

TEST(RecordTest, AllZeroHeaderIsEndOfLog) {
  RecordHeader h;
  EXPECT_EQ(CheckRecord(std::string(kRecordHeaderSize, '\0'), kMax, &h),
            RecordCheck::kZero);
  EXPECT_EQ(CheckRecord(std::string(4096, '\0'), kMax, &h), RecordCheck::kZero);
  // A zero header followed by nonzero bytes is still a zero header here;
  // the reader judges what follows it.
  std::string data(kRecordHeaderSize, '\0');
  data += "junk";
  EXPECT_EQ(CheckRecord(data, kMax, &h), RecordCheck::kZero);
}

TEST(RecordTest, FewerThanHeaderSizeZeroBytesAreEndOfLog) {
  RecordHeader h;
  EXPECT_EQ(CheckRecord("", kMax, &h), RecordCheck::kZero);
  for (size_t n = 1; n < kRecordHeaderSize; ++n) {
    EXPECT_EQ(CheckRecord(std::string(n, '\0'), kMax, &h), RecordCheck::kZero)
        << n << " zero bytes";
  }
}

TEST(RecordTest, ShortNonzeroHeaderIsShortHeader) {
  const std::string rec = SmallRecord();
  RecordHeader h;
  for (size_t n = 1; n < kRecordHeaderSize; ++n) {
    EXPECT_EQ(CheckRecord(absl::string_view(rec).substr(0, n), kMax, &h),
              RecordCheck::kShortHeader)
        << "first " << n << " bytes of a record";
  }
  std::string data(kRecordHeaderSize - 1, '\0');
  data.back() = 1;
  EXPECT_EQ(CheckRecord(data, kMax, &h), RecordCheck::kShortHeader);
}

TEST(RecordTest, LengthBeyondTheDataIsBadLength) {
  const std::string rec = SmallRecord(0, std::string(100, 'p'));
  RecordHeader h;
  for (size_t n = kRecordHeaderSize; n < rec.size(); ++n) {
    EXPECT_EQ(CheckRecord(absl::string_view(rec).substr(0, n), kMax, &h),
              RecordCheck::kBadLength)
        << "record cut to " << n << " bytes";
  }
}

TEST(RecordTest, LengthAboveMaximumIsBadLength) {
  const std::string rec = SmallRecord(0, std::string(100, 'p'));
  RecordHeader h;
  EXPECT_EQ(CheckRecord(rec, 100, &h), RecordCheck::kOk);
  EXPECT_EQ(CheckRecord(rec, 99, &h), RecordCheck::kBadLength);
  EXPECT_EQ(CheckRecord(rec, 0, &h), RecordCheck::kBadLength);
}

TEST(RecordTest, HugeLengthIsBadLengthWithoutReadingPastData) {
  std::string rec = SmallRecord();
  PutFixed32(rec.data() + 32, 0xFFFFFFFF);
  RecordHeader h;
  EXPECT_EQ(CheckRecord(rec, UINT64_MAX, &h), RecordCheck::kBadLength);
}

TEST(RecordTest, NonzeroReservedByteIsBadReserved) {
  for (size_t i = 37; i < kRecordHeaderSize; ++i) {
    std::string rec = SmallRecord();
    rec[i] = 1;
    RecordHeader h;
    EXPECT_EQ(CheckRecord(rec, kMax, &h), RecordCheck::kBadReserved)
        << "reserved byte " << i;
  }
}

TEST(RecordTest, ReservedByteSetWithValidChecksumIsStillBadReserved) {
  std::string rec = SmallRecord();
  rec[38] = 0x40;
  PutFixed64(rec.data(), Checksum(rec.data() + 8, rec.size() - 8));
  RecordHeader h;
  EXPECT_EQ(CheckRecord(rec, kMax, &h), RecordCheck::kBadReserved);
}

TEST(RecordTest, ChangedPayloadIsBadChecksum) {
  std::string rec = SmallRecord();
  rec.back() ^= 0x20;
  RecordHeader h;
  EXPECT_EQ(CheckRecord(rec, kMax, &h), RecordCheck::kBadChecksum);
}

TEST(RecordTest, EverySingleBitFlipIsDetected) {
  const std::string original = SmallRecord();
  // Alone, and as it sits in a segment: followed by zeros, so that a flip
  // that grows the length still finds bytes to cover.
  for (size_t trailing_zeros : {size_t{0}, size_t{64}}) {
    for (size_t byte = 0; byte < original.size(); ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string data = original + std::string(trailing_zeros, '\0');
        data[byte] = static_cast<char>(data[byte] ^ (1 << bit));
        RecordHeader h;
        RecordCheck check = CheckRecord(data, kMax, &h);
        EXPECT_NE(check, RecordCheck::kOk)
            << "byte " << byte << " bit " << bit << " trailing zeros "
            << trailing_zeros;
        EXPECT_NE(check, RecordCheck::kZero)
            << "byte " << byte << " bit " << bit;
      }
    }
  }
}

TEST(RecordTest, ChecksumChainsOnPrev) {
  std::string a;
  std::string b;
  const uint64_t ca =
      EncodeRecord(1, 9, 8, RecordType::kTransaction, "same payload", &a);
  const uint64_t cb =
      EncodeRecord(2, 9, 8, RecordType::kTransaction, "same payload", &b);
  EXPECT_NE(ca, cb);
  // Each is self-verifying regardless of its predecessor.
  RecordHeader h;
  EXPECT_EQ(CheckRecord(a, kMax, &h), RecordCheck::kOk);
  EXPECT_EQ(h.prev, 1u);
  EXPECT_EQ(CheckRecord(b, kMax, &h), RecordCheck::kOk);
  EXPECT_EQ(h.prev, 2u);
  // Swapping only the prev field leaves a checksum that no longer matches.
  std::string spliced = a;
  PutFixed64(spliced.data() + 8, 2);
  EXPECT_EQ(CheckRecord(spliced, kMax, &h), RecordCheck::kBadChecksum);
}

TEST(RecordTest, ChecksumCoversSeqDurableAndType) {
  std::string base;
  const uint64_t c0 =
      EncodeRecord(5, 9, 8, RecordType::kTransaction, "p", &base);
  std::string other;
  EXPECT_NE(c0, EncodeRecord(5, 10, 8, RecordType::kTransaction, "p", &other));
  EXPECT_NE(c0, EncodeRecord(5, 9, 7, RecordType::kTransaction, "p", &other));
  EXPECT_NE(c0,
            EncodeRecord(5, 9, 8, static_cast<RecordType>(0x81), "p", &other));
}

TEST(RecordTest, EncodingIsDeterministic) {
  std::string a;
  std::string b;
  EXPECT_EQ(EncodeRecord(3, 4, 5, RecordType::kTransaction, "abc", &a),
            EncodeRecord(3, 4, 5, RecordType::kTransaction, "abc", &b));
  EXPECT_EQ(a, b);
}

TEST(RecordTest, RecordCheckNamesAreDistinct) {
  const RecordCheck all[] = {
      RecordCheck::kOk,          RecordCheck::kZero,
      RecordCheck::kShortHeader, RecordCheck::kBadLength,
      RecordCheck::kBadReserved, RecordCheck::kBadChecksum};
  for (RecordCheck a : all) {
    EXPECT_STRNE(RecordCheckName(a), "") << static_cast<int>(a);
    EXPECT_STRNE(RecordCheckName(a), "unknown") << static_cast<int>(a);
    for (RecordCheck b : all) {
      if (a != b) {
        EXPECT_STRNE(RecordCheckName(a), RecordCheckName(b));
      }
    }
  }
}

TEST(RecordTest, IsAllZeroFindsAnyNonzeroByte) {
  EXPECT_TRUE(IsAllZero(""));
  EXPECT_TRUE(IsAllZero(std::string(1000, '\0')));
  // Positions in the word-at-a-time part and in the byte-at-a-time tail.
  for (size_t n : {size_t{1}, size_t{7}, size_t{8}, size_t{17}, size_t{64}}) {
    for (size_t i = 0; i < n; ++i) {
      std::string data(n, '\0');
      data[i] = static_cast<char>(0x80);
      EXPECT_FALSE(IsAllZero(data)) << "size " << n << " nonzero at " << i;
    }
  }
}

// --------------------------------------------------------- segment header

SegmentHeader TestSegmentHeader() {
  SegmentHeader h;
  h.store_id = "0123456789abcdef";
  h.first_seq = 0x0000123456789ABC;
  h.chain_in = 0xFEDCBA9876543210;
  return h;
}

TEST(SegmentHeaderTest, EncodeThenDecodeRoundTrips) {
  std::string out = "xx";
  EncodeSegmentHeader(TestSegmentHeader(), &out);
  ASSERT_EQ(out.size(), 2 + kSegmentHeaderSize);
  EXPECT_EQ(out.substr(0, 2), "xx");
  absl::StatusOr<SegmentHeader> h =
      DecodeSegmentHeader(absl::string_view(out).substr(2), "wal-x.log");
  ASSERT_OK(h);
  EXPECT_EQ(h->store_id, "0123456789abcdef");
  EXPECT_EQ(h->first_seq, 0x0000123456789ABCu);
  EXPECT_EQ(h->chain_in, 0xFEDCBA9876543210u);
}

TEST(SegmentHeaderTest, DecodeIgnoresBytesAfterTheHeader) {
  std::string out;
  EncodeSegmentHeader(TestSegmentHeader(), &out);
  out += std::string(100, '\0');
  EXPECT_OK(DecodeSegmentHeader(out, "wal-x.log"));
}

TEST(SegmentHeaderTest, LayoutMatchesFormatDoc) {
  std::string out;
  EncodeSegmentHeader(TestSegmentHeader(), &out);
  ASSERT_EQ(out.size(), 64u);
  EXPECT_EQ(out.substr(0, 8), "STLGJRN1");
  EXPECT_EQ(GetFixed32(out.data() + 8), 1u);
  EXPECT_EQ(GetFixed32(out.data() + 12), 64u);
  EXPECT_EQ(out.substr(16, 16), "0123456789abcdef");
  EXPECT_EQ(GetFixed64(out.data() + 32), 0x0000123456789ABCu);
  EXPECT_EQ(GetFixed64(out.data() + 40), 0xFEDCBA9876543210u);
  EXPECT_EQ(out.substr(48, 8), std::string(8, '\0'));
  EXPECT_EQ(GetFixed64(out.data() + 56), Checksum(out.data(), 56));
}

TEST(SegmentHeaderTest, EverySingleBitFlipIsDataLoss) {
  std::string original;
  EncodeSegmentHeader(TestSegmentHeader(), &original);
  for (size_t byte = 0; byte < kSegmentHeaderSize; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string data = original;
      data[byte] = static_cast<char>(data[byte] ^ (1 << bit));
      // The checksum covers the version and size fields too, so a flip
      // there is damage, not an unsupported version.
      EXPECT_THAT(DecodeSegmentHeader(data, "wal-x.log"),
                  StatusIs(absl::StatusCode::kDataLoss, HasSubstr("wal-x.log")))
          << "byte " << byte << " bit " << bit;
    }
  }
}

TEST(SegmentHeaderTest, TruncatedHeaderIsDataLoss) {
  std::string full;
  EncodeSegmentHeader(TestSegmentHeader(), &full);
  for (size_t n = 0; n < kSegmentHeaderSize; ++n) {
    EXPECT_THAT(
        DecodeSegmentHeader(absl::string_view(full).substr(0, n), "wal-x.log"),
        StatusIs(absl::StatusCode::kDataLoss, HasSubstr("wal-x.log")))
        << n << " bytes";
  }
}

TEST(SegmentHeaderTest, AllZeroHeaderIsDataLoss) {
  EXPECT_THAT(DecodeSegmentHeader(std::string(64, '\0'), "wal-x.log"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("wal-x.log")));
}

TEST(SegmentHeaderTest, OtherVersionWithValidChecksumIsFailedPrecondition) {
  std::string data;
  EncodeSegmentHeader(TestSegmentHeader(), &data);
  PutFixed32(data.data() + 8, 2);
  PutFixed64(data.data() + 56, Checksum(data.data(), 56));
  EXPECT_THAT(
      DecodeSegmentHeader(data, "wal-x.log"),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("version 2")));
}

// Found by the journal fuzzer: reserved bytes set under a valid checksum
// were ignored, so records were read by rules their writer did not follow.
TEST(SegmentHeaderTest,
     ReservedBytesSetWithValidChecksumAreFailedPrecondition) {
  for (int i = 48; i < 56; ++i) {
    std::string data;
    EncodeSegmentHeader(TestSegmentHeader(), &data);
    data[i] = 0x01;
    PutFixed64(data.data() + 56, Checksum(data.data(), 56));
    EXPECT_THAT(DecodeSegmentHeader(data, "wal-x.log"),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         HasSubstr("reserved bytes")))
        << "byte " << i;
  }
}

TEST(SegmentHeaderTest, OtherHeaderSizeWithValidChecksumIsRejected) {
  std::string data;
  EncodeSegmentHeader(TestSegmentHeader(), &data);
  PutFixed32(data.data() + 12, 128);
  PutFixed64(data.data() + 56, Checksum(data.data(), 56));
  absl::StatusOr<SegmentHeader> h = DecodeSegmentHeader(data, "wal-x.log");
  EXPECT_FALSE(h.ok());
  EXPECT_THAT(h, StatusIs(absl::StatusCode::kFailedPrecondition,
                          HasSubstr("wal-x.log")));
}

}  // namespace
}  // namespace statelog::internal
