// snapshot/snapshot_file.h
//
// One snapshot file: plain JSON that jq can read, laid out so that it can be
// verified without parsing the state (docs/format.md, "Snapshot file"):
//
//   {"statelog_snapshot":<header>,\n"state":<state>\n}\n
//
// The header is one line of compact JSON; the checksum covers exactly the
// bytes of <state>. Publishing is atomic: temp file in the same directory,
// fdatasync, rename, fsync of the directory.

#ifndef STATELOG_SNAPSHOT_SNAPSHOT_FILE_H_
#define STATELOG_SNAPSHOT_SNAPSHOT_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "io/atomic_file.h"
#include "statelog/env.h"
#include "util/byte_sink.h"

namespace statelog::internal {

inline constexpr int kSnapshotFormatVersion = 1;

struct SnapshotHeader {
  std::string store_id;  // raw kStoreIdSize bytes (hex in the file)
  uint64_t seq = 0;      // the state is after this record
  uint64_t chain = 0;    // checksum of record `seq` (chain value)
  int64_t schema_version = 0;
  uint64_t state_bytes = 0;
  uint64_t state_checksum = 0;
  std::string created_at;  // ISO-8601 UTC
};

// Writes and atomically publishes snapshot-<seq>.json in `dir`. Fills in
// state_bytes, state_checksum and created_at. Returns the file name. On
// failure `*outcome_unknown` is set as WriteFileAtomically sets it.
absl::StatusOr<std::string> WriteSnapshot(Env* env, const std::string& dir,
                                          SnapshotHeader header,
                                          absl::string_view state_json,
                                          bool* outcome_unknown = nullptr);

// The same, with the state's bytes given by `state` in pieces, so that
// they are never whole in memory. `state` is called twice, to size and
// checksum the state for the header and then to write it, and must give
// the same bytes both times: if not, nothing is published (Internal).
// `written`, if not null, is called after each piece of the file is
// written (WriteFileAtomically).
absl::StatusOr<std::string> WriteSnapshot(
    Env* env, const std::string& dir, SnapshotHeader header,
    const ByteSource& state, bool* outcome_unknown = nullptr,
    const PieceWritten* written = nullptr);

struct VerifiedSnapshot {
  SnapshotHeader header;
  // The verified bytes of the state, inside `contents` (the whole file).
  absl::string_view state_json;
  std::unique_ptr<FileContents> contents;
};

// Reads `dir/file` and checks its layout, header, store id and checksum.
// DataLoss naming the file (and offset where it helps) on any mismatch.
absl::StatusOr<VerifiedSnapshot> ReadSnapshot(Env* env, const std::string& dir,
                                              const std::string& file,
                                              absl::string_view store_id);

// Checks what ReadSnapshot checks, reading the file a piece at a time
// instead of keeping it: for a snapshot just written, read back before it
// counts. Returns its header.
absl::StatusOr<SnapshotHeader> VerifySnapshot(Env* env, const std::string& dir,
                                              const std::string& file,
                                              absl::string_view store_id);

// Checks only what the first and last bytes of `dir/file` show: layout,
// header (which has its own checksum), store id, and that the size is the
// one the header promises. The state's bytes are not read: ReadSnapshot
// verifies them when the state is needed.
absl::StatusOr<SnapshotHeader> ReadSnapshotHeader(Env* env,
                                                  const std::string& dir,
                                                  const std::string& file,
                                                  absl::string_view store_id);

struct SnapshotName {
  std::string file;
  uint64_t seq = 0;
};
// Published snapshots in `dir`, newest first.
absl::StatusOr<std::vector<SnapshotName>> ListSnapshots(Env* env,
                                                        const std::string& dir);

}  // namespace statelog::internal

#endif  // STATELOG_SNAPSHOT_SNAPSHOT_FILE_H_
