// bench/compare/child_process.h
//
// Runs this same program again as a child process (for measurements that
// need a fresh process: recovery time, peak RSS) and captures its standard
// output. (The child reports its own peak RSS: wait4's ru_maxrss would
// include the parent's RSS, which the child carries between fork and exec.)

#ifndef STATELOG_BENCH_COMPARE_CHILD_PROCESS_H_
#define STATELOG_BENCH_COMPARE_CHILD_PROCESS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace statelog::bench {

struct ChildRun {
  std::string output;  // everything the child wrote to stdout
};

// Runs /proc/self/exe with `args` (argv[1..]). Error if it cannot start or
// exits with anything but 0.
absl::StatusOr<ChildRun> RunSelf(const std::vector<std::string>& args);

// Runs `argv` (argv[0] a path or a name on PATH) with stdin from
// `stdin_path` and stdout to /dev/null, and returns the wall time from
// before the fork to after the wait, in seconds. Error if it exits with
// anything but 0.
absl::StatusOr<double> TimeProgram(const std::vector<std::string>& argv,
                                   const std::string& stdin_path);

}  // namespace statelog::bench

#endif  // STATELOG_BENCH_COMPARE_CHILD_PROCESS_H_
