// bench/compare/report_updates.cc
//
// The update race's table and JSON lines.

#include <cstdio>
#include <set>
#include <utility>

#include "bench/compare/report.h"

namespace statelog::bench {
namespace {

double Ops(const Sample& s) { return s.run.ops_per_s(); }
double XFloor(const Sample& s) {
  return s.floor.ops_per_s() > 0 ? s.run.ops_per_s() / s.floor.ops_per_s() : 0;
}
double P50(const Sample& s) { return s.run.p50_us; }
double P99(const Sample& s) { return s.run.p99_us; }
double P99XFloor(const Sample& s) {
  return s.floor.p99_us > 0 ? s.run.p99_us / s.floor.p99_us : 0;
}
double AppBytes(const Sample& s) { return s.run.app_bytes_per_op(); }
double DevBytes(const Sample& s) { return s.run.dev_bytes_per_op(); }
double RunOps(const RunResult& r) { return r.ops_per_s(); }

// Every floor run paired with any contestant of this (keys, threads).
Spread FloorSpread(const Results& results, int keys, int threads,
                   double (*fn)(const RunResult&)) {
  std::vector<double> values;
  for (const Row& row : results.rows()) {
    if (row.keys != keys || row.threads != threads) continue;
    for (const auto& [round, sample] : row.rounds) {
      values.push_back(fn(sample.floor));
    }
  }
  return SpreadOf(std::move(values));
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// Fewer decimals for big numbers, so that the table stays narrow.
int DigitsFor(double v) { return v >= 100 ? 0 : v >= 10 ? 1 : 2; }

}  // namespace

std::string FormatSpread(const Spread& s, int digits) {
  if (s.n == 0) return "n/a";
  if (digits < 0) digits = DigitsFor(s.median);
  if (s.n == 1) return Fixed(s.median, digits);
  return Fixed(s.median, digits) + " (" + Fixed(s.min, digits) + "–" +
         Fixed(s.max, digits) + ")";
}

Json SpreadJson(const Spread& s) {
  return Json{{"median", s.median}, {"min", s.min}, {"max", s.max}, {"n", s.n}};
}

void PrintUpdateTable(const Results& results, std::ostream& out) {
  out << "| keys | threads | contestant | durable | ops/s | × floor | p50 µs "
         "| p99 µs | p99 ÷ floor p99 | app B/update | disk B/update (all "
         "processes) |\n"
      << "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  std::set<std::pair<int, int>> floors_done;
  for (const Row& row : results.rows()) {
    if (floors_done.insert({row.keys, row.threads}).second) {
      auto p50 = [](const RunResult& r) { return r.p50_us; };
      auto p99 = [](const RunResult& r) { return r.p99_us; };
      out << "| " << row.keys << " | " << row.threads
          << " | floor (paired, 1 thread) | yes | "
          << FormatSpread(FloorSpread(results, row.keys, row.threads, RunOps),
                          0)
          << " | 1 | "
          << FormatSpread(FloorSpread(results, row.keys, row.threads, p50), -1)
          << " | "
          << FormatSpread(FloorSpread(results, row.keys, row.threads, p99), -1)
          << " | 1 | 128 | |\n";
    }
    out << "| " << row.keys << " | " << row.threads << " | " << row.contestant
        << " | " << (row.durable ? "yes" : "no") << " | ";
    if (!row.error.empty()) {
      out << "error: " << row.error << " | | | | | | |\n";
      continue;
    }
    out << FormatSpread(row.Of(Ops), 0) << " | "
        << FormatSpread(row.Of(XFloor), 2) << " | "
        << FormatSpread(row.Of(P50), -1) << " | "
        << FormatSpread(row.Of(P99), -1) << " | "
        << FormatSpread(row.Of(P99XFloor), 2) << " | "
        << Fixed(row.Of(AppBytes).median, 0) << " | "
        << Fixed(row.Of(DevBytes).median, 0) << " |\n";
  }
}

void PrintUpdateJson(const Results& results, std::ostream& out) {
  for (const Row& row : results.rows()) {
    Json line = {{"table", "updates"},
                 {"keys", row.keys},
                 {"threads", row.threads},
                 {"contestant", row.contestant},
                 {"durable", row.durable}};
    if (!row.error.empty()) {
      line["error"] = row.error;
    } else {
      line["ops_per_s"] = SpreadJson(row.Of(Ops));
      line["x_floor"] = SpreadJson(row.Of(XFloor));
      line["p50_us"] = SpreadJson(row.Of(P50));
      line["p99_us"] = SpreadJson(row.Of(P99));
      line["p99_x_floor_p99"] = SpreadJson(row.Of(P99XFloor));
      line["floor_ops_per_s"] = SpreadJson(
          row.Of([](const Sample& s) { return s.floor.ops_per_s(); }));
      line["app_bytes_per_update"] = SpreadJson(row.Of(AppBytes));
      line["dev_bytes_per_update"] = SpreadJson(row.Of(DevBytes));
    }
    out << line.dump() << "\n";
  }
}

}  // namespace statelog::bench
