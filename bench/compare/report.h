// bench/compare/report.h
//
// statelog_compare's output: markdown tables for people and one JSON line
// per row for machines (each line has a "table" field saying which).
// Figures are medians over rounds with the range in parentheses.

#ifndef STATELOG_BENCH_COMPARE_REPORT_H_
#define STATELOG_BENCH_COMPARE_REPORT_H_

#include <ostream>
#include <string>

#include "bench/compare/results.h"
#include "statelog/transaction.h"

namespace statelog::bench {

// "12.3 (11.0–14.1)" with `digits` decimals.
std::string FormatSpread(const Spread& s, int digits);
Json SpreadJson(const Spread& s);

// The update race: one row per (keys, threads, contestant) and one for the
// paired floor runs of each (keys, threads).
void PrintUpdateTable(const Results& results, std::ostream& out);
void PrintUpdateJson(const Results& results, std::ostream& out);

// Per-round recovery figures: statelog's time until ready to read (Open and
// one Get) ÷ SQLite open-and-read time, and the same with a Read of the
// whole state; records per second that replaying adds to an empty store's
// open; the larger of the ready and the open-plus-compact peak RSS ÷ the
// snapshot's size, and the peak with the whole state read ÷ that size.
Spread RecoveryRatio(const RecoveryResults& recovery);
Spread WholeReadRatio(const RecoveryResults& recovery);
Spread ReplayRate(const RecoveryResults& recovery);
Spread PeakRssOverSnapshot(const RecoveryResults& recovery);
Spread WholeRssOverSnapshot(const RecoveryResults& recovery);
// `statelog apply` time ÷ the floor process's time, per round.
Spread ApplyOverProcessFloor(const RecoveryResults& recovery);

void PrintRecoveryTable(const RecoveryResults& recovery, std::ostream& out);
void PrintRecoveryJson(const RecoveryResults& recovery, std::ostream& out);

// The targets that this run measures, each with its ratio and
// whether the median meets it.
void PrintTargets(const Results& results, const RecoveryResults& recovery,
                  std::ostream& out);

}  // namespace statelog::bench

#endif  // STATELOG_BENCH_COMPARE_REPORT_H_
