// io/errno_status.h
//
// Turns an errno value into an absl::Status with statelog's canonical codes:
// ENOSPC/EDQUOT -> ResourceExhausted, ENOENT -> NotFound, EEXIST ->
// AlreadyExists, ELOOP (O_NOFOLLOW met a symlink) -> FailedPrecondition,
// EACCES/EPERM -> PermissionDenied, anything else (EIO, ...) -> Internal.

#ifndef STATELOG_IO_ERRNO_STATUS_H_
#define STATELOG_IO_ERRNO_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace statelog::internal {

// `context` says what failed, e.g. "fdatasync wal-...log"; the message is
// "<context>: <strerror> (errno N)".
absl::Status ErrnoStatus(int err, absl::string_view context);

// The words every refusal of a symlink in place of a store file ends with
// (FailedPrecondition), and whether `status` is such a refusal: a file
// refused, not read, which says nothing about damage.
inline constexpr absl::string_view kNoSymlinks =
    "statelog never follows symlinks";
bool IsSymlinkRefusal(const absl::Status& status);

// A file whose format this build does not know, though it is no damage (a
// version number it does not read, reserved bytes set, a record type it
// does not know, each under a checksum that matches): FailedPrecondition
// whose message is `what` followed by kNewerFormat, and whether `status`
// is one. Recovery refuses such a file instead of passing it over as
// damaged (and later quarantining it).
inline constexpr absl::string_view kNewerFormat =
    "(written by a newer statelog?)";
absl::Status NewerFormatError(absl::string_view what);
bool IsNewerFormat(const absl::Status& status);

// Whether `status` says a file could not be read (permissions, an I/O
// error, a symlink refused), as opposed to read and found damaged: no
// finding about the store. Recovery and verify fail with it instead of
// passing the file over or reporting damage.
bool CouldNotRead(const absl::Status& status);

}  // namespace statelog::internal

#endif  // STATELOG_IO_ERRNO_STATUS_H_
