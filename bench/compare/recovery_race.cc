// bench/compare/recovery_race.cc

#include "bench/compare/recovery_race.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "bench/compare/child_process.h"
#include "bench/compare/contestant.h"
#include "bench/compare/sqlite_util.h"
#include "bench/recovery_store.h"
#include "statelog/store.h"

namespace statelog::bench {
namespace {

// The same data: `keys` rows, then the same `tail` updates.
absl::Status BuildSqlite(const std::string& path, int keys, int tail) {
  SqliteDb db;
  absl::Status s = db.Open(path);
  if (s.ok()) s = CreateKeyValueTable(&db, keys);
  sqlite3_stmt* upsert = nullptr;
  if (s.ok()) s = db.Prepare(kUpsertSql, &upsert);
  KeyPicker picker(kRecoveryTailSeed);
  for (int j = 0; s.ok() && j < tail; ++j) {
    s = db.Upsert(upsert, KeyName(picker.Next(keys)),
                  SmallValue(keys + j).dump());
  }
  if (upsert != nullptr) db.Finalize(&upsert);
  if (s.ok()) s = db.Close();
  return s;
}

// An empty snapshot and `records` small records.
absl::Status BuildReplay(const std::string& dir, int records) {
  absl::StatusOr<std::unique_ptr<Store>> store = BuildSetupStore(dir);
  if (!store.ok()) return store.status();
  absl::Status s;
  for (int i = 0; s.ok() && i < records; ++i) {
    s = (*store)
            ->Apply(Transaction().Set(KeyPointer(i % 1000), SmallValue(i)))
            .status();
  }
  if (s.ok()) s = (*store)->Sync();
  return s;
}

uint64_t NewestSnapshotBytes(const std::string& dir) {
  uint64_t bytes = 0;
  std::string newest;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("snapshot-", 0) == 0 && name > newest) {
      newest = name;
      bytes = entry.file_size();
    }
  }
  return bytes;
}

absl::StatusOr<Json> RunChildMode(const std::string& mode,
                                  const std::string& path,
                                  uint64_t* peak_rss_kb) {
  absl::StatusOr<ChildRun> run = RunSelf({kChildFlag, mode, path});
  if (!run.ok()) return run.status();
  Json line = Json::parse(run->output, nullptr, /*allow_exceptions=*/false);
  if (!line.is_object() || !line.contains("seconds") ||
      !line.contains("peak_rss_kb")) {
    return absl::InternalError("child " + mode + " printed " + run->output);
  }
  *peak_rss_kb = line["peak_rss_kb"].get<uint64_t>();
  return line;
}

