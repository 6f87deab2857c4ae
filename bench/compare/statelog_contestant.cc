// bench/compare/statelog_contestant.cc
//
// statelog itself, through the public API only, with default options except
// the durability policy: every update is one Store::Apply of one `set`. The
// state is loaded as one merge transaction and then compacted, so the store
// starts the race as a snapshot plus an empty journal. The "compacting"
// variant runs Compact() back to back on a thread of its own for the whole
// timed part, so every update meets a compaction in progress (target 6).

#include <atomic>
#include <cstdio>
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
  StatelogContestant(Durability durability, bool compacting)
      : durability_(durability), compacting_(compacting) {}
  ~StatelogContestant() override { StopCompacting(); }

  std::string name() const override {
    return std::string("statelog-") + PolicyName(durability_) +
           (compacting_ ? "-compacting" : "");
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

  absl::Status Update(const UpdateContext&, int key,
                      const Value& value) override {
    if (compacting_ && !compactor_started_.exchange(true)) {
      compactor_ = std::thread([this] {
        while (!stop_.load()) {
          absl::Status s = store_->Compact();
          if (!s.ok()) {
            std::fprintf(stderr, "compaction failed: %s\n", s.ToString().c_str());
            return;
          }
        }
      });
    }
    return store_
        ->Apply(
            Transaction().Set(pointers_[static_cast<size_t>(key)], value.json))
        .status();
  }

  absl::Status Close() override {
    StopCompacting();
    if (store_ == nullptr) return absl::OkStatus();
    absl::Status s = store_->Sync();
    store_.reset();
    return s;
  }

 private:
  void StopCompacting() {
    stop_ = true;
    if (compactor_.joinable()) compactor_.join();
    stop_ = false;
    compactor_started_ = false;
  }

  const Durability durability_;
  const bool compacting_;
  std::atomic<bool> compactor_started_{false};
  std::atomic<bool> stop_{false};
  std::thread compactor_;
  std::unique_ptr<Store> store_;
  std::vector<std::string> pointers_;
};

}  // namespace

std::unique_ptr<Contestant> NewStatelog(Durability durability) {
  return std::make_unique<StatelogContestant>(durability, false);
}

std::unique_ptr<Contestant> NewStatelogCompacting(Durability durability) {
  return std::make_unique<StatelogContestant>(durability, true);
}

}  // namespace statelog::bench
