// bench/compare.cc
//
// statelog_compare: races statelog against the floor (write + fdatasync of
// a 128-byte append), the rewrite-the-whole-file pattern, SQLite and LevelDB
// (and, as the bound of a durable single writer, a pwrite + fdatasync of
// a 190-byte record into a preallocated file: floor-prealloc) on one
// workload (K keys, each update sets one key to a ~100-byte JSON
// value; 1 and 8 threads) in one directory on the real disk, interleaved
// and repeated, then races recovery. Prints markdown tables and one JSON
// line per row to stdout; progress goes to stderr.
//
//   statelog_compare [--quick | --full] [--dir BASE] [--keep]
//                    [--rounds N] [--seconds S] [--keys 1000,100000]
//                    [--threads 1,8] [--only NAME,...] [--no-recovery]
//                    [--nice N]
//
// Every contestant run is preceded by its own floor run (the paired floor);
// ratios are taken per round and summarized as median (range).

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "bench/compare/contestant.h"
#include "bench/compare/driver.h"
#include "bench/compare/machine.h"
#include "bench/compare/recovery_race.h"
#include "bench/compare/report.h"
#include "bench/scratch_dir.h"

namespace statelog::bench {
namespace {

struct Flags {
  bool full = false;
  std::string base_dir = ".";
  bool keep = false;
  int rounds = 3;
  double seconds = 0.25;        // per contestant run
  double floor_seconds = 0.25;  // per paired floor run
  // The rewrite pattern at 100,000 keys takes about a second per update;
  // its runs last this long instead.
  double slow_seconds = 1.0;
  std::vector<int> keys = {1000, 100000};
  std::vector<int> threads = {1, 8};
  std::vector<std::string> only;
  bool recovery = true;
  // Scheduling priority for the whole run (negative needs root). On a
  // shared machine a busy neighbour delays every wake-up from fdatasync by
  // up to a scheduler tick; a higher priority takes that out.
  int nice = 0;
  RecoverySpec recovery_spec;
};

[[noreturn]] void Usage(const std::string& problem) {
  std::cerr << "statelog_compare: " << problem
            << "\nusage: statelog_compare [--quick | --full] [--dir BASE] "
               "[--keep] [--rounds N] [--seconds S] [--keys 1000,100000] "
               "[--threads 1,8] [--only NAME,...] [--no-recovery] "
               "[--nice N]\n";
  std::exit(2);
}

std::vector<int> IntList(const std::string& text) {
  std::vector<int> out;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int v;
    if (!absl::SimpleAtoi(part, &v) || v <= 0) Usage("bad list " + text);
    out.push_back(v);
  }
  return out;
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  bool rounds_set = false, seconds_set = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--quick") {
      f.full = false;
    } else if (a == "--full") {
      f.full = true;
    } else if (a == "--dir") {
      f.base_dir = value();
    } else if (a == "--keep") {
      f.keep = true;
    } else if (a == "--rounds") {
      rounds_set = absl::SimpleAtoi(value(), &f.rounds) && f.rounds > 0;
      if (!rounds_set) Usage("bad --rounds");
    } else if (a == "--seconds") {
      seconds_set = absl::SimpleAtod(value(), &f.seconds) && f.seconds > 0;
      if (!seconds_set) Usage("bad --seconds");
    } else if (a == "--keys") {
      f.keys = IntList(value());
    } else if (a == "--threads") {
      f.threads = IntList(value());
    } else if (a == "--only") {
      f.only = absl::StrSplit(value(), ',');
    } else if (a == "--no-recovery") {
      f.recovery = false;
    } else if (a == "--nice") {
      if (!absl::SimpleAtoi(value(), &f.nice)) Usage("bad --nice");
    } else {
      Usage("unknown flag " + a);
    }
  }
  if (f.full) {
    if (!rounds_set) f.rounds = 5;
    if (!seconds_set) f.seconds = 2;
    f.floor_seconds = 1;
    f.slow_seconds = 3;
    f.recovery_spec.replay_records = 100000;
  }
  if (seconds_set) f.floor_seconds = f.seconds;
  f.slow_seconds = std::max(f.slow_seconds, f.seconds);
  f.recovery_spec.rounds = f.rounds;
  return f;
}

std::vector<std::unique_ptr<Contestant>> MakeContestants(const Flags& f) {
  std::vector<std::unique_ptr<Contestant>> all;
  all.push_back(NewStatelog(Durability::kSync));
  all.push_back(NewStatelogCompacting(Durability::kSync));
  all.push_back(NewStatelog(Durability::kInterval));
  all.push_back(NewStatelog(Durability::kNone));
  all.push_back(NewStatelogTree(Durability::kNone));
  all.push_back(NewRewriteFile());
  all.push_back(NewSqlite());
  all.push_back(NewLeveldb(true));
  all.push_back(NewLeveldb(false));
  all.push_back(NewPreallocatedFloor());
  if (f.only.empty()) return all;
  std::vector<std::unique_ptr<Contestant>> chosen;
  for (auto& c : all) {
    if (std::find(f.only.begin(), f.only.end(), c->name()) != f.only.end()) {
      chosen.push_back(std::move(c));
    }
  }
  return chosen;
}

