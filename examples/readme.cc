#include <iostream>

#include "statelog/store.h"

absl::Status Run() {
  statelog::Options options;
  options.create_if_missing = true;  // durability defaults to kSync
  absl::StatusOr<statelog::OpenResult> opened =
      statelog::Store::Open("agent.state", options);
  if (!opened.ok()) return opened.status();  // e.g. locked by pid 4242 on host ...
  std::unique_ptr<statelog::Store> store = std::move(opened->store);
  std::cerr << opened->report.ToJson() << "\n";  // what recovery found and did

  // One transaction = one durable record, applied all or nothing.
  absl::StatusOr<uint64_t> seq = store->Apply(
      statelog::Transaction()
          .Set("/agent/step", 1)             // creates missing parent objects
          .Merge({{"status", "running"}}));  // RFC 7386 merge patch
  if (!seq.ok()) return seq.status();
  // A transaction built as a temporary (as here) or passed with std::move
  // hands its values over to the state instead of having them copied.

  // An optimistic check: Aborted, and nothing written, unless step is 1.
  seq = store->Apply(
      statelog::Transaction().Test("/agent/step", 1).Set("/agent/step", 2));
  if (!seq.ok()) return seq.status();

  // Read-modify-write without lost updates, even from many threads.
  seq = store->Update([](const statelog::Json& state, statelog::Transaction* txn) {
    txn->Set("/runs", state.value("runs", 0) + 1);
    return absl::OkStatus();
  });
  if (!seq.ok()) return seq.status();

  absl::StatusOr<statelog::Json> state = store->Get("");  // "" is the whole state
  if (!state.ok()) return state.status();
  // First run: {"agent":{"step":2},"runs":1,"status":"running"} at seq 3
  // (a run adds three transactions; "runs" counts the runs).
  std::cout << *state << " at seq " << *seq << "\n";
  return absl::OkStatus();
}

int main() {
  if (absl::Status status = Run(); !status.ok()) {
    std::cerr << status << "\n";
    return 1;
  }
  return 0;
}
