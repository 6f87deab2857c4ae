// fuzz/model_fuzzer.cc
//
// Fuzz target, structure-aware: the input is read as a sequence of steps
// on one store in an in-memory Env (transactions of every operation kind,
// read-modify-write updates, syncs, compactions, clean reopenings, process
// crashes and power cuts), checked after each step against an in-memory
// model: the state after every sequence number, the highest acknowledged
// one, and the highest one known durable. Properties:
//   - a transaction applies in the store exactly when it applies to the
//     model's state, with the next sequence number, or fails with the same
//     code and changes nothing (every other one of a single `set` given to
//     Store::SetJsonText as text);
//   - the store's state is always the model's;
//   - a clean reopen and a process crash (page cache kept) recover every
//     acknowledged transaction;
//   - a power cut recovers some s between the highest known durable and
//     the highest acknowledged sequence number (every one for kSync), with
//     exactly the model's state after s, and the store goes on from there.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "statelog/store.h"
#include "tests/testing/mem_env.h"
#include "txn/apply.h"

namespace statelog::fuzz {
namespace {

constexpr char kDir[] = "/store";
constexpr int kMaxSteps = 200;

std::string Key(ByteReader* in) {
  switch (in->Below(8)) {
    case 0:
      return absl::StrCat("/d/x", in->Below(3));
    case 1:
      return absl::StrCat("/arr/", in->Below(3));
    default:
      return absl::StrCat("/k", in->Below(6));
  }
}

Json Value(ByteReader* in) {
  switch (in->Below(5)) {
    case 0:
      return in->Byte();
    case 1: {
      // Now and then larger than a page, so records cross pages and
      // segments.
      const size_t size =
          in->Below(8) == 0 ? 1000 + in->Below(3000) : in->Below(64);
      return std::string(size, static_cast<char>('a' + in->Below(26)));
    }
    case 2:
      return Json{{"v", in->Byte()}};
    case 3:
      return Json::array({in->Byte(), "x"});
    default:
      return nullptr;
  }
}

Transaction MakeTransaction(ByteReader* in, const Json& state) {
  Transaction txn;
  const int ops = 1 + static_cast<int>(in->Below(3));
  for (int i = 0; i < ops; ++i) {
    switch (in->Below(10)) {
      case 0:
        txn.Add(Key(in), Value(in));
        break;
      case 1:
        txn.Remove(Key(in));
        break;
      case 2:
        txn.Replace(Key(in), Value(in));
        break;
      case 3:
        txn.Move(Key(in), Key(in));
        break;
      case 4:
        txn.Copy(Key(in), Key(in));
        break;
      case 5: {
        // Mostly a test that passes, against the model's current value.
        const std::string key = Key(in);
        const Json::json_pointer pointer(key);
        const bool known = in->Below(4) != 0 && state.contains(pointer);
        txn.Test(key, known ? state.at(pointer) : Value(in));
        break;
      }
      case 6:
        txn.Merge(Json{{absl::StrCat("k", in->Below(6)), Value(in)}});
        break;
      case 7:
        txn.Unset(Key(in));
        break;
      case 8:
        txn.Add("/arr/-", Value(in));
        break;
      default:
        if (in->Below(4) == 0) {
          txn.Set("/arr", Json::array());
        } else {
          txn.Set(Key(in), Value(in));
        }
        break;
    }
  }
  return txn;
}

class ModelRun {
 public:
  explicit ModelRun(ByteReader* in) : in_(in) {
    options_.create_if_missing = true;
    options_.durability =
        (in->Byte() & 1) ? Durability::kNone : Durability::kSync;
    options_.segment_bytes = 4096 * (1 + in->Below(4));
    const uint32_t every = in->Below(16);
    options_.compact_after_records = every == 0 ? 0 : 1 + every;
    options_.compact_after_bytes = 0;
    // Inside Apply: a background compaction would make runs irreproducible.
    options_.compact_in_background = false;
    env_ = std::make_unique<testing::MemEnv>();
    states_.push_back(Json::object());
    Reopen("create", 0, 0);
  }

  ~ModelRun() {
    // The store writes into env_ as it closes: it goes first.
    store_.reset();
  }

  void Run() {
    for (int step = 0; step < kMaxSteps && !in_->empty(); ++step) {
      step_ = step;
      switch (in_->Below(16)) {
        case 9:
          Sync();
          break;
        case 10:
          Compact();
          break;
        case 11:
          store_.reset();
          durable_ = acked();
          Reopen("clean reopen", acked(), acked());
          break;
        case 12:
          Crash(/*power_cut=*/false);
          break;
        case 13:
          Crash(/*power_cut=*/true);
          break;
        case 14:
          Update();
          break;
        default:
          Apply(MakeTransaction(in_, states_.back()));
          break;
      }
      CheckState("after the step");
    }
  }

 private:
  uint64_t acked() const { return states_.size() - 1; }

