// util/file_names.cc

#include "util/file_names.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace statelog::internal {
namespace {

constexpr char kSegmentPrefix[] = "wal-";
constexpr char kSegmentSuffix[] = ".log";
constexpr char kSnapshotPrefix[] = "snapshot-";
constexpr char kSnapshotSuffix[] = ".json";
constexpr size_t kSeqDigits = 20;

std::optional<uint64_t> ParseNumbered(absl::string_view name,
                                      absl::string_view prefix,
                                      absl::string_view suffix) {
  if (!absl::ConsumePrefix(&name, prefix) ||
      !absl::ConsumeSuffix(&name, suffix) || name.size() != kSeqDigits) {
    return std::nullopt;
  }
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint64_t seq = 0;
  if (!absl::SimpleAtoi(name, &seq)) return std::nullopt;
  return seq;
}

}  // namespace

std::string SegmentFileName(uint64_t first_seq) {
  return absl::StrFormat("%s%020u%s", kSegmentPrefix, first_seq,
                         kSegmentSuffix);
}

std::string SnapshotFileName(uint64_t seq) {
  return absl::StrFormat("%s%020u%s", kSnapshotPrefix, seq, kSnapshotSuffix);
}

std::optional<uint64_t> ParseSegmentFileName(absl::string_view name) {
  return ParseNumbered(name, kSegmentPrefix, kSegmentSuffix);
}

std::optional<uint64_t> ParseSnapshotFileName(absl::string_view name) {
  return ParseNumbered(name, kSnapshotPrefix, kSnapshotSuffix);
}

bool IsTempFileName(absl::string_view name) {
  if (name == kSpareSegmentName) return true;
  if (!absl::ConsumeSuffix(&name, kTempSuffix)) return false;
  return ParseSegmentFileName(name).has_value() ||
         ParseSnapshotFileName(name).has_value() || name == kIdentityFileName ||
         name == kReportFileName;
}

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  return absl::StrCat(dir, "/", name);
}

}  // namespace statelog::internal
