// fuzz/journal_fuzzer.cc
//
// Fuzz target: the journal reader (ReadJournal) on fuzzed segment files in
// an in-memory directory (input layout: fuzz/fuzz_input.h; options byte 0
// picks the checksum fixes of fuzz/checksum_fixup.h, the next ones where
// reading starts). Properties:
//   - re-encoding what it read (EncodeSegmentHeader, EncodeRecord)
//     reproduces the valid prefix of every segment byte for byte;
//   - it agrees with an independent reading of the format
//     (fuzz/reference_journal.h): the same records in the same order, the
//     same end of the journal, the same damage and evidence after it, and
//     a hard error exactly where the format calls for one;
//   - started in the middle of the chain (as from a snapshot), it returns
//     exactly the records after that point;
//   - it never crashes, hangs or allocates from an unchecked length
//     (sanitizers and libFuzzer's limits).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fuzz/checksum_fixup.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_store_dir.h"
#include "fuzz/reference_journal.h"
#include "journal/format.h"
#include "journal/journal_reader.h"
#include "journal/record.h"
#include "tests/testing/mem_env.h"

namespace statelog::fuzz {
namespace {

// The store id the seed corpus frames its segments with.
constexpr char kStoreId[] = "fuzz-store-id-16";
static_assert(sizeof(kStoreId) - 1 == internal::kStoreIdSize);

struct Returned {
  internal::RecordHeader header;
  std::string payload;
};

std::string Describe(const RefRecord& r) {
  return absl::StrCat(r.file, " offset ", r.offset, " seq ", r.seq);
}

// The bytes re-encoded from what was read must be the file's valid prefix.
void CheckReencoding(const std::map<std::string, std::string>& files,
                     const RefJournal& ref,
                     const std::map<uint64_t, Returned>& returned_by_seq) {
  std::map<std::string, std::string> rebuilt;
  std::map<std::string, uint64_t> ends;
  auto start = [&](const std::string& file) {
    if (rebuilt.count(file)) return;
    absl::StatusOr<internal::SegmentHeader> header =
        internal::DecodeSegmentHeader(files.at(file), file);
    STATELOG_FUZZ_CHECK(header.ok(), file, ": ", header.status().ToString());
    internal::EncodeSegmentHeader(*header, &rebuilt[file]);
    ends[file] = internal::kSegmentHeaderSize;
  };
  for (const RefRecord& r : ref.records) {
    start(r.file);
    auto it = returned_by_seq.find(r.seq);
    const bool was_returned = it != returned_by_seq.end();
    const internal::RecordHeader h =
        was_returned ? it->second.header
                     : internal::RecordHeader{r.checksum, r.prev, r.seq,
                                              r.durable,  0,      r.type};
    const std::string& payload = was_returned ? it->second.payload : r.payload;
    const uint64_t checksum = internal::EncodeRecord(
        h.prev, h.seq, h.durable, static_cast<internal::RecordType>(h.type),
        payload, &rebuilt[r.file]);
    STATELOG_FUZZ_CHECK(checksum == h.checksum, Describe(r),
                        ": re-encoded checksum differs");
    ends[r.file] = r.offset + internal::kRecordHeaderSize + payload.size();
  }
  if (!ref.tail_file.empty()) {
    start(ref.tail_file);
    ends[ref.tail_file] = ref.tail_offset;
  }
  for (const auto& [file, bytes] : rebuilt) {
    const std::string& data = files.at(file);
    STATELOG_FUZZ_CHECK(bytes.size() == ends[file], file, ": re-encoded ",
                        bytes.size(), " bytes, the valid prefix is ",
                        ends[file]);
    STATELOG_FUZZ_CHECK(data.compare(0, bytes.size(), bytes) == 0, file,
                        ": re-encoding differs from the valid prefix");
    if (file != ref.tail_file) {
      STATELOG_FUZZ_CHECK(
          internal::IsAllZero(absl::string_view(data).substr(bytes.size())),
          file, ": a segment the reader left has bytes after its records");
    }
  }
}

// Reads the journal from (start_seq, start_chain) and checks it.
void ReadAndCheck(testing::MemEnv* env,
                  const std::map<std::string, std::string>& files,
                  uint64_t start_seq, uint64_t start_chain) {
  std::vector<Returned> returned;
  absl::StatusOr<internal::JournalReadResult> result = internal::ReadJournal(
      env, kStoreDir, kStoreId, start_seq, start_chain,
      internal::kMaxRecordPayloadBytes,
      [&](const internal::RecordHeader& h, absl::string_view payload) {
        returned.push_back(Returned{h, std::string(payload)});
        return absl::OkStatus();
      });
  const RefJournal ref =
      ReadReferenceJournal(files, kStoreId, start_seq, start_chain);
  const std::string from = absl::StrCat(" (reading from seq ", start_seq, ")");

  STATELOG_FUZZ_CHECK(result.ok() == !ref.hard_error, from,
                      " reader: ", result.status().ToString(),
                      "; reference: ", ref.hard_error_why);
  if (!result.ok()) {
    STATELOG_FUZZ_CHECK(absl::IsDataLoss(result.status()) ||
                            absl::IsFailedPrecondition(result.status()),
                        "unexpected error code", from, ": ",
                        result.status().ToString());
    return;
  }

  std::vector<const RefRecord*> expected;
  for (const RefRecord& r : ref.records) {
    if (r.seq > start_seq && r.type == 1) expected.push_back(&r);
  }
  STATELOG_FUZZ_CHECK(returned.size() == expected.size(), from, " returned ",
                      returned.size(), " records, the reference ",
                      expected.size());
  std::map<uint64_t, Returned> returned_by_seq;
  for (size_t i = 0; i < returned.size(); ++i) {
    const Returned& got = returned[i];
    const RefRecord& want = *expected[i];
    STATELOG_FUZZ_CHECK(got.header.seq == want.seq &&
                            got.header.prev == want.prev &&
                            got.header.checksum == want.checksum &&
                            got.header.durable == want.durable &&
                            got.header.type == want.type &&
                            got.header.length == want.payload.size() &&
                            got.payload == want.payload,
                        from, " record ", i, " differs from ", Describe(want));
    returned_by_seq[got.header.seq] = got;
  }
  STATELOG_FUZZ_CHECK(
      result->last_seq == ref.last_seq && result->last_chain == ref.last_chain,
      from, " last seq ", result->last_seq, ", reference ", ref.last_seq);
  STATELOG_FUZZ_CHECK(result->tail_file == ref.tail_file, from, " tail file ",
                      result->tail_file, ", reference ", ref.tail_file);
  if (!ref.tail_file.empty()) {
    STATELOG_FUZZ_CHECK(result->tail_offset == ref.tail_offset, from,
                        " tail offset ", result->tail_offset, ", reference ",
                        ref.tail_offset);
  }
  STATELOG_FUZZ_CHECK(result->damage.has_value() == ref.damaged, from,
                      " damage: reader ", result->damage.has_value(),
                      ", reference ", ref.damaged);
  if (ref.damaged) {
    const internal::JournalDamage& d = *result->damage;
    STATELOG_FUZZ_CHECK(
        d.file == ref.damage_file && d.offset == ref.damage_offset &&
            d.expected_seq == ref.damage_seq,
        from, " damage at ", d.Describe(), "; reference ", ref.damage_file,
        " offset ", ref.damage_offset, " seq ", ref.damage_seq);
    STATELOG_FUZZ_CHECK(d.records_after == ref.records_after &&
                            d.durable_after == ref.durable_after,
                        from, " evidence after damage: ", d.Describe(),
                        "; reference ", ref.records_after, " record(s), ",
                        ref.durable_after ? "durable" : "not durable");
  }
  CheckReencoding(files, ref, returned_by_seq);
}

}  // namespace
}  // namespace statelog::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statelog::fuzz;
  return Guarded([&] {
    DirInput input = ParseDirInput(
        absl::string_view(reinterpret_cast<const char*>(data), size));
    ByteReader options(input.options);
    FixChecksums(options.Byte(), &input);
    statelog::testing::MemEnv env;
    const std::map<std::string, std::string> files =
        PopulateStoreDir(input, &env);

    // As a new store reads it, then from a record in the middle, as a
    // snapshot there would, then from wherever the input says.
    ReadAndCheck(&env, files, 0, 0);
    const RefJournal whole = ReadReferenceJournal(files, kStoreId, 0, 0);
    if (!whole.hard_error && !whole.records.empty()) {
      const RefRecord& middle =
          whole.records[options.Byte() % whole.records.size()];
      ReadAndCheck(&env, files, middle.seq, middle.checksum);
    }
    const uint64_t start_seq = options.Byte();
    uint64_t start_chain = 0;
    for (int i = 0; i < 8; ++i)
      start_chain = (start_chain << 8) | options.Byte();
    ReadAndCheck(&env, files, start_seq, start_chain);
  });
}
