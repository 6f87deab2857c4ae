// bench/compare/report_targets.cc
//
// The targets of issue 5, each as a ratio (or rate) taken within rounds,
// with the goal and whether the median meets it.

#include <cstdio>
#include <string>
#include <vector>

#include "bench/compare/report.h"

namespace statelog::bench {
namespace {

struct Target {
  std::string id;
  std::string what;
  Spread measured;
  bool at_least = true;  // goal is a lower bound (else an upper bound)
  double goal = 0;
  int digits = 2;
};

double Ops(const Sample& s) { return s.run.ops_per_s(); }
double XFloor(const Sample& s) {
  return s.floor.ops_per_s() > 0 ? s.run.ops_per_s() / s.floor.ops_per_s() : 0;
}
double P99(const Sample& s) { return s.run.p99_us; }
double P99XFloor(const Sample& s) {
  return s.floor.p99_us > 0 ? s.run.p99_us / s.floor.p99_us : 0;
}

std::string Goal(const Target& t) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s %.*f", t.at_least ? "≥" : "≤",
                t.goal == static_cast<long long>(t.goal) ? 0 : 1, t.goal);
  return buf;
}

std::string Verdict(const Target& t) {
  if (t.measured.n == 0) return "not measured";
  auto meets = [&](double v) { return t.at_least ? v >= t.goal : v <= t.goal; };
  if (!meets(t.measured.median)) return "NOT MET";
  const double worst = t.at_least ? t.measured.min : t.measured.max;
  return meets(worst) ? "met" : "met (median only)";
}

std::vector<Target> Collect(const Results& results,
                            const RecoveryResults& recovery) {
  std::vector<Target> out;
  auto own = [&](const std::string& id, const std::string& what, int keys,
                 int threads, const std::string& name,
                 double (*fn)(const Sample&), bool at_least, double goal,
                 int digits) {
    const Row* row = results.Find(keys, threads, name);
    out.push_back(
        {id, what, row ? row->Of(fn) : Spread(), at_least, goal, digits});
  };
  auto cross = [&](const std::string& id, const std::string& what, int keys,
                   int threads, const std::string& a, const std::string& b,
                   double goal) {
    const Row* ra = results.Find(keys, threads, a);
    const Row* rb = results.Find(keys, threads, b);
    out.push_back({id, what, ra && rb ? CrossRatio(*ra, *rb, Ops) : Spread(),
                   true, goal, 2});
  };
  for (int keys : {1000, 100000}) {
    const std::string k = " (" + std::to_string(keys) + " keys)";
    own("1a", "kSync, 1 thread, × paired floor" + k, keys, 1, "statelog-sync",
        XFloor, true, 1.3, 2);
    cross("1b", "kSync ÷ SQLite, 1 thread" + k, keys, 1, "statelog-sync",
          "sqlite-wal-full", 1.2);
    // Not a target: what a bare pwrite + fdatasync into a preallocated
    // file gets against SQLite, the most 1b could be on this disk.
    cross("1b bound", "preallocated pwrite + fdatasync ÷ SQLite, 1 thread" + k,
          keys, 1, "floor-prealloc", "sqlite-wal-full", 1.2);
    own("1c", "kSync p99 ÷ floor p99, 1 thread" + k, keys, 1, "statelog-sync",
        P99XFloor, false, 1.5, 2);
    own("2a", "kSync, 8 threads, × paired floor" + k, keys, 8, "statelog-sync",
        XFloor, true, 5, 2);
    cross("2b", "kSync ÷ LevelDB sync, 8 threads" + k, keys, 8, "statelog-sync",
          "leveldb-sync", 1.4);
    cross("3", "kSync ÷ rewrite-file, 1 thread" + k, keys, 1, "statelog-sync",
          "rewrite-file", keys >= 100000 ? 600 : 5);
    own("4a", "kNone, 1 thread, txn/s" + k, keys, 1, "statelog-none", Ops, true,
        500000, 0);
    cross("4b", "kNone ÷ LevelDB no-sync, 1 thread" + k, keys, 1,
          "statelog-none", "leveldb-nosync", 2);
    // Not a target: the same for a caller that holds its values as trees
    // (Store::Apply of a `set`) rather than as JSON text.
    cross("4b tree", "kNone from a tree ÷ LevelDB no-sync, 1 thread" + k, keys,
          1, "statelog-none-tree", "leveldb-nosync", 2);
  }
  {
    const Row* during = results.Find(100000, 1, "statelog-sync-compacting");
    const Row* without = results.Find(100000, 1, "statelog-sync");
    out.push_back(
        {"6",
         "kSync p99 during back-to-back compactions ÷ p99 without, "
         "1 thread (100000 keys)",
         during && without ? CrossRatio(*during, *without, P99) : Spread(),
         false, 1.5, 2});
  }
  if (recovery.error.empty()) {
    out.push_back({"5a",
                   "open until ready to read (Open + one Get) ÷ SQLite "
                   "open + read all (" +
                       std::to_string(recovery.keys) + " keys)",
                   RecoveryRatio(recovery), false, 1, 2});
    out.push_back(
        {"5b", "replay, records/s", ReplayRate(recovery), true, 1000000, 0});
    out.push_back(
        {"7", "peak RSS (open until ready; open + Compact) ÷ snapshot size",
         PeakRssOverSnapshot(recovery), false, 3, 2});
    out.push_back({"8",
                   "`statelog apply` of a merge patch (" +
                       std::to_string(recovery.keys) +
                       " keys) ÷ process + fdatasync floor",
                   ApplyOverProcessFloor(recovery), false, 3, 2});
  }
  return out;
}

}  // namespace

void PrintTargets(const Results& results, const RecoveryResults& recovery,
                  std::ostream& out) {
  const std::vector<Target> targets = Collect(results, recovery);
  out << "| # | target | measured | goal | verdict "
         "|\n|---|---|---:|---:|---|\n";
  for (const Target& t : targets) {
    out << "| " << t.id << " | " << t.what << " | "
        << FormatSpread(t.measured, t.digits) << " | " << Goal(t) << " | "
        << Verdict(t) << " |\n";
  }
  out << "\n";
  for (const Target& t : targets) {
    Json line = {{"table", "targets"},     {"id", t.id},
                 {"target", t.what},       {"measured", SpreadJson(t.measured)},
                 {"at_least", t.at_least}, {"goal", t.goal},
                 {"verdict", Verdict(t)}};
    out << line.dump() << "\n";
  }
}

}  // namespace statelog::bench
