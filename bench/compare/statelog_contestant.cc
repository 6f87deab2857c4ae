// bench/compare/statelog_contestant.cc
//
// statelog itself, through the public API only, with default options except
// the durability policy: every update sets one key, from the value's JSON
// text (Store::SetJsonText), as the key-value stores are handed it. The
// "tree" variant hands over the value as a tree instead (Store::Apply of
// one `set`, the value copied into the transaction), for a caller that
// holds its values as nlohmann trees. The
// state is loaded as one merge transaction and then compacted, so the store
// starts the race as a snapshot plus an empty journal. The "compacting"
// variant runs Compact() back to back on a thread of its own for the whole
// timed part of each run and no longer, so every update meets a compaction
// in progress (target 6).

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <thread>

#include "bench/compare/contestant.h"
#include "statelog/store.h"

namespace statelog::bench {
namespace {

const char* PolicyName(Durability durability) {
  switch (durability) {
    case Durability::kSync:
      return "sync";
    case Durability::kInterval:
      return "interval";
    case Durability::kNone:
      return "none";
  }
  return "?";
}

class StatelogContestant : public Contestant {
 public:
  StatelogContestant(Durability durability, bool compacting, bool tree)
      : durability_(durability), compacting_(compacting), tree_(tree) {}
  ~StatelogContestant() override { StopCompacting(); }

  std::string name() const override {
    return std::string("statelog-") + PolicyName(durability_) +
           (compacting_ ? "-compacting" : "") + (tree_ ? "-tree" : "");
  }
  bool durable() const override { return durability_ == Durability::kSync; }

  absl::Status Setup(const std::string& dir, int keys) override {
    Options options;
    options.create_if_missing = true;
    options.durability = durability_;
    absl::StatusOr<OpenResult> opened =
        Store::Open(dir + "/" + name(), options);
    if (!opened.ok()) return opened.status();
    store_ = std::move(opened->store);
    pointers_.clear();
    for (int i = 0; i < keys; ++i) pointers_.push_back(KeyPointer(i));
    absl::StatusOr<uint64_t> seq =
        store_->Apply(Transaction().Merge(MakeState(keys)));
    if (!seq.ok()) return seq.status();
    return store_->Compact();
  }

  absl::Status Update(const UpdateContext& ctx, int key,
                      const Value& value) override {
    if (compacting_) StartCompacting(ctx.deadline);
    const std::string& pointer = pointers_[static_cast<size_t>(key)];
    if (tree_)
      return store_->Apply(Transaction().Set(pointer, value.json)).status();
    return store_->SetJsonText(pointer, value.text).status();
  }

  absl::Status Close() override {
    StopCompacting();
    if (store_ == nullptr) return absl::OkStatus();
    absl::Status s = store_->Sync();
    store_.reset();
    return s;
  }

 private:
  // Starts the compaction thread for the timed run ending at `deadline`,
  // once per run: the first update of a run starts it, and it stops by
  // itself at the deadline. It must not outlive its run: a Compact() of a
  // store nobody writes returns at once, so a loop left running would spin
  // on one of the machine's two CPUs through every other contestant's run.
  void StartCompacting(Clock::time_point deadline) {
    const int64_t ticks = deadline.time_since_epoch().count();
    if (run_deadline_.load(std::memory_order_acquire) == ticks) return;
    std::lock_guard<std::mutex> lock(start_mu_);
    if (run_deadline_.load(std::memory_order_relaxed) == ticks) return;
    StopCompacting();
    compactor_ = std::thread([this, deadline] {
      while (!stop_.load() && Clock::now() < deadline) {
        absl::Status s = store_->Compact();
        if (!s.ok()) {
          std::fprintf(stderr, "compaction failed: %s\n", s.ToString().c_str());
          return;
        }
      }
    });
    run_deadline_.store(ticks, std::memory_order_release);
  }

  void StopCompacting() {
    stop_ = true;
    if (compactor_.joinable()) compactor_.join();
    stop_ = false;
  }

  const Durability durability_;
  const bool compacting_;
  const bool tree_;
  std::mutex start_mu_;
  // The deadline of the run whose compaction thread was started last.
  std::atomic<int64_t> run_deadline_{0};
  std::atomic<bool> stop_{false};
  std::thread compactor_;
  std::unique_ptr<Store> store_;
  std::vector<std::string> pointers_;
};

}  // namespace

std::unique_ptr<Contestant> NewStatelog(Durability durability) {
  return std::make_unique<StatelogContestant>(durability, false, false);
}

std::unique_ptr<Contestant> NewStatelogTree(Durability durability) {
  return std::make_unique<StatelogContestant>(durability, false, true);
}

std::unique_ptr<Contestant> NewStatelogCompacting(Durability durability) {
  return std::make_unique<StatelogContestant>(durability, true, false);
}

}  // namespace statelog::bench
