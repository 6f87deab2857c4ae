// bench/workload.h
//
// The workload every statelog benchmark shares: key names, a small JSON value
// of exactly kValueBytes bytes when dumped, and states of K such keys. The
// micro-benchmarks and the comparison program use the same data, so their
// figures can be read side by side. Header-only: each benchmark executable
// stays one source file.

#ifndef STATELOG_BENCH_WORKLOAD_H_
#define STATELOG_BENCH_WORKLOAD_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "statelog/transaction.h"

namespace statelog::bench {

// Size of one value as compact JSON text.
inline constexpr size_t kValueBytes = 100;

// "k000042": fixed width, so every key has the same cost.
inline std::string KeyName(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%06d", i);
  return buf;
}

// "/k000042", the JSON pointer of KeyName(i) in the state.
inline std::string KeyPointer(int i) { return "/" + KeyName(i); }

// A checkpoint-like object whose compact dump is exactly kValueBytes long.
inline Json SmallValue(int i) {
  Json value = {{"step", i % 100000},
                {"status", "running"},
                {"owner", "worker-" + std::to_string(i % 8)},
                {"note", ""}};
  const size_t bare = value.dump().size();
  if (bare < kValueBytes) value["note"] = std::string(kValueBytes - bare, 'x');
  return value;
}

// {"k000000": SmallValue(0), ..., "k<keys-1>": ...}.
inline Json MakeState(int keys) {
  Json state = Json::object();
  for (int i = 0; i < keys; ++i) state[KeyName(i)] = SmallValue(i);
  return state;
}

// The journal payload of a transaction that sets KeyName(i) to
// SmallValue(i): what the store frames for one small update.
inline std::string SetPayloadJson(int i) {
  return Transaction().Set(KeyPointer(i), SmallValue(i)).ToJson().dump();
}

// xorshift64*: cheap, deterministic, good enough to pick keys.
class KeyPicker {
 public:
  explicit KeyPicker(uint64_t seed) : x_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  int Next(int keys) {
    x_ ^= x_ >> 12;
    x_ ^= x_ << 25;
    x_ ^= x_ >> 27;
    return static_cast<int>((x_ * 0x2545F4914F6CDD1Dull >> 33) %
                            static_cast<uint64_t>(keys));
  }

 private:
  uint64_t x_;
};

}  // namespace statelog::bench

#endif  // STATELOG_BENCH_WORKLOAD_H_
