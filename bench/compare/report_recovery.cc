// bench/compare/report_recovery.cc
//
// The recovery race's table and JSON line.

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "bench/compare/report.h"

namespace statelog::bench {
namespace {

Spread Over(const RecoveryResults& r,
            const std::function<double(const RecoveryRound&)>& fn) {
  std::vector<double> values;
  for (const RecoveryRound& round : r.rounds) values.push_back(fn(round));
  return SpreadOf(std::move(values));
}

double Mb(uint64_t kb) { return kb / 1024.0; }

}  // namespace

// Per-round figures the table, the JSON line and the targets share.
Spread RecoveryRatio(const RecoveryResults& r) {
  return Over(r, [](const RecoveryRound& x) {
    return x.sqlite_seconds > 0 ? x.ready_seconds / x.sqlite_seconds : 0;
  });
}
Spread WholeReadRatio(const RecoveryResults& r) {
  return Over(r, [](const RecoveryRound& x) {
    return x.sqlite_seconds > 0 ? x.statelog_seconds / x.sqlite_seconds : 0;
  });
}
Spread ReplayRate(const RecoveryResults& r) {
  return Over(r, [&](const RecoveryRound& x) {
    const double replay = x.replay_seconds - x.empty_seconds;
    return replay > 0 ? r.replay_records / replay : 0;
  });
}
Spread PeakRssOverSnapshot(const RecoveryResults& r) {
  return Over(r, [&](const RecoveryRound& x) {
    const double peak_kb = std::max<double>(x.ready_rss_kb, r.compact_rss_kb);
    return r.snapshot_bytes > 0 ? peak_kb * 1024 / r.snapshot_bytes : 0;
  });
}
Spread WholeRssOverSnapshot(const RecoveryResults& r) {
  return Over(r, [&](const RecoveryRound& x) {
    return r.snapshot_bytes > 0
               ? double(x.statelog_rss_kb) * 1024 / r.snapshot_bytes
               : 0;
  });
}

Spread ApplyOverProcessFloor(const RecoveryResults& r) {
  std::vector<double> values;
  for (const ProcessRound& p : r.process_rounds) {
    values.push_back(p.floor_seconds > 0 ? p.apply_seconds / p.floor_seconds
                                         : 0);
  }
  return SpreadOf(std::move(values));
}

void PrintRecoveryTable(const RecoveryResults& r, std::ostream& out) {
  if (!r.error.empty()) {
    out << "recovery race failed: " << r.error << "\n";
    return;
  }
  const std::string data = std::to_string(r.keys) + " keys + " +
                           std::to_string(r.tail_records) + "-record tail";
  out << "| measure | median (range) |\n|---|---:|\n"
      << "| statelog Store::Open + one Get, ready to read (" << data
      << "), s | "
      << FormatSpread(Over(r, [](auto& x) { return x.ready_seconds; }), 3)
      << " |\n"
      << "| statelog Store::Open + Read of the whole state, s | "
      << FormatSpread(Over(r, [](auto& x) { return x.statelog_seconds; }), 3)
      << " |\n"
      << "| SQLite open + read all rows (same data), s | "
      << FormatSpread(Over(r, [](auto& x) { return x.sqlite_seconds; }), 3)
      << " |\n"
      << "| statelog ready ÷ SQLite (per round) | "
      << FormatSpread(RecoveryRatio(r), 2) << " |\n"
      << "| statelog whole state ÷ SQLite (per round) | "
      << FormatSpread(WholeReadRatio(r), 2) << " |\n"
      << "| Store::Open of an empty store, s | "
      << FormatSpread(Over(r, [](auto& x) { return x.empty_seconds; }), 3)
      << " |\n"
      << "| Store::Open of " << r.replay_records
      << " records on an empty snapshot, s | "
      << FormatSpread(Over(r, [](auto& x) { return x.replay_seconds; }), 3)
      << " |\n"
      << "| replay rate (the difference), records/s | "
      << FormatSpread(ReplayRate(r), 0) << " |\n"
      << "| statelog peak RSS, open until ready, MB | "
      << FormatSpread(Over(r, [](auto& x) { return Mb(x.ready_rss_kb); }), 1)
      << " |\n"
      << "| statelog peak RSS, open + Read of the whole state, MB | "
      << FormatSpread(Over(r, [](auto& x) { return Mb(x.statelog_rss_kb); }), 1)
      << " |\n"
      << "| SQLite peak RSS, open + read, MB | "
      << FormatSpread(Over(r, [](auto& x) { return Mb(x.sqlite_rss_kb); }), 1)
      << " |\n"
      << "| statelog peak RSS, open + Compact, MB | " << Mb(r.compact_rss_kb)
      << " |\n"
      << "| statelog Compact (after open), s | " << r.compact_seconds << " |\n"
      << "| snapshot size, MB | " << r.snapshot_bytes / 1048576.0 << " |\n"
      << "| peak RSS (ready, and + Compact) ÷ snapshot size | "
      << FormatSpread(PeakRssOverSnapshot(r), 2) << " |\n"
      << "| peak RSS with the whole state read ÷ snapshot size | "
      << FormatSpread(WholeRssOverSnapshot(r), 2) << " |\n";
  if (!r.process_error.empty()) {
    out << "\nshort-process race failed: " << r.process_error << "\n";
    return;
  }
  std::vector<double> apply, floor;
  for (const ProcessRound& p : r.process_rounds) {
    apply.push_back(p.apply_seconds * 1e3);
    floor.push_back(p.floor_seconds * 1e3);
  }
  out << "| `statelog apply` of one merge patch to that store, ms | "
      << FormatSpread(SpreadOf(apply), 1) << " |\n"
      << "| floor: a process appending 128 B + fdatasync (dd), ms | "
      << FormatSpread(SpreadOf(floor), 1) << " |\n"
      << "| apply ÷ floor (per round) | "
      << FormatSpread(ApplyOverProcessFloor(r), 2) << " |\n";
}

void PrintRecoveryJson(const RecoveryResults& r, std::ostream& out) {
  Json line = {{"table", "recovery"},
               {"keys", r.keys},
               {"tail_records", r.tail_records},
               {"replay_records", r.replay_records}};
  if (!r.error.empty()) {
    line["error"] = r.error;
  } else {
    line["statelog_ready_s"] =
        SpreadJson(Over(r, [](auto& x) { return x.ready_seconds; }));
    line["statelog_open_read_whole_s"] =
        SpreadJson(Over(r, [](auto& x) { return x.statelog_seconds; }));
    line["sqlite_open_read_s"] =
        SpreadJson(Over(r, [](auto& x) { return x.sqlite_seconds; }));
    line["statelog_over_sqlite"] = SpreadJson(RecoveryRatio(r));
    line["statelog_whole_over_sqlite"] = SpreadJson(WholeReadRatio(r));
    line["empty_open_s"] =
        SpreadJson(Over(r, [](auto& x) { return x.empty_seconds; }));
    line["replay_open_s"] =
        SpreadJson(Over(r, [](auto& x) { return x.replay_seconds; }));
    line["replay_records_per_s"] = SpreadJson(ReplayRate(r));
    line["statelog_ready_rss_kb"] =
        SpreadJson(Over(r, [](auto& x) { return double(x.ready_rss_kb); }));
    line["statelog_rss_kb"] =
        SpreadJson(Over(r, [](auto& x) { return double(x.statelog_rss_kb); }));
    line["sqlite_rss_kb"] =
        SpreadJson(Over(r, [](auto& x) { return double(x.sqlite_rss_kb); }));
    line["compact_rss_kb"] = r.compact_rss_kb;
    line["compact_s"] = r.compact_seconds;
    line["snapshot_bytes"] = r.snapshot_bytes;
    line["peak_rss_over_snapshot"] = SpreadJson(PeakRssOverSnapshot(r));
    line["whole_rss_over_snapshot"] = SpreadJson(WholeRssOverSnapshot(r));
    if (r.process_error.empty()) {
      line["apply_over_process_floor"] = SpreadJson(ApplyOverProcessFloor(r));
    } else {
      line["process_error"] = r.process_error;
    }
  }
  out << line.dump() << "\n";
}

}  // namespace statelog::bench
