// recovery/quarantine.h
//
// Moves damaged journal bytes out of the way without losing them: bytes are
// copied to quarantine/ (and made durable) before the journal is changed.

#ifndef STATELOG_RECOVERY_QUARANTINE_H_
#define STATELOG_RECOVERY_QUARANTINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "statelog/env.h"
#include "statelog/recovery_report.h"

namespace statelog::internal {

// Copies bytes [offset, end) of `dir/file` to a new file in quarantine/
// (durably) and leaves the file as it is.
absl::StatusOr<QuarantineEntry> CopyToQuarantine(Env* env,
                                                 const std::string& dir,
                                                 const std::string& file,
                                                 uint64_t offset, uint64_t end,
                                                 const std::string& reason);

// Copies bytes [offset, end) of `dir/file` to a new file in quarantine/,
// then overwrites them with zeros in place and fdatasyncs. The zeros turn
// the region into end-of-log, so the segment stays preallocated and the
// writer continues at `offset`.
absl::StatusOr<QuarantineEntry> QuarantineRange(Env* env,
                                                const std::string& dir,
                                                const std::string& file,
                                                uint64_t offset, uint64_t end,
                                                const std::string& reason);

// Moves the whole file `dir/file` into quarantine/.
absl::StatusOr<QuarantineEntry> QuarantineFile(Env* env, const std::string& dir,
                                               const std::string& file,
                                               const std::string& reason);

// A recovery that is about to change the journal (zero a torn tail, move
// segments) first leaves its report in quarantine/, as
// recovery-report.<unix nanos>.json, with "complete": false; once done it
// writes the final report there under the same name, with "complete":
// true. recovery-report.json is rewritten by the next open, and a
// recovery killed part way never wrote it at all; the note keeps what the
// recovery found and why, for good. The first note also lists what the
// recovery is about to do (`planned`: a range to copy and zero, or a whole
// file to move, bytes 0), so that it tells everything even if the recovery
// is killed after its last change. Returns the note's name (`name`, or a
// new one if empty).
struct PlannedQuarantine {
  std::string source;
  uint64_t offset = 0;
  uint64_t bytes = 0;  // 0: the whole file
};
absl::StatusOr<std::string> WriteQuarantineNote(
    Env* env, const std::string& dir, const RecoveryReport& report,
    bool complete, const std::string& name,
    const std::vector<PlannedQuarantine>& planned = {});

}  // namespace statelog::internal

#endif  // STATELOG_RECOVERY_QUARANTINE_H_
