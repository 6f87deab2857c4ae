// util/time_format.h
//
// Timestamps as statelog writes them: ISO-8601 UTC with milliseconds.

#ifndef STATELOG_UTIL_TIME_FORMAT_H_
#define STATELOG_UTIL_TIME_FORMAT_H_

#include <string>

#include "absl/time/time.h"

namespace statelog::internal {

std::string FormatUtc(absl::Time t);  // 2026-11-25T03:00:54.123Z

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_TIME_FORMAT_H_
