// util/byte_sink.h
//
// Bytes passed along in pieces, so that a large file (a snapshot) is
// written as it is produced instead of being whole in memory first.
// Internal to statelog.

#ifndef STATELOG_UTIL_BYTE_SINK_H_
#define STATELOG_UTIL_BYTE_SINK_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace statelog::internal {

// Receives bytes in order, a piece at a time.
using ByteSink = std::function<absl::Status(absl::string_view piece)>;

// Gives bytes to a sink, stopping at the sink's first error and returning
// it.
using ByteSource = std::function<absl::Status(const ByteSink& sink)>;

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_BYTE_SINK_H_