double Elapsed(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Sets up every contestant on `keys` keys, then runs the rounds.
void RaceUpdates(const Flags& f, int keys, const std::string& dir,
                 const std::vector<Value>& values, Results* results) {
  ::mkdir(dir.c_str(), 0700);
  std::vector<std::unique_ptr<Contestant>> contestants = MakeContestants(f);
  std::vector<bool> ok(contestants.size(), true);
  for (size_t i = 0; i < contestants.size(); ++i) {
    Contestant& c = *contestants[i];
    for (int threads : f.threads)
      results->RowFor(keys, threads, c.name(), c.durable());
    const Clock::time_point start = Clock::now();
    absl::Status s = c.Setup(dir, keys);
    std::fprintf(stderr, "setup %s, %d keys: %.2f s %s\n", c.name().c_str(),
                 keys, Elapsed(start), s.ok() ? "" : s.ToString().c_str());
    if (!s.ok()) {
      ok[i] = false;
      for (int threads : f.threads) {
        results->RowFor(keys, threads, c.name(), c.durable())->error =
            s.ToString();
      }
    }
  }
  const size_t n = contestants.size();
  const std::string device = DeviceStatPath(dir);
  for (int round = 0; round < f.rounds; ++round) {
    for (int threads : f.threads) {
      for (size_t k = 0; k < n; ++k) {
        // Rotate the order each round: no contestant always runs first.
        const size_t i = (k + static_cast<size_t>(round)) % n;
        if (!ok[i]) continue;
        Contestant& c = *contestants[i];
        const uint64_t seed = static_cast<uint64_t>(round) * 100 + threads;
        std::unique_ptr<Contestant> floor = NewFloor();
        RunResult floor_run;
        floor_run.status = floor->Setup(dir, 0);
        if (floor_run.status.ok()) {
          // Synchronous appends leave nothing to settle.
          floor_run = RunTimed(
              floor.get(), {1, keys, f.floor_seconds, seed, 0, device}, values);
        }
        floor->Close().IgnoreError();
        const bool slow = c.name() == "rewrite-file" && keys >= 100000;
        RunResult run = RunTimed(
            &c,
            {threads, keys, slow ? f.slow_seconds : f.seconds, seed, 5, device},
            values);
        Row* row = results->RowFor(keys, threads, c.name(), c.durable());
        const absl::Status bad =
            !run.status.ok() ? run.status : floor_run.status;
        if (!bad.ok()) {
          row->error = bad.ToString();
          ok[i] = false;
        } else {
          row->rounds[round] = Sample{run, floor_run};
        }
        std::fprintf(stderr,
                     "[keys %d, %d thr, round %d] %-18s %10.0f ops/s  p99 "
                     "%8.0f us | floor %6.0f ops/s p99 %6.0f us %s\n",
                     keys, threads, round + 1, c.name().c_str(),
                     run.ops_per_s(), run.p99_us, floor_run.ops_per_s(),
                     floor_run.p99_us, bad.ok() ? "" : bad.ToString().c_str());
      }
    }
  }
  for (auto& c : contestants) c->Close().IgnoreError();
}

int Main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == kChildFlag) {
    return RunChild(argc, argv);
  }
  const Flags f = ParseFlags(argc, argv);
  // Before any thread exists: threads and child processes inherit it.
  if (f.nice != 0 && ::setpriority(PRIO_PROCESS, 0, f.nice) != 0) {
    std::perror("setpriority");
    return 2;
  }
  ScratchDir scratch(f.base_dir, "statelog-compare-");
  if (f.keep) scratch.Keep();
  std::fprintf(stderr, "working in %s\n", scratch.path().c_str());
  const Clock::time_point start = Clock::now();
  const std::string load_before = LoadAverage();

  Results results;
  const std::vector<Value> values = ValuePool(64);
  for (int keys : f.keys) {
    RaceUpdates(f, keys, scratch.Sub("keys-" + std::to_string(keys)), values,
                &results);
  }
  RecoveryResults recovery;
  recovery.error = "not run (--no-recovery)";
  if (f.recovery) {
    const std::string dir = scratch.Sub("recovery");
    ::mkdir(dir.c_str(), 0700);
    recovery = RunRecoveryRace(dir, f.recovery_spec);
  }

  std::cout << "# statelog_compare " << (f.full ? "--full" : "--quick")
            << "\n\nMachine: " << DescribeMachine(scratch.path())
            << ". Rounds: " << f.rounds << "; each run " << f.seconds
            << " s (rewrite-file at 100000 keys: " << f.slow_seconds
            << " s), each paired floor run " << f.floor_seconds << " s. Nice "
            << f.nice << ". Load average before " << load_before << ", after "
            << LoadAverage()
            << ". Figures: median (range) over rounds; ratios per round."
            << "\n\n## Updates\n\n";
  PrintUpdateTable(results, std::cout);
  std::cout << "\n## Recovery\n\n";
  PrintRecoveryTable(recovery, std::cout);
  std::cout << "\n## Targets (issue 5)\n\n";
  PrintTargets(results, recovery, std::cout);
  std::cout << "\n## JSON\n\n";
  PrintUpdateJson(results, std::cout);
  PrintRecoveryJson(recovery, std::cout);
  std::cout << "\nTotal time: " << Elapsed(start) << " s\n";
  return 0;
}

}  // namespace
}  // namespace statelog::bench

int main(int argc, char** argv) { return statelog::bench::Main(argc, argv); }
