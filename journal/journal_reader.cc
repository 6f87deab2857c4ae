// journal/journal_reader.cc

#include "journal/journal_reader.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "io/errno_status.h"
#include "util/checksum.h"
#include "util/file_names.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

// Looks for self-consistent records anywhere in `data` from `from` on whose
// sequence number is at least `damaged_seq`. A record whose durable
// watermark reaches `damaged_seq` proves the damaged record had been
// fdatasync'ed before: the damage cannot be a torn write of the last batch.
void SearchAfterDamage(absl::string_view data, uint64_t from,
                       const std::string& file, uint64_t max_record_bytes,
                       JournalDamage* damage) {
  const uint64_t low = damage->expected_seq;
  const uint64_t high = low + (uint64_t{1} << 32);
  for (uint64_t p = from; p + kRecordHeaderSize <= data.size(); ++p) {
    RecordHeader quick = DecodeRecordHeader(data.data() + p);
    if (quick.seq < low || quick.seq >= high) continue;
    RecordHeader h;
    if (CheckRecord(data.substr(p), max_record_bytes, &h) != RecordCheck::kOk) {
      continue;
    }
    ++damage->records_after;
    if (!damage->durable_after && h.durable >= low) {
      damage->durable_after = true;
      damage->durable_where =
          absl::StrCat(file, " offset ", p, " seq ", h.seq,
                       " (durable through ", h.durable, ")");
    }
    p += kRecordHeaderSize + h.length - 1;
  }
}

// The offset in `data`, from `from` on, of the record that follows the
// snapshot: a valid record with seq `start_seq` + 1 chained to
// `start_chain`, or else the snapshot's own record (seq `start_seq`,
// checksum `start_chain`), with *`after_snapshot` saying which. The chain
// makes either unmistakable: every record between `from` and it is one the
// snapshot covers.
std::optional<uint64_t> FindSnapshotEdge(absl::string_view data, uint64_t from,
                                         uint64_t start_seq,
                                         uint64_t start_chain,
                                         uint64_t max_record_bytes,
                                         bool* after_snapshot) {
  for (uint64_t p = from; p + kRecordHeaderSize <= data.size(); ++p) {
    const RecordHeader quick = DecodeRecordHeader(data.data() + p);
    if (quick.seq != start_seq && quick.seq != start_seq + 1) continue;
    RecordHeader h;
    if (CheckRecord(data.substr(p), max_record_bytes, &h) != RecordCheck::kOk) {
      continue;
    }
    if (h.seq == start_seq + 1 && h.prev == start_chain) {
      *after_snapshot = true;
      return p;
    }
    if (h.seq == start_seq && h.checksum == start_chain) {
      *after_snapshot = false;
      return p;
    }
  }
  return std::nullopt;
}

uint64_t LastNonZero(absl::string_view data, uint64_t from) {
  for (uint64_t i = data.size(); i > from; --i) {
    if (data[i - 1] != 0) return i;
  }
  return from;
}

}  // namespace

std::string JournalDamage::Describe() const {
  std::string s = absl::StrCat(file, " offset ", offset, " (expected seq ",
                               expected_seq, "): ", reason);
  if (records_after > 0) {
    absl::StrAppend(&s, "; ", records_after, " valid record(s) follow");
  }
  if (durable_after) {
    absl::StrAppend(&s, ", including durable ", durable_where);
  }
  return s;
}

absl::StatusOr<std::vector<SegmentFile>> ListSegments(Env* env,
                                                      const std::string& dir) {
  STATELOG_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
  std::vector<SegmentFile> segments;
  for (std::string& name : names) {
    if (std::optional<uint64_t> seq = ParseSegmentFileName(name)) {
      segments.push_back(SegmentFile{std::move(name), *seq});
    }
  }
  std::sort(segments.begin(), segments.end(),
            [](const SegmentFile& a, const SegmentFile& b) {
              return a.first_seq < b.first_seq;
            });
  return segments;
}