  std::string Where() const {
    return absl::StrCat(
        "step ", step_, " (",
        options_.durability == Durability::kSync ? "kSync" : "kNone",
        ", acked ", acked(), ", durable ", durable_, "): ");
  }

  void CheckState(const char* when) {
    STATELOG_FUZZ_CHECK(store_->LastSeq() == acked(), Where(), when,
                        " store seq ", store_->LastSeq());
    absl::StatusOr<Json> state = store_->Get("");
    STATELOG_FUZZ_CHECK(state.ok(), Where(), state.status().ToString());
    STATELOG_FUZZ_CHECK(*state == states_.back(), Where(), when,
                        " the state differs from the model's");
  }

  void Apply(const Transaction& txn) {
    Json next = states_.back();
    const absl::Status expected = internal::ApplyTransaction(txn, &next);
    // Every other transaction of one `set` goes in as its value's compact
    // text (Store::SetJsonText, which takes it as it is at a member). Chosen
    // by the sequence number, not the input, so a corpus reads as before.
    const bool as_text = txn.ops().size() == 1 &&
                         txn.ops().front().kind == OpKind::kSet &&
                         acked() % 2 == 0;
    absl::StatusOr<uint64_t> seq =
        as_text ? store_->SetJsonText(txn.ops().front().path,
                                      txn.ops().front().value.dump())
                : store_->Apply(txn);
    STATELOG_FUZZ_CHECK(seq.status().code() == expected.code(), Where(),
                        "Apply: ", seq.status().ToString(),
                        "; model: ", expected.ToString());
    if (!seq.ok()) return;
    STATELOG_FUZZ_CHECK(*seq == acked() + 1, Where(), "Apply returned seq ",
                        *seq);
    states_.push_back(std::move(next));
    if (options_.durability == Durability::kSync) durable_ = acked();
  }

  // Read-modify-write: a counter the update function reads from the state.
  void Update() {
    Json next = states_.back();
    const Json* count = next.contains("count") ? &next["count"] : nullptr;
    const uint64_t value = count != nullptr && count->is_number_unsigned()
                               ? count->get<uint64_t>() + 1
                               : 0;
    next["count"] = value;
    absl::StatusOr<uint64_t> seq =
        store_->Update([](const Json& state, Transaction* txn) {
          auto it = state.find("count");
          const uint64_t n = it != state.end() && it->is_number_unsigned()
                                 ? it->get<uint64_t>() + 1
                                 : 0;
          txn->Set("/count", n);
          return absl::OkStatus();
        });
    STATELOG_FUZZ_CHECK(
        seq.ok() && *seq == acked() + 1, Where(), "Update: ",
        seq.ok() ? absl::StrCat("seq ", *seq) : seq.status().ToString());
    states_.push_back(std::move(next));
    if (options_.durability == Durability::kSync) durable_ = acked();
  }

  void Sync() {
    absl::Status s = store_->Sync();
    STATELOG_FUZZ_CHECK(s.ok(), Where(), "Sync: ", s.ToString());
    durable_ = acked();
  }

  void Compact() {
    absl::Status s = store_->Compact();
    STATELOG_FUZZ_CHECK(s.ok(), Where(), "Compact: ", s.ToString());
    durable_ = acked();
  }

  void Crash(bool power_cut) {
    std::unique_ptr<testing::MemEnv> image =
        power_cut ? env_->CrashImage() : env_->ProcessCrashImage();
    store_.reset();
    env_ = std::move(image);
    if (power_cut) {
      Reopen("power cut", durable_, acked());
    } else {
      Reopen("process crash", acked(), acked());
    }
  }

  // Opens the store and checks it recovered a sequence number in
  // [low, high] with the model's state there; the model forgets the rest.
  void Reopen(const char* how, uint64_t low, uint64_t high) {
    options_.env = env_.get();
    absl::StatusOr<OpenResult> opened = Store::Open(kDir, options_);
    STATELOG_FUZZ_CHECK(opened.ok(), Where(), how, ": ",
                        opened.status().ToString());
    store_ = std::move(opened->store);
    const uint64_t seq = store_->LastSeq();
    STATELOG_FUZZ_CHECK(seq >= low && seq <= high, Where(), how,
                        ": recovered seq ", seq, ", expected ", low, "..",
                        high);
    states_.resize(seq + 1);
    durable_ = seq;
    CheckState(how);
  }

  ByteReader* in_;
  Options options_;
  std::unique_ptr<testing::MemEnv> env_;
  std::unique_ptr<Store> store_;
  std::vector<Json> states_;  // states_[s]: the state after seq s
  uint64_t durable_ = 0;
  int step_ = -1;
};

}  // namespace
}  // namespace statelog::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statelog::fuzz;
  return Guarded([&] {
    ByteReader in(absl::string_view(reinterpret_cast<const char*>(data), size));
    ModelRun run(&in);
    run.Run();
  });
}
