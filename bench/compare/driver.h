// bench/compare/driver.h
//
// Runs one contestant for a fixed time from T threads, each setting random
// keys to values from a shared pool, and measures throughput, latency
// percentiles and bytes written. `app_bytes` comes from /proc/self/io
// (wchar: what the process handed to write(2) and friends, background
// threads included). `dev_bytes` is what the disk under the benchmark
// directory was sent (sectors written in /sys/dev/block/<dev>/stat): it is
// device-wide, so other processes' writes land in it too. (/proc/self/io's
// write_bytes is no use here: with ext4's large folios it charges a whole
// folio, up to 2 MiB, each time a write re-dirties a preallocated segment.)
// After the timed part, the driver waits for the process's writes to settle
// (a background compaction to finish) and counts those bytes too, so that
// they land on the contestant that caused them and not on the next one,
// whose run they would also slow down.

#ifndef STATELOG_BENCH_COMPARE_DRIVER_H_
#define STATELOG_BENCH_COMPARE_DRIVER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/compare/contestant.h"

namespace statelog::bench {

struct RunResult {
  uint64_t ops = 0;
  double seconds = 0;
  double p50_us = 0;
  double p99_us = 0;
  double max_us = 0;
  uint64_t app_bytes = 0;
  uint64_t dev_bytes = 0;
  absl::Status status;  // the first update error, if any

  double ops_per_s() const { return seconds > 0 ? ops / seconds : 0; }
  double app_bytes_per_op() const {
    return ops > 0 ? static_cast<double>(app_bytes) / ops : 0;
  }
  double dev_bytes_per_op() const {
    return ops > 0 ? static_cast<double>(dev_bytes) / ops : 0;
  }
};

struct RunSpec {
  int threads = 1;
  int keys = 1000;
  double seconds = 1;
  uint64_t seed = 1;
  // Longest wait for background writes to stop after the timed part.
  double max_settle_seconds = 5;
  // DeviceStatPath() of the benchmark directory; empty: dev_bytes stays 0.
  std::string device_stat;
};

// The /sys/dev/block/<major>:<minor>/stat file of the device holding `dir`.
std::string DeviceStatPath(const std::string& dir);

// Calls contestant->Update from `spec.threads` threads until `spec.seconds`
// have passed (an update that started before the deadline is waited for and
// counted), waits for writes to settle, then returns what was measured.
// `values` must not be empty.
RunResult RunTimed(Contestant* contestant, const RunSpec& spec,
                   const std::vector<Value>& values);

// The pool of values updates draw from: `count` different SmallValue()s.
std::vector<Value> ValuePool(int count);

}  // namespace statelog::bench

#endif  // STATELOG_BENCH_COMPARE_DRIVER_H_
