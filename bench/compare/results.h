// bench/compare/results.h
//
// What statelog_compare collects: per (keys, threads, contestant) row, one
// sample per round, each a contestant run paired with the floor run made
// right before it; and the recovery race. Plus the median-and-range
// summary every table prints. Ratios are taken within a round (a contestant
// against its own paired floor, or two contestants of the same round), so
// the machine's drift over minutes cancels out.

#ifndef STATELOG_BENCH_COMPARE_RESULTS_H_
#define STATELOG_BENCH_COMPARE_RESULTS_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/compare/driver.h"

namespace statelog::bench {

struct Spread {
  int n = 0;
  double median = 0;
  double min = 0;
  double max = 0;
};

// Median (mean of the middle two for an even count), min and max.
Spread SpreadOf(std::vector<double> values);

struct Sample {
  RunResult run;
  RunResult floor;
};

struct Row {
  int keys = 0;
  int threads = 0;
  std::string contestant;
  bool durable = false;
  std::map<int, Sample> rounds;  // by round number
  std::string error;             // set if the contestant failed

  // `fn` of each round's sample.
  Spread Of(const std::function<double(const Sample&)>& fn) const;
};

class Results {
 public:
  Row* RowFor(int keys, int threads, const std::string& contestant,
              bool durable);
  // Null if there is no such row.
  const Row* Find(int keys, int threads, const std::string& contestant) const;
  const std::deque<Row>& rows() const { return rows_; }

 private:
  std::deque<Row> rows_;  // stable addresses: RowFor hands out pointers
};

// fn(a) / fn(b) for every round both rows have.
Spread CrossRatio(const Row& a, const Row& b,
                  const std::function<double(const Sample&)>& fn);

struct RecoveryRound {
  double ready_seconds = 0;      // Store::Open + one Get: ready to read
  double statelog_seconds = 0;   // that + a Read of the whole state
  double sqlite_seconds = 0;     // open + read every row into memory
  double replay_seconds = 0;     // Store::Open of the replay-only store
  double empty_seconds = 0;      // Store::Open of an empty store
  uint64_t ready_rss_kb = 0;     // peak RSS until ready
  uint64_t statelog_rss_kb = 0;  // peak RSS with the whole state read
  uint64_t sqlite_rss_kb = 0;
  uint64_t records_replayed = 0;
};

// One round of the short-process race: medians over its runs of
// `statelog apply` (one merge patch into the big store) and of the floor
// (a process that appends 128 bytes and fdatasyncs: dd), side by side.
struct ProcessRound {
  double apply_seconds = 0;
  double floor_seconds = 0;
};

struct RecoveryResults {
  int keys = 0;
  int tail_records = 0;
  int replay_records = 0;
  uint64_t snapshot_bytes = 0;
  std::vector<RecoveryRound> rounds;
  double compact_seconds = 0;  // Compact after open + one Get
  uint64_t compact_rss_kb = 0;
  std::string error;
  std::vector<ProcessRound> process_rounds;
  std::string process_error;  // the short-process race failed or was skipped
};

}  // namespace statelog::bench

#endif  // STATELOG_BENCH_COMPARE_RESULTS_H_