absl::Status Race(const std::string& dir, const RecoverySpec& spec,
                  RecoveryResults* out) {
  const std::string statelog_dir = dir + "/statelog";
  const std::string sqlite_path = dir + "/sqlite.db";
  const std::string replay_dir = dir + "/replay";
  const std::string empty_dir = dir + "/empty";
  std::fprintf(stderr, "recovery: building %d keys + %d-record tail...\n",
               spec.keys, spec.tail_records);
  absl::Status s =
      BuildRecoveryStore(statelog_dir, spec.keys, spec.tail_records);
  if (s.ok()) s = BuildSqlite(sqlite_path, spec.keys, spec.tail_records);
  if (s.ok()) s = BuildReplay(replay_dir, spec.replay_records);
  if (s.ok()) s = BuildReplay(empty_dir, 0);
  if (!s.ok()) return s;
  out->snapshot_bytes = NewestSnapshotBytes(statelog_dir);

  for (int r = 0; r < spec.rounds; ++r) {
    RecoveryRound round;
    uint64_t ignored;
    auto run_statelog = [&]() -> absl::Status {
      absl::StatusOr<Json> j =
          RunChildMode("open-statelog", statelog_dir, &round.statelog_rss_kb);
      if (!j.ok()) return j.status();
      round.statelog_seconds = (*j)["seconds"].get<double>();
      round.ready_seconds = (*j)["ready_seconds"].get<double>();
      round.ready_rss_kb = (*j)["ready_rss_kb"].get<uint64_t>();
      round.records_replayed = (*j)["records_replayed"].get<uint64_t>();
      return absl::OkStatus();
    };
    auto run_sqlite = [&]() -> absl::Status {
      absl::StatusOr<Json> j =
          RunChildMode("read-sqlite", sqlite_path, &round.sqlite_rss_kb);
      if (!j.ok()) return j.status();
      round.sqlite_seconds = (*j)["seconds"].get<double>();
      return absl::OkStatus();
    };
    // Alternate who goes first, so neither always inherits the other's
    // effect on the page cache and the CPU caches.
    s = r % 2 == 0 ? run_statelog() : run_sqlite();
    if (s.ok()) s = r % 2 == 0 ? run_sqlite() : run_statelog();
    if (!s.ok()) return s;
    // The replay rate is the difference an empty journal makes, so that
    // the fixed cost of an open (lock, listing, the report's fsyncs) is not
    // charged to the records.
    absl::StatusOr<Json> j =
        RunChildMode("open-statelog", replay_dir, &ignored);
    if (!j.ok()) return j.status();
    round.replay_seconds = (*j)["seconds"].get<double>();
    j = RunChildMode("open-statelog", empty_dir, &ignored);
    if (!j.ok()) return j.status();
    round.empty_seconds = (*j)["seconds"].get<double>();
    out->rounds.push_back(round);
    std::fprintf(stderr,
                 "recovery round %d: statelog ready %.3f s, whole %.3f s, "
                 "sqlite %.3f s, replay %.3f s, empty %.3f s\n",
                 r + 1, round.ready_seconds, round.statelog_seconds,
                 round.sqlite_seconds, round.replay_seconds,
                 round.empty_seconds);
  }
  absl::StatusOr<Json> j =
      RunChildMode("compact-statelog", statelog_dir, &out->compact_rss_kb);
  if (!j.ok()) return j.status();
  out->compact_seconds =
      (*j)["seconds"].get<double>() - (*j)["ready_seconds"].get<double>();
  return absl::OkStatus();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Target 8: `statelog apply` of one merge patch to the big store (compacted:
// a snapshot of `keys` keys), against the floor of a short-lived process
// that appends 128 bytes and fdatasyncs (dd, in the same directory), run
// alternately.
absl::Status ProcessRace(const std::string& dir, int rounds,
                         RecoveryResults* out) {
  const std::string store = dir + "/statelog";
  const std::string merge = dir + "/merge.jsonl";
  const std::string floor = dir + "/floor.bin";
  {
    std::ofstream m(merge);
    m << R"({"merge":{"hook":{"step":1,"status":"done"}}})"
      << "\n";
  }
  const std::vector<std::string> apply = {STATELOG_CLI_PATH, "apply", store};
  const std::vector<std::string> dd = {"dd",
                                       "if=/dev/zero",
                                       "of=" + floor,
                                       "bs=128",
                                       "count=1",
                                       "oflag=append",
                                       "conv=notrunc,fdatasync",
                                       "status=none"};
  constexpr int kRuns = 11;
  for (int r = 0; r < rounds; ++r) {
    std::vector<double> applies, floors;
    for (int i = 0; i < kRuns; ++i) {
      const bool apply_first = (i + r) % 2 == 0;
      for (int k = 0; k < 2; ++k) {
        const bool is_apply = (k == 0) == apply_first;
        absl::StatusOr<double> t = TimeProgram(is_apply ? apply : dd, merge);
        if (!t.ok()) return t.status();
        (is_apply ? applies : floors).push_back(*t);
      }
    }
    ProcessRound round{Median(applies), Median(floors)};
    out->process_rounds.push_back(round);
    std::fprintf(stderr,
                 "short-process round %d: statelog apply %.1f ms, floor "
                 "(dd conv=fdatasync) %.1f ms\n",
                 r + 1, round.apply_seconds * 1e3, round.floor_seconds * 1e3);
  }
  return absl::OkStatus();
}

}  // namespace

RecoveryResults RunRecoveryRace(const std::string& dir,
                                const RecoverySpec& spec) {
  RecoveryResults out;
  out.keys = spec.keys;
  out.tail_records = spec.tail_records;
  out.replay_records = spec.replay_records;
  absl::Status s = Race(dir, spec, &out);
  if (!s.ok()) out.error = s.ToString();
  if (s.ok()) s = ProcessRace(dir, spec.rounds, &out);
  if (!s.ok() && out.process_error.empty()) out.process_error = s.ToString();
  return out;
}

}  // namespace statelog::bench
