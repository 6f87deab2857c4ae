// recovery/recovery_report.cc
//
// The JSON form of RecoveryReport (the recovery-report.json file).

#include "statelog/recovery_report.h"

#include "absl/time/time.h"
#include "util/time_format.h"

namespace statelog {

const char* RecoveryModeName(RecoveryMode mode) {
  switch (mode) {
    case RecoveryMode::kStrict:
      return "strict";
    case RecoveryMode::kTolerateTornTail:
      return "tolerate_torn_tail";
    case RecoveryMode::kPointInTime:
      return "point_in_time";
  }
  return "unknown";
}

nlohmann::json RecoveryReport::ToJson() const {
  nlohmann::json tried = nlohmann::json::array();
  for (const SnapshotAttempt& a : snapshots_tried) {
    nlohmann::json j = {{"file", a.file}, {"seq", a.seq}, {"used", a.used}};
    if (!a.error.empty()) j["error"] = a.error;
    tried.push_back(std::move(j));
  }
  nlohmann::json quarantine = nlohmann::json::array();
  for (const QuarantineEntry& q : quarantined) {
    quarantine.push_back({{"file", q.file},
                          {"source", q.source},
                          {"offset", q.offset},
                          {"bytes", q.bytes},
                          {"reason", q.reason}});
  }
  nlohmann::json j = {
      {"mode", RecoveryModeName(mode)},
      {"read_only", read_only},
      {"created", created},
      {"snapshot_used", snapshot_used},
      {"snapshot_seq", snapshot_seq},
      {"snapshots_tried", std::move(tried)},
      {"segments_read", segments_read},
      {"records_replayed", records_replayed},
      {"records_skipped", records_skipped},
      {"last_seq", last_seq},
      {"damage", damage},
      {"covered_damage", covered_damage},
      {"records_lost", records_lost},
      {"quarantined", std::move(quarantine)},
      {"removed_temp_files", removed_temp_files},
      {"started_at", internal::FormatUtc(started_at)},
      {"elapsed_ms", absl::ToDoubleMilliseconds(elapsed)},
  };
  return j;
}

}  // namespace statelog
