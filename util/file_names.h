// util/file_names.h
//
// Names of the files in a store directory (docs/format.md, "Files"):
//   STORE                           identity: format, store id, creation time
//   LOCK                            flock'ed by the one writer; pid and host
//   wal-<20-digit first seq>.log    journal segments
//   snapshot-<20-digit seq>.json    snapshots
//   wal-spare.tmp                   the next segment, prepared ahead
//   *.tmp                           unpublished files, removed by recovery
//   recovery-report.json            the last recovery's report
//   quarantine/                     bytes recovery cut off, kept as evidence

#ifndef STATELOG_UTIL_FILE_NAMES_H_
#define STATELOG_UTIL_FILE_NAMES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace statelog::internal {

// How a refusal of a snapshot or segment whose store id is another store's
// ends; verify matches it.
inline constexpr absl::string_view kOfAnotherStore = "belongs to another store";

inline constexpr char kLockFileName[] = "LOCK";
inline constexpr char kIdentityFileName[] = "STORE";
inline constexpr char kReportFileName[] = "recovery-report.json";
inline constexpr char kQuarantineDirName[] = "quarantine";
inline constexpr char kTempSuffix[] = ".tmp";
// A zero-filled segment prepared ahead of need, without header yet: the
// journal writer gives it its header and its name when the current
// segment is full (journal/journal_writer.h). A temporary file.
inline constexpr char kSpareSegmentName[] = "wal-spare.tmp";

std::string SegmentFileName(uint64_t first_seq);
std::string SnapshotFileName(uint64_t seq);

// The sequence number in a segment or snapshot name; nullopt for any other
// name (including temporary files).
std::optional<uint64_t> ParseSegmentFileName(absl::string_view name);
std::optional<uint64_t> ParseSnapshotFileName(absl::string_view name);

// Whether `name` is an unpublished file of statelog's own: a segment,
// snapshot, STORE or report name followed by ".tmp", or the spare segment.
// Other files ending in ".tmp" are not statelog's and are never removed.
bool IsTempFileName(absl::string_view name);

std::string JoinPath(absl::string_view dir, absl::string_view name);

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_FILE_NAMES_H_
