// tests/fault/sweep_util.h
//
// The machinery of the damage sweep (tests/fault/damage_sweep_test.cc): the
// kinds of damage and how each changes a file, a two-thread runner, the
// tally of outcomes the worker threads share, and a watchdog that names the
// damaged copy whose recovery hangs. Header-only, like fault_util.h.

#ifndef STATELOG_TESTS_FAULT_SWEEP_UTIL_H_
#define STATELOG_TESTS_FAULT_SWEEP_UTIL_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/fault/fault_util.h"

namespace statelog::fault {

inline constexpr size_t kSector = 512;
// At most this many individual mismatches of one kind become test failures.
inline constexpr int kMaxReported = 10;

// Aborts the test binary, naming the damaged copy being recovered, if one
// recovery takes longer than `limit`: a hang must not pass as a timeout of
// the whole suite without saying which copy hung. One slot per worker.
class Watchdog {
 public:
  Watchdog(int workers, double limit_seconds)
      : limit_(limit_seconds), slots_(workers), thread_([this] { Run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Begin(int worker, std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    slots_[worker].what = std::move(what);
    slots_[worker].started = std::chrono::steady_clock::now();
    slots_[worker].busy = true;
  }
  // Returns the seconds since Begin.
  double End(int worker) {
    std::lock_guard<std::mutex> lock(mu_);
    slots_[worker].busy = false;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         slots_[worker].started)
        .count();
  }

 private:
  struct Slot {
    bool busy = false;
    std::string what;
    std::chrono::steady_clock::time_point started;
  };
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::milliseconds(200));
      for (const Slot& slot : slots_) {
        if (slot.busy && std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - slot.started)
                                 .count() > limit_) {
          std::fprintf(stderr, "damage sweep: recovery hangs on %s\n",
                       slot.what.c_str());
          std::abort();
        }
      }
    }
  }

  const double limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<Slot> slots_;
  std::thread thread_;
};

// Counters and failure messages gathered from the workers; the messages are
// reported by the test's own thread.
class Tally {
 public:
  void Count(const std::string& key, uint64_t n = 1) {
    std::lock_guard<std::mutex> lock(mu_);
    counts_[key] += n;
  }
  void Fail(const std::string& key, const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (counts_[key]++ < kMaxReported) failures_.push_back(key + ": " + what);
  }
  // Keeps a few examples of something allowed but worth showing.
  void Note(const std::string& key, const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (counts_[key]++ < 3) notes_.push_back(key + ": " + what);
  }
  void Max(double* slowest, double seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    *slowest = std::max(*slowest, seconds);
  }
  uint64_t Get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_[key];
  }
  void ReportFailures() {
    for (const std::string& f : failures_) ADD_FAILURE() << f;
  }
  void PrintNotes() {
    for (const std::string& n : notes_)
      std::fprintf(stdout, "  %s\n", n.c_str());
  }

 private:
  std::mutex mu_;
  std::map<std::string, uint64_t> counts_;
  std::vector<std::string> failures_;
  std::vector<std::string> notes_;
};

// Runs fn(worker, i) for every i in [0, n) on up to two threads (the
// machines this runs on have two cores).
inline void ParallelFor(size_t n, int workers,
                        const std::function<void(int worker, size_t i)>& fn) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      for (size_t i = next++; i < n; i = next++) fn(w, i);
    });
  }
  for (std::thread& t : threads) t.join();
}

inline int Workers() {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores >= 2 ? 2 : 1;
}

// ---------------------------------------------------------------------------
// Damage: every way the sweep changes one file.

enum class DamageKind {
  kZeroToEnd,     // zeros from the offset to the end (a cut in a preallocated
                  // file)
  kFtruncate,     // the file ends at the offset
  kByteZero,      // one byte set to 0x00
  kByteOnes,      // one byte set to 0xFF
  kBitFlip,       // one bit flipped
  kSectorZero,    // a 512-byte sector zeroed
  kSectorRandom,  // a 512-byte sector filled with random bytes
};

inline const char* DamageName(DamageKind kind) {
  switch (kind) {
    case DamageKind::kZeroToEnd:
      return "zero-to-end";
    case DamageKind::kFtruncate:
      return "ftruncate";
    case DamageKind::kByteZero:
      return "byte=0x00";
    case DamageKind::kByteOnes:
      return "byte=0xFF";
    case DamageKind::kBitFlip:
      return "bit-flip";
    case DamageKind::kSectorZero:
      return "sector-zero";
    case DamageKind::kSectorRandom:
      return "sector-random";
  }
  return "?";
}

struct Damage {
  DamageKind kind;
  uint64_t offset;           // byte (or first byte of the sector)
  int bit = 0;               // kBitFlip
  uint64_t random_seed = 0;  // kSectorRandom

  std::string Describe(const std::string& file) const {
    std::string s =
        absl::StrCat(DamageName(kind), " at ", file, " offset ", offset);
    if (kind == DamageKind::kBitFlip) absl::StrAppend(&s, " bit ", bit);
    return s;
  }
};

inline std::string ApplyDamage(const Damage& d, const std::string& original) {
  std::string out = original;
  switch (d.kind) {
    case DamageKind::kZeroToEnd:
      std::fill(out.begin() + d.offset, out.end(), '\0');
      break;
    case DamageKind::kFtruncate:
      out.resize(d.offset);
      break;
    case DamageKind::kByteZero:
      out[d.offset] = '\0';
      break;
    case DamageKind::kByteOnes:
      out[d.offset] = '\xFF';
      break;
    case DamageKind::kBitFlip:
      out[d.offset] = static_cast<char>(out[d.offset] ^ (1 << d.bit));
      break;
    case DamageKind::kSectorZero:
    case DamageKind::kSectorRandom: {
      Rng rng(d.random_seed);
      const uint64_t end = std::min<uint64_t>(d.offset + kSector, out.size());
      for (uint64_t i = d.offset; i < end; ++i) {
        out[i] = d.kind == DamageKind::kSectorZero
                     ? '\0'
                     : static_cast<char>(rng.Next());
      }
      break;
    }
  }
  return out;
}

// The damage the sweep applies to one file. `positions` are the offsets
// that get byte-level damage; bit flips are sampled one in `bit_sample`
// (deterministically from `seed`), all of them if `bit_sample` is 1.
inline std::vector<Damage> DamagesFor(const std::string& original,
                                      const std::vector<uint64_t>& positions,
                                      uint64_t seed, uint64_t bit_sample) {
  std::vector<Damage> out;
  Rng rng(seed);
  for (uint64_t p : positions) {
    out.push_back({DamageKind::kZeroToEnd, p});
    out.push_back({DamageKind::kFtruncate, p});
    out.push_back({DamageKind::kByteZero, p});
    out.push_back({DamageKind::kByteOnes, p});
    for (int bit = 0; bit < 8; ++bit) {
      if (bit_sample <= 1 || rng.OneIn(bit_sample)) {
        out.push_back({DamageKind::kBitFlip, p, bit});
      }
    }
  }
  for (uint64_t s = 0; s < original.size(); s += kSector) {
    out.push_back({DamageKind::kSectorZero, s});
    out.push_back({DamageKind::kSectorRandom, s, 0, rng.Next()});
  }
  return out;
}

}  // namespace statelog::fault

#endif  // STATELOG_TESTS_FAULT_SWEEP_UTIL_H_
