// bench/compare/machine.h
//
// One line saying where a benchmark ran: CPUs, kernel, the file system and
// device under the benchmark directory, and the time. Absolute figures mean
// little without it.

#ifndef STATELOG_BENCH_COMPARE_MACHINE_H_
#define STATELOG_BENCH_COMPARE_MACHINE_H_

#include <string>

namespace statelog::bench {

std::string DescribeMachine(const std::string& dir);
// The 1, 5 and 15 minute load averages: other work competing for the CPUs
// and the disk makes every figure noisier.
std::string LoadAverage();

}  // namespace statelog::bench

#endif  // STATELOG_BENCH_COMPARE_MACHINE_H_