absl::StatusOr<JournalReadResult> ReadJournal(
    Env* env, const std::string& dir, absl::string_view store_id,
    uint64_t start_seq, uint64_t start_chain, uint64_t max_record_bytes,
    const RecordFn& fn, uint64_t stop_after_seq, RecordPlace* place) {
  STATELOG_ASSIGN_OR_RETURN(std::vector<SegmentFile> segments,
                            ListSegments(env, dir));
  JournalReadResult result;
  result.last_seq = start_seq;
  result.last_chain = start_chain;
  if (segments.empty()) return result;

  size_t first = segments.size();
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].first_seq <= start_seq + 1) first = i;
  }
  if (first == segments.size()) {
    return absl::DataLossError(
        absl::StrCat("journal gap: the snapshot covers through seq ", start_seq,
                     " but the oldest segment ", segments[0].name,
                     " starts at seq ", segments[0].first_seq));
  }

  uint64_t expected = segments[first].first_seq;
  uint64_t chain = 0;
  size_t damaged_index = 0;
  // (seq, segment, offset) of the records above the newest watermark
  // seen; watermarks never decrease, so the front is the first unproven.
  // A writer may leave a segment unsynced (journal_writer.h), so they can
  // begin in a segment before the tail.
  struct Unproven {
    uint64_t seq;
    size_t segment;
    uint64_t offset;
  };
  std::deque<Unproven> unproven;
  // Where the records of each segment read end, by index in `segments`.
  std::vector<uint64_t> records_end(segments.size(), kSegmentHeaderSize);
  for (size_t i = first; i < segments.size() && !result.damage; ++i) {
    const std::string& name = segments[i].name;
    STATELOG_ASSIGN_OR_RETURN(std::unique_ptr<FileContents> contents,
                              env->ReadWhole(JoinPath(dir, name)));
    const absl::string_view data = contents->data();
    ++result.segments_read;

    JournalDamage damage;
    damage.file = name;
    damage.expected_seq = expected;
    absl::StatusOr<SegmentHeader> header = DecodeSegmentHeader(data, name);
    if (header.ok() && header->store_id != store_id) {
      return absl::DataLossError(
          absl::StrCat(name, ": segment ", kOfAnotherStore));
    }
    if (!header.ok() && !absl::IsDataLoss(header.status())) {
      return header.status();
    }
    if (!header.ok()) {
      damage.reason = std::string(header.status().message());
    } else if (header->first_seq != segments[i].first_seq) {
      damage.reason = absl::StrCat("header says first seq ", header->first_seq,
                                   ", name says ", segments[i].first_seq);
    } else if (i > first &&
               (header->first_seq != expected || header->chain_in != chain)) {
      damage.reason = absl::StrCat(
          "segment does not continue the previous one (it starts at seq ",
          header->first_seq, " after chain ", ChecksumHex(header->chain_in),
          "; the records before it end at seq ", expected - 1, ", chain ",
          ChecksumHex(chain), ")");
    } else if (i == first && header->first_seq == start_seq + 1 &&
               header->chain_in != start_chain) {
      return absl::DataLossError(
          absl::StrCat(name, ": the chain its header starts from ",
                       kContradictsTheSnapshot, " at seq ", start_seq));
    }
    if (!damage.reason.empty()) {
      damage.offset = 0;
      SearchAfterDamage(data, 1, name, max_record_bytes, &damage);
      result.damage = std::move(damage);
      result.files_after_damage.push_back(name);
      damaged_index = i;
      continue;
    }

    chain = header->chain_in;
    result.tail_file = name;
    result.tail_first_seq = header->first_seq;
    result.tail_size = data.size();
    uint64_t offset = kSegmentHeaderSize;
    while (true) {
      RecordHeader h;
      absl::string_view rest = absl::string_view(data).substr(offset);
      RecordCheck check = CheckRecord(rest, max_record_bytes, &h);
      if (check == RecordCheck::kZero) {
        if (IsAllZero(rest)) break;  // clean end of this segment
        damage.reason = "zero record header followed by nonzero bytes";
      } else if (check != RecordCheck::kOk) {
        damage.reason = RecordCheckName(check);
      } else if (h.seq != expected) {
        damage.reason = absl::StrCat("sequence number ", h.seq);
      } else if (h.prev != chain) {
        damage.reason = "chain broken: record does not follow its predecessor";
      }
      if (!damage.reason.empty() && expected <= start_seq) {
        // The snapshot covers the damaged record, so the state needs
        // nothing from here to the snapshot's edge; found by its chain
        // value, reading goes on there. Without it, this is damage as any.
        bool after_snapshot = false;
        if (const std::optional<uint64_t> edge =
                FindSnapshotEdge(data, offset + 1, start_seq, start_chain,
                                 max_record_bytes, &after_snapshot)) {
          damage.offset = offset;
          damage.expected_seq = expected;
          result.covered_damage = damage.Describe();
          result.covered_file = name;
          result.covered_offset = offset;
          result.covered_end = *edge;
          damage.reason.clear();
          offset = *edge;
          expected = after_snapshot ? start_seq + 1 : start_seq;
          chain = after_snapshot
                      ? start_chain
                      : DecodeRecordHeader(data.data() + offset).prev;
          // Records before the edge are the snapshot's: none is left to
          // prove durable.
          unproven.clear();
          continue;
        }
      }
      if (!damage.reason.empty()) {
        damage.offset = offset;
        damage.expected_seq = expected;
        SearchAfterDamage(data, offset + 1, name, max_record_bytes, &damage);
        result.tail_dirty_end = LastNonZero(data, offset);
        result.damage = std::move(damage);
        damaged_index = i;
        break;
      }
      const bool known =
          h.type == static_cast<uint8_t>(RecordType::kTransaction);
      if (!known && (h.type & kRecordTypeIgnorableBit) == 0) {
        return NewerFormatError(absl::StrCat(name, " offset ", offset, " seq ",
                                             h.seq, ": unknown record type ",
                                             h.type));
      }
      if (h.seq < start_seq) {
        ++result.records_skipped;
      } else if (h.seq == start_seq) {
        ++result.records_skipped;
        if (h.checksum != start_chain) {
          return absl::DataLossError(absl::StrCat(name, " offset ", offset,
                                                  " seq ", h.seq, ": record ",
                                                  kContradictsTheSnapshot));
        }
      } else {
        if (known) {
          if (place != nullptr) {
            if (place->segment != name) place->segment = name;
            place->offset = offset;
          }
          absl::Status applied =
              fn(h, rest.substr(kRecordHeaderSize, h.length));
          if (!applied.ok()) {
            return absl::Status(applied.code(),
                                absl::StrCat(name, " offset ", offset, " seq ",
                                             h.seq, ": ", applied.message()));
          }
        }
        result.last_seq = h.seq;
        result.last_chain = h.checksum;
        if (h.seq >= stop_after_seq) return result;
      }
      chain = h.checksum;
      ++expected;
      unproven.push_back(Unproven{h.seq, i, offset});
      while (!unproven.empty() && unproven.front().seq <= h.durable) {
        unproven.pop_front();
      }
      offset += kRecordHeaderSize + h.length;
    }
    records_end[i] = offset;
    result.tail_offset = offset;
    result.tail_unproven_offset = offset;
    result.journal_next_seq = expected;
    result.unproven_before_tail.clear();
    if (!unproven.empty()) {
      const Unproven& front = unproven.front();
      for (size_t j = front.segment; j < i; ++j) {
        result.unproven_before_tail.push_back(UnprovenRange{
            segments[j].name,
            j == front.segment ? front.offset : kSegmentHeaderSize,
            records_end[j]});
      }
      result.tail_unproven_offset =
          front.segment == i ? front.offset : kSegmentHeaderSize;
    }
  }

  // Every segment after the damaged one is only evidence now.
  if (result.damage) {
    for (size_t i = damaged_index + 1; i < segments.size(); ++i) {
      const std::string& name = segments[i].name;
      STATELOG_ASSIGN_OR_RETURN(std::unique_ptr<FileContents> contents,
                                env->ReadWhole(JoinPath(dir, name)));
      SearchAfterDamage(contents->data(), 0, name, max_record_bytes,
                        &*result.damage);
      result.files_after_damage.push_back(name);
    }
  }
  return result;
}

}  // namespace statelog::internal
