// cli/demo_workload.cc
//
// The demo agent's deterministic checkpoints and their in-memory replay.

#include "cli/demo_workload.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "txn/apply.h"

namespace statelog::cli {

Transaction DemoStep(uint64_t step) {
  static const char* const kPhases[] = {"explore", "plan", "act"};
  Transaction txn;
  if (step == 1) {
    txn.Set(
        "/agent",
        {{"name", "demo-agent"}, {"progress", 0.0}, {"memory", Json::array()}});
  } else {
    // Guards the demo's own assumption that checkpoints land in order.
    txn.Test("/step", step - 1);
  }
  txn.Set("/step", step);
  txn.Set("/agent/progress", static_cast<double>(step % 1000) / 10.0);
  txn.Add("/agent/memory/-",
          {{"step", step},
           {"note", absl::StrCat("observation ", (step * 7919) % 10007)}});
  if (step > kDemoMemoryEntries) txn.Remove("/agent/memory/0");
  if (step % 10 == 0) {
    txn.Merge({{"stats",
                {{"merges", step / 10},
                 {"phase", kPhases[(step / 10) % 3]},
                 // A null in a merge patch deletes the key; it comes back
                 // at the next merge.
                 {"scratch",
                  step % 20 == 0 ? Json(nullptr) : Json({step, step * 2})}}}});
  }
  return txn;
}

absl::Status DemoModel::AdvanceTo(uint64_t seq) {
  if (seq < seq_) *this = DemoModel();
  while (seq_ < seq) {
    absl::Status applied =
        internal::ApplyTransaction(DemoStep(seq_ + 1), &state_);
    if (!applied.ok()) {
      return absl::InternalError(absl::StrCat(
          "demo step ", seq_ + 1, " does not apply: ", applied.message()));
    }
    ++seq_;
  }
  return absl::OkStatus();
}

}  // namespace statelog::cli
