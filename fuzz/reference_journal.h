// fuzz/reference_journal.h
//
// A second reading of a store's journal, written from docs/format.md and
// docs/recovery.md rather than from journal/journal_reader.cc: plain loops
// over the bytes of the segment files, no Env and no I/O. The fuzz targets
// compare the library's reader and recovery against it. Where the documents
// leave a choice open (which records after damage count as evidence), it
// makes the reader's documented choice; see SearchAfterDamage in the .cc.

#ifndef STATELOG_FUZZ_REFERENCE_JOURNAL_H_
#define STATELOG_FUZZ_REFERENCE_JOURNAL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace statelog::fuzz {

struct RefRecord {
  std::string file;
  uint64_t offset = 0;
  uint64_t checksum = 0;
  uint64_t prev = 0;
  uint64_t seq = 0;
  uint64_t durable = 0;
  uint8_t type = 0;
  std::string payload;
};

struct RefJournal {
  // A condition that must stop recovery whatever the mode: a gap before
  // the journal, a segment of another store, a chain that contradicts the
  // snapshot, an unsupported header version, an unknown record type.
  bool hard_error = false;
  std::string hard_error_why;

  // Every valid record of the chain, from the first segment read on: also
  // those at or below start_seq and those of ignorable types.
  std::vector<RefRecord> records;
  // The newest record above start_seq (start_seq/start_chain if none).
  uint64_t last_seq = 0;
  uint64_t last_chain = 0;

  // The last segment with a valid header before any damage, and the end
  // of its valid records. Empty if there is none.
  std::string tail_file;
  uint64_t tail_offset = 0;

  // The sequence number the journal's next record would carry (0 if there
  // is no segment); when it is at most start_seq, the journal ends before
  // the snapshot, which docs/recovery.md calls missing segments.
  uint64_t next_seq = 0;
  // Damage in records the snapshot covers that the reading went past, to
  // the record after the snapshot found by its chain (docs/recovery.md):
  // not `damaged`, but refused except by point-in-time recovery.
  bool covered_damage = false;

  bool damaged = false;
  std::string damage_file;
  uint64_t damage_offset = 0;
  uint64_t damage_seq = 0;     // the sequence number expected there
  uint64_t records_after = 0;  // self-consistent records found after it
  bool durable_after = false;  // one of them proves the damage was durable
};

// Reads the segments among `files` (name -> contents) the way recovery
// does from a snapshot at `start_seq` whose chain value is `start_chain`.
RefJournal ReadReferenceJournal(const std::map<std::string, std::string>& files,
                                absl::string_view store_id, uint64_t start_seq,
                                uint64_t start_chain);

}  // namespace statelog::fuzz

#endif  // STATELOG_FUZZ_REFERENCE_JOURNAL_H_
