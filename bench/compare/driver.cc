// bench/compare/driver.cc

#include "bench/compare/driver.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

namespace statelog::bench {
namespace {

struct IoCounters {
  uint64_t wchar = 0;
  uint64_t device_bytes = 0;
};

IoCounters ReadIoCounters(const std::string& device_stat) {
  IoCounters c;
  std::ifstream in("/proc/self/io");
  std::string name;
  uint64_t value;
  while (in >> name >> value) {
    if (name == "wchar:") c.wchar = value;
  }
  if (!device_stat.empty()) {
    // Fields: reads, reads merged, sectors read, ms reading, writes, writes
    // merged, sectors written (512 bytes each), ...
    std::ifstream stat(device_stat);
    uint64_t field[7] = {};
    for (uint64_t& f : field) stat >> f;
    c.device_bytes = field[6] * 512;
  }
  return c;
}

// Returns once the process's write counter has not moved for 100 ms, or
// after `max_seconds`.
IoCounters Settle(double max_seconds, const std::string& device_stat) {
  const Clock::time_point give_up =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(max_seconds));
  IoCounters last = ReadIoCounters(device_stat);
  int quiet = 0;
  while (quiet < 4 && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    const IoCounters now = ReadIoCounters(device_stat);
    quiet = now.wchar == last.wchar ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

double Percentile(std::vector<int64_t>* ns, double q) {
  if (ns->empty()) return 0;
  const size_t at =
      std::min(ns->size() - 1, static_cast<size_t>(q * (ns->size() - 1) + 0.5));
  std::nth_element(ns->begin(), ns->begin() + at, ns->end());
  return (*ns)[at] / 1000.0;
}

}  // namespace

std::string DeviceStatPath(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return "";
  return "/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" +
         std::to_string(minor(st.st_dev)) + "/stat";
}

std::vector<Value> ValuePool(int count) {
  std::vector<Value> values;
  for (int i = 0; i < count; ++i) {
    Json json = SmallValue(i * 7919);
    values.push_back(Value{json.dump(), std::move(json)});
  }
  return values;
}

RunResult RunTimed(Contestant* contestant, const RunSpec& spec,
                   const std::vector<Value>& values) {
  std::vector<std::vector<int64_t>> latencies(spec.threads);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::mutex error_mu;
  RunResult result;
  Clock::time_point deadline;

  auto worker = [&](int t) {
    std::vector<int64_t>& mine = latencies[t];
    mine.reserve(1 << 16);
    KeyPicker picker(spec.seed * 1000 + t);
    size_t v = static_cast<size_t>(t) * 13;
    UpdateContext ctx;
    ctx.thread = t;
    ready.fetch_add(1);
    while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
    ctx.deadline = deadline;
    while (true) {
      const Clock::time_point start = Clock::now();
      if (start >= deadline) break;
      absl::Status s = contestant->Update(ctx, picker.Next(spec.keys),
                                          values[v++ % values.size()]);
      const Clock::time_point end = Clock::now();
      if (absl::IsCancelled(s)) break;
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (result.status.ok()) result.status = s;
        break;
      }
      mine.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(end - start)
              .count());
    }
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < spec.threads; ++t) threads.emplace_back(worker, t);
  while (ready.load() < spec.threads) std::this_thread::yield();
  const IoCounters before = ReadIoCounters(spec.device_stat);
  const Clock::time_point start = Clock::now();
  deadline = start + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(spec.seconds));
  go.store(true, std::memory_order_release);
  for (std::thread& t : threads) t.join();
  const Clock::time_point end = Clock::now();
  const IoCounters after = Settle(spec.max_settle_seconds, spec.device_stat);

  std::vector<int64_t> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  result.ops = all.size();
  result.seconds = std::chrono::duration<double>(end - start).count();
  result.p50_us = Percentile(&all, 0.50);
  result.p99_us = Percentile(&all, 0.99);
  result.max_us =
      all.empty() ? 0 : *std::max_element(all.begin(), all.end()) / 1000.0;
  result.app_bytes = after.wchar - before.wchar;
  result.dev_bytes = after.device_bytes - before.device_bytes;
  return result;
}

}  // namespace statelog::bench
