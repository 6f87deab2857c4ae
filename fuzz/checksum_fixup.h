// fuzz/checksum_fixup.h
//
// Makes fuzzed files checksum-valid again, so that mutations reach past
// the checksums: into sequence numbers, lengths, chains and watermarks of
// records that verify on their own, into transaction payloads that must
// be replayed, and into snapshot states that must be parsed. Which fixes
// apply is chosen by the input (FixupFlags), so damaged checksums stay
// reachable too.

#ifndef STATELOG_FUZZ_CHECKSUM_FIXUP_H_
#define STATELOG_FUZZ_CHECKSUM_FIXUP_H_

#include <cstdint>
#include <string>

#include "fuzz/fuzz_input.h"

namespace statelog::fuzz {

enum FixupFlags : uint8_t {
  // Segment header and record checksums (records are walked by their
  // lengths from offset 64 until a zero header or a length past the end).
  kFixRecordChecksums = 1,
  // Also each record's `prev`: the checksum of the record before it in the
  // same segment (the header's chain-in for the first).
  kFixRecordChains = 2,
  // Snapshot state_bytes, state_xxh3 and header_xxh3, where the layout
  // and the header JSON allow it.
  kFixSnapshots = 4,
};

// Applies `flags` to every segment and snapshot (by name) of `dir`.
void FixChecksums(uint8_t flags, DirInput* dir);

}  // namespace statelog::fuzz

#endif  // STATELOG_FUZZ_CHECKSUM_FIXUP_H_
