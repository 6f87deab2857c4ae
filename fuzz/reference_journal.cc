// fuzz/reference_journal.cc

#include "fuzz/reference_journal.h"

#include <algorithm>
#include <utility>

#include "util/checksum.h"
#include "util/file_names.h"

namespace statelog::fuzz {
namespace {

constexpr size_t kHeaderBytes = 64;
constexpr size_t kRecordHeaderBytes = 40;
constexpr uint64_t kMaxPayload = uint64_t{1} << 30;
constexpr uint8_t kTransactionType = 1;
constexpr uint8_t kIgnorableBit = 0x80;

uint64_t Load(absl::string_view bytes, size_t at, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) {
    v = (v << 8) | static_cast<uint8_t>(bytes[at + i]);
  }
  return v;
}

bool AllZero(absl::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

// The record starting at `at`, if it is whole and its checksum, reserved
// bytes and length are right; its place in the chain is not checked.
bool SelfConsistentRecord(absl::string_view data, size_t at, RefRecord* out) {
  if (data.size() < at || data.size() - at < kRecordHeaderBytes) return false;
  const uint64_t length = Load(data, at + 32, 4);
  const uint64_t room = data.size() - at - kRecordHeaderBytes;
  if (length > room || length > kMaxPayload) return false;
  if (data[at + 37] != 0 || data[at + 38] != 0 || data[at + 39] != 0) {
    return false;
  }
  absl::string_view covered =
      data.substr(at + 8, kRecordHeaderBytes - 8 + length);
  if (AllZero(data.substr(at, kRecordHeaderBytes))) return false;
  const uint64_t checksum = Load(data, at, 8);
  if (internal::Checksum(covered) != checksum) return false;
  out->offset = at;
  out->checksum = checksum;
  out->prev = Load(data, at + 8, 8);
  out->seq = Load(data, at + 16, 8);
  out->durable = Load(data, at + 24, 8);
  out->type = static_cast<uint8_t>(data[at + 36]);
  out->payload = std::string(data.substr(at + kRecordHeaderBytes, length));
  return true;
}

// The evidence rule of docs/recovery.md ("Torn tail or mid-log
// corruption?"): a self-consistent record after the damage whose watermark
// reaches the damaged sequence number. As the reader does, only records
// numbered within 2^32 of the damaged one count, and the scan resumes after
// each record found (a record inside another's payload is not evidence).
void SearchAfterDamage(absl::string_view data, size_t from, RefJournal* j) {
  const uint64_t low = j->damage_seq;
  const uint64_t high = low + (uint64_t{1} << 32);
  for (size_t p = from; p + kRecordHeaderBytes <= data.size(); ++p) {
    RefRecord r;
    if (!SelfConsistentRecord(data, p, &r)) continue;
    if (r.seq < low || r.seq >= high) continue;
    ++j->records_after;
    if (r.durable >= low) j->durable_after = true;
    p += kRecordHeaderBytes + r.payload.size() - 1;
  }
}

struct Segment {
  uint64_t first_seq;
  const std::string* name;
  const std::string* data;
};

}  // namespace

RefJournal ReadReferenceJournal(const std::map<std::string, std::string>& files,
                                absl::string_view store_id, uint64_t start_seq,
                                uint64_t start_chain) {
  RefJournal j;
  j.last_seq = start_seq;
  j.last_chain = start_chain;
  std::vector<Segment> segments;
  for (const auto& [name, data] : files) {
    if (auto seq = internal::ParseSegmentFileName(name)) {
      segments.push_back(Segment{*seq, &name, &data});
    }
  }
  // Names of equal numbers cannot occur (the number is the whole name).
  std::sort(segments.begin(), segments.end(),
            [](const Segment& a, const Segment& b) {
              return a.first_seq < b.first_seq;
            });
  if (segments.empty()) return j;

  // The segment holding the record after the snapshot: the last one that
  // starts at or before it.
  size_t first = segments.size();
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].first_seq <= start_seq + 1) first = i;
  }
  if (first == segments.size()) {
    j.hard_error = true;
    j.hard_error_why = "journal gap after the snapshot";
    return j;
  }

  uint64_t expected = segments[first].first_seq;
  uint64_t chain = 0;
  size_t i = first;
  for (; i < segments.size(); ++i) {
    const std::string& name = *segments[i].name;
    absl::string_view data = *segments[i].data;
    j.damage_file = name;
    j.damage_seq = expected;

    bool header_ok =
        data.size() >= kHeaderBytes && data.substr(0, 8) == "STLGJRN1" &&
        internal::Checksum(data.substr(0, 56)) == Load(data, 56, 8);
    if (header_ok) {
      if (Load(data, 8, 4) != 1 || Load(data, 12, 4) != kHeaderBytes ||
          Load(data, 48, 8) != 0) {
        j.hard_error = true;
        j.hard_error_why = name + ": unsupported segment version";
        return j;
      }
      if (data.substr(16, 16) != store_id) {
        j.hard_error = true;
        j.hard_error_why = name + ": segment of another store";
        return j;
      }
    }
    const uint64_t first_seq = header_ok ? Load(data, 32, 8) : 0;
    const uint64_t chain_in = header_ok ? Load(data, 40, 8) : 0;
    const bool continues =
        header_ok && first_seq == segments[i].first_seq &&
        (i == first || (first_seq == expected && chain_in == chain));
    if (!continues) {
      j.damaged = true;
      j.damage_offset = 0;
      SearchAfterDamage(data, 1, &j);
      break;
    }
    if (i == first && first_seq == start_seq + 1 && chain_in != start_chain) {
      j.hard_error = true;
      j.hard_error_why = name + ": chain-in contradicts the snapshot";
      return j;
    }

    chain = chain_in;
    j.tail_file = name;
    size_t offset = kHeaderBytes;
    while (true) {
      absl::string_view rest = data.substr(offset);
      if (AllZero(rest)) break;  // end of log, zeros to the end of the file
      RefRecord r;
      const bool valid = SelfConsistentRecord(data, offset, &r) &&
                         r.seq == expected && r.prev == chain;
      if (!valid && expected <= start_seq) {
        // Covered by the snapshot: on at the record after the snapshot, or
        // the snapshot's own, whichever the chain shows first.
        size_t edge = offset + 1;
        RefRecord e;
        for (; edge + kRecordHeaderBytes <= data.size(); ++edge) {
          if (!SelfConsistentRecord(data, edge, &e)) continue;
          if ((e.seq == start_seq + 1 && e.prev == start_chain) ||
              (e.seq == start_seq && e.checksum == start_chain)) {
            break;
          }
        }
        if (edge + kRecordHeaderBytes <= data.size()) {
          j.covered_damage = true;
          offset = edge;
          expected = e.seq;
          chain = e.prev;
          continue;
        }
      }
      if (!valid) {
        j.damaged = true;
        j.damage_offset = offset;
        j.damage_seq = expected;
        SearchAfterDamage(data, offset + 1, &j);
        break;
      }
      if (r.type != kTransactionType && (r.type & kIgnorableBit) == 0) {
        j.hard_error = true;
        j.hard_error_why = name + ": unknown record type";
        return j;
      }
      if (r.seq == start_seq && r.checksum != start_chain) {
        j.hard_error = true;
        j.hard_error_why = name + ": record contradicts the snapshot's chain";
        return j;
      }
      if (r.seq > start_seq) {
        j.last_seq = r.seq;
        j.last_chain = r.checksum;
      }
      chain = r.checksum;
      ++expected;
      offset += kRecordHeaderBytes + r.payload.size();
      r.file = name;
      j.records.push_back(std::move(r));
    }
    j.tail_offset = offset;
    if (j.damaged) break;
    j.next_seq = expected;
  }
  if (j.damaged) {
    for (++i; i < segments.size(); ++i) {
      SearchAfterDamage(*segments[i].data, 0, &j);
    }
  }
  return j;
}

}  // namespace statelog::fuzz
