// util/time_format.cc

#include "util/time_format.h"

namespace statelog::internal {

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

}  // namespace statelog::internal
