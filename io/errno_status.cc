// io/errno_status.cc

#include "io/errno_status.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace statelog::internal {

absl::Status ErrnoStatus(int err, absl::string_view context) {
  std::string message =
      absl::StrCat(context, ": ", std::strerror(err), " (errno ", err, ")");
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    case ENOENT:
      return absl::NotFoundError(message);
    case EEXIST:
      return absl::AlreadyExistsError(message);
    case ELOOP:
      return absl::FailedPreconditionError(
          absl::StrCat(message, "; ", kNoSymlinks));
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

bool IsSymlinkRefusal(const absl::Status& status) {
  return absl::IsFailedPrecondition(status) &&
         absl::EndsWith(status.message(), kNoSymlinks);
}

absl::Status NewerFormatError(absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat(what, " ", kNewerFormat));
}

bool IsNewerFormat(const absl::Status& status) {
  return absl::IsFailedPrecondition(status) &&
         absl::EndsWith(status.message(), kNewerFormat);
}

bool CouldNotRead(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kUnknown:
      return true;
    case absl::StatusCode::kFailedPrecondition:
      return IsSymlinkRefusal(status);
    default:
      return false;
  }
}

}  // namespace statelog::internal
