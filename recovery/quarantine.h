// recovery/quarantine.h
//
// Moves damaged journal bytes out of the way without losing them: bytes are
// copied to quarantine/ (and made durable) before the journal is changed.

#ifndef STATELOG_RECOVERY_QUARANTINE_H_
#define STATELOG_RECOVERY_QUARANTINE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "statelog/env.h"
#include "statelog/recovery_report.h"

namespace statelog::internal {

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

}  // namespace statelog::internal

#endif  // STATELOG_RECOVERY_QUARANTINE_H_
