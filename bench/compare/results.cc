// bench/compare/results.cc

#include "bench/compare/results.h"

#include <algorithm>

namespace statelog::bench {

Spread SpreadOf(std::vector<double> values) {
  Spread s;
  s.n = static_cast<int>(values.size());
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  s.median = values.size() % 2 == 1 ? values[mid]
                                    : (values[mid - 1] + values[mid]) / 2;
  s.min = values.front();
  s.max = values.back();
  return s;
}

Spread Row::Of(const std::function<double(const Sample&)>& fn) const {
  std::vector<double> values;
  for (const auto& [round, sample] : rounds) values.push_back(fn(sample));
  return SpreadOf(std::move(values));
}

Row* Results::RowFor(int keys, int threads, const std::string& contestant,
                     bool durable) {
  for (Row& row : rows_) {
    if (row.keys == keys && row.threads == threads &&
        row.contestant == contestant) {
      return &row;
    }
  }
  rows_.push_back(Row{keys, threads, contestant, durable, {}, ""});
  return &rows_.back();
}

const Row* Results::Find(int keys, int threads,
                         const std::string& contestant) const {
  for (const Row& row : rows_) {
    if (row.keys == keys && row.threads == threads &&
        row.contestant == contestant && row.error.empty()) {
      return &row;
    }
  }
  return nullptr;
}

Spread CrossRatio(const Row& a, const Row& b,
                  const std::function<double(const Sample&)>& fn) {
  std::vector<double> ratios;
  for (const auto& [round, sample] : a.rounds) {
    auto other = b.rounds.find(round);
    if (other == b.rounds.end()) continue;
    const double denominator = fn(other->second);
    if (denominator > 0) ratios.push_back(fn(sample) / denominator);
  }
  return SpreadOf(std::move(ratios));
}

}  // namespace statelog::bench
