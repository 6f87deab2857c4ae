// io/atomic_file.h
//
// Publishes a file atomically: temp file in the same directory, write,
// fdatasync, rename over the final name, fsync of the directory. After a
// crash the final name holds either the old or the new contents, never a
// mix, and never a zero-length file.

#ifndef STATELOG_IO_ATOMIC_FILE_H_
#define STATELOG_IO_ATOMIC_FILE_H_

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "statelog/env.h"
#include "util/byte_sink.h"

namespace statelog::internal {

// Writes the concatenation of `pieces` to `dir/name`. On failure,
// `*outcome_unknown` (if not null) tells the two kinds apart: false when it
// failed before anything was synced (the temp file is removed as far as
// possible, the old contents stand), true when the fdatasync, the rename or
// the directory fsync failed: which contents survive a crash is then
// unknown, and a retried fsync could report success for pages already lost.
[[nodiscard]] absl::Status WriteFileAtomically(
    Env* env, const std::string& dir, const std::string& name,
    std::initializer_list<absl::string_view> pieces,
    bool* outcome_unknown = nullptr);

// Called by a streamed write after each piece it wrote back, with the
// piece's size; it may sleep to hold the writes back (compaction's pacing).
using PieceWritten = std::function<void(size_t bytes)>;

// The same, with the contents given by `source` and written as they come
// in writes of about 64 KiB, each written back to the device
// (File::WriteBack) before the next, so that a large file (a snapshot) is
// never whole in memory and never all in the final fdatasync. An error
// from `source` fails the write like an error writing (the temp file is
// removed, the old contents stand). `written`, if not null, is called
// after each piece.
[[nodiscard]] absl::Status WriteFileAtomically(
    Env* env, const std::string& dir, const std::string& name,
    const ByteSource& source, bool* outcome_unknown = nullptr,
    const PieceWritten* written = nullptr);

// Reads the bytes [from, to) of `file` in pieces of at most 256 KiB (no
// buffer for all of them) and gives each to `sink`, stopping at its first
// error. DataLoss "<name>: short read of <what> at offset N" if the file
// ends first.
[[nodiscard]] absl::Status ReadRange(File* file, uint64_t from, uint64_t to,
                                     absl::string_view name,
                                     absl::string_view what,
                                     const ByteSink& sink);

// Reads a whole file.
[[nodiscard]] absl::StatusOr<std::string> ReadFileToString(
    Env* env, const std::string& path);

}  // namespace statelog::internal

#endif  // STATELOG_IO_ATOMIC_FILE_H_
