// fuzz/checksum_fixup.cc

#include "fuzz/checksum_fixup.h"

#include <algorithm>

#include "statelog/transaction.h"
#include "util/checksum.h"
#include "util/coding.h"
#include "util/file_names.h"
#include "util/json_util.h"

namespace statelog::fuzz {
namespace {

constexpr size_t kHeaderBytes = 64;
constexpr size_t kRecordHeaderBytes = 40;

void FixSegment(uint8_t flags, std::string* data) {
  if (data->size() < kHeaderBytes) return;
  char* p = data->data();
  internal::PutFixed64(p + 56, internal::Checksum(p, 56));
  uint64_t chain = internal::GetFixed64(p + 40);
  size_t at = kHeaderBytes;
  while (data->size() - at >= kRecordHeaderBytes) {
    char* h = p + at;
    const uint64_t length = internal::GetFixed32(h + 32);
    if (std::all_of(h, h + kRecordHeaderBytes, [](char c) { return c == 0; })) {
      return;  // end of log
    }
    if (length > data->size() - at - kRecordHeaderBytes) return;
    if (flags & kFixRecordChains) internal::PutFixed64(h + 8, chain);
    chain = internal::Checksum(h + 8, kRecordHeaderBytes - 8 + length);
    internal::PutFixed64(h, chain);
    at += kRecordHeaderBytes + length;
  }
}

// The layout of docs/format.md:
// {"statelog_snapshot":<header>,\n"state":<state>\n}\n
void FixSnapshot(std::string* data) {
  const std::string prefix = "{\"statelog_snapshot\":";
  const std::string state_key = ",\n\"state\":";
  const std::string trailer = "\n}\n";
  if (data->compare(0, prefix.size(), prefix) != 0) return;
  const size_t key = data->find(state_key, prefix.size());
  if (key == std::string::npos ||
      data->size() < key + state_key.size() + trailer.size()) {
    return;
  }
  const size_t state_at = key + state_key.size();
  const std::string state =
      data->substr(state_at, data->size() - trailer.size() - state_at);
  absl::StatusOr<Json> header = internal::ParseJson(
      absl::string_view(*data).substr(prefix.size(), key - prefix.size()), "");
  if (!header.ok() || !header->is_object()) return;
  (*header)["state_bytes"] = state.size();
  (*header)["state_xxh3"] = internal::ChecksumHex(internal::Checksum(state));
  header->erase("header_xxh3");
  absl::StatusOr<std::string> covered = internal::DumpJson(*header);
  if (!covered.ok()) return;
  (*header)["header_xxh3"] =
      internal::ChecksumHex(internal::Checksum(*covered));
  absl::StatusOr<std::string> text = internal::DumpJson(*header);
  if (!text.ok()) return;
  *data = prefix + *text + state_key + state + trailer;
}

}  // namespace

void FixChecksums(uint8_t flags, DirInput* dir) {
  for (NamedFile& file : dir->files) {
    if ((flags & (kFixRecordChecksums | kFixRecordChains)) &&
        internal::ParseSegmentFileName(file.name)) {
      FixSegment(flags, &file.data);
    }
    if ((flags & kFixSnapshots) && internal::ParseSnapshotFileName(file.name)) {
      FixSnapshot(&file.data);
    }
  }
}

}  // namespace statelog::fuzz
