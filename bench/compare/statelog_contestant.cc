// bench/compare/statelog_contestant.cc
//
// statelog itself, through the public API only, with default options except
// the durability policy: every update is one Store::Apply of one `set`. The
// state is loaded as one merge transaction and then compacted, so the store
// starts the race as a snapshot plus an empty journal.

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
  explicit StatelogContestant(Durability durability)
      : durability_(durability) {}

  std::string name() const override {
    return std::string("statelog-") + PolicyName(durability_);
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
    return store_
        ->Apply(
            Transaction().Set(pointers_[static_cast<size_t>(key)], value.json))
        .status();
  }

  absl::Status Close() override {
    if (store_ == nullptr) return absl::OkStatus();
    absl::Status s = store_->Sync();
    store_.reset();
    return s;
  }

 private:
  const Durability durability_;
  std::unique_ptr<Store> store_;
  std::vector<std::string> pointers_;
};

}  // namespace

std::unique_ptr<Contestant> NewStatelog(Durability durability) {
  return std::make_unique<StatelogContestant>(durability);
}

}  // namespace statelog::bench
