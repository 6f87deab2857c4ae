// bench/compare/contestant.h
//
// What statelog_compare races: a Contestant keeps a state of K keys, each
// holding a small JSON value, and sets one key per update. Every contestant
// runs the same workload in the same directory (bench/compare/driver.h),
// so their figures differ only by how they store the data.

#ifndef STATELOG_BENCH_COMPARE_CONTESTANT_H_
#define STATELOG_BENCH_COMPARE_CONTESTANT_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/workload.h"
#include "statelog/options.h"
#include "statelog/transaction.h"

namespace statelog::bench {

using Clock = std::chrono::steady_clock;

// One update's value, both as JSON text (what every contestant is handed,
// statelog through Store::SetJsonText) and as a tree (for the file, and
// for statelog's "tree" contestant, whose caller holds nlohmann trees).
struct Value {
  std::string text;
  Json json;
};

struct UpdateContext {
  int thread = 0;
  // A contestant that serializes its callers (one lock around a slow update)
  // checks this once it holds the lock and returns Cancelled instead of
  // starting an update that would overrun the measurement.
  Clock::time_point deadline;
};

class Contestant {
 public:
  virtual ~Contestant() = default;

  // Short, stable name for the table and the JSON lines.
  virtual std::string name() const = 0;
  // Whether an acknowledged update survives a power cut.
  virtual bool durable() const = 0;
  // Creates fresh files under `dir` (which exists) holding keys
  // 0..keys-1, key i set to SmallValue(i). Not timed.
  [[nodiscard]] virtual absl::Status Setup(const std::string& dir,
                                           int keys) = 0;
  // Sets key `key` (< keys) to `value`; returns once the contestant's
  // promise holds. Safe to call from several threads at once. Cancelled
  // (nothing written) if it did not start before `ctx.deadline`.
  [[nodiscard]] virtual absl::Status Update(const UpdateContext& ctx, int key,
                                            const Value& value) = 0;
  // Releases everything Setup opened; the files stay.
  [[nodiscard]] virtual absl::Status Close() = 0;
};

// The paired floor: one thread appending a 128-byte record to a fresh file
// with write + fdatasync per update (the key and value are ignored).
std::unique_ptr<Contestant> NewFloor();
std::unique_ptr<Contestant> NewPreallocatedFloor();
// statelog's Store::SetJsonText("/key", value text).
std::unique_ptr<Contestant> NewStatelog(Durability durability);
// statelog's Store::Apply of Transaction().Set("/key", value tree).
std::unique_ptr<Contestant> NewStatelogTree(Durability durability);
// The same while another thread runs Store::Compact back to back.
std::unique_ptr<Contestant> NewStatelogCompacting(Durability durability);
// The pattern statelog replaces: per update, load the whole JSON file,
// change one key, write a temp file, fsync it, rename it over the original.
std::unique_ptr<Contestant> NewRewriteFile();
// SQLite, WAL journal, synchronous=FULL, one row per key holding the JSON
// text, one autocommit upsert per update.
std::unique_ptr<Contestant> NewSqlite();
// LevelDB Put with WriteOptions::sync as given.
std::unique_ptr<Contestant> NewLeveldb(bool sync);

// The keys the contestants store: KeyName(0..keys-1).
inline std::vector<std::string> KeyNames(int keys) {
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(keys));
  for (int i = 0; i < keys; ++i) names.push_back(KeyName(i));
  return names;
}

}  // namespace statelog::bench

#endif  // STATELOG_BENCH_COMPARE_CONTESTANT_H_
