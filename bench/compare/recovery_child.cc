// bench/compare/recovery_child.cc
//
// The child modes of statelog_compare (see recovery_race.h). Each runs in a
// fresh process, so the heap starts empty and peak RSS is the mode's own.

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "bench/compare/contestant.h"
#include "bench/compare/recovery_race.h"
#include "bench/compare/sqlite_util.h"
#include "bench/workload.h"
#include "statelog/store.h"

namespace statelog::bench {
namespace {

// VmHWM: the peak RSS of this process image (since exec).
uint64_t PeakRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "child: %s\n", s.ToString().c_str());
  return 1;
}

// Open until ready to read (Store::Open and one Get, which parses just the
// member it reads), then, unless `compact`, a Read of the whole state
// (which builds the whole tree). With `compact`: one Apply and a Compact
// after the ready point instead.
int OpenStatelog(const std::string& dir, bool compact) {
  const Clock::time_point start = Clock::now();
  absl::StatusOr<OpenResult> opened = Store::Open(dir, Options());
  if (!opened.ok()) return Fail(opened.status());
  // The replay-only stores have no such key: NotFound is an answer too.
  absl::Status s = opened->store->Get("/" + KeyName(0)).status();
  if (!s.ok() && !absl::IsNotFound(s)) return Fail(s);
  const double ready_seconds = Since(start);
  const uint64_t ready_rss_kb = PeakRssKb();
  size_t keys = 0;
  if (compact) {
    // A fresh record makes the state newer than the snapshot, so Compact
    // writes one.
    s = opened->store->Apply(Transaction().Set("/compacted", true)).status();
    if (s.ok()) s = opened->store->Compact();
  } else {
    s = opened->store->Read(
        [&](const Json& state, uint64_t) { keys = state.size(); });
  }
  if (!s.ok()) return Fail(s);
  const Json line = {
      {"seconds", Since(start)},
      {"ready_seconds", ready_seconds},
      {"keys", keys},
      {"records_replayed", opened->report.records_replayed},
      {"report_seconds", absl::ToDoubleSeconds(opened->report.elapsed)},
      {"ready_rss_kb", ready_rss_kb},
      {"peak_rss_kb", PeakRssKb()}};
  std::printf("%s\n", line.dump().c_str());
  return 0;
}

int ReadSqlite(const std::string& path) {
  const Clock::time_point start = Clock::now();
  SqliteDb db;
  std::vector<std::pair<std::string, std::string>> rows;
  absl::Status s = db.Open(path);
  if (s.ok()) s = db.ReadAll(&rows);
  if (!s.ok()) return Fail(s);
  const Json line = {{"seconds", Since(start)},
                     {"rows", rows.size()},
                     {"peak_rss_kb", PeakRssKb()}};
  std::printf("%s\n", line.dump().c_str());
  return 0;
}

}  // namespace

int RunChild(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s %s MODE PATH\n", argv[0], kChildFlag);
    return 2;
  }
  const std::string mode = argv[2];
  const std::string path = argv[3];
  if (mode == "open-statelog") return OpenStatelog(path, false);
  if (mode == "compact-statelog") return OpenStatelog(path, true);
  if (mode == "read-sqlite") return ReadSqlite(path);
  std::fprintf(stderr, "unknown child mode %s\n", mode.c_str());
  return 2;
}

}  // namespace statelog::bench
