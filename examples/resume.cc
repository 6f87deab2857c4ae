// examples/resume.cc
//
// A job of `steps` steps that checkpoints after each one and, started
// again after a crash or a kill, goes on from the first step not done:
//
//   resume DIR STEPS
//
// Each step's result and the step counter change in one transaction, so a
// restart never finds a result without its step counted or the other way
// round. Prints the steps it ran, then the final state.

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "statelog/store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: resume DIR STEPS\n";
    return 1;
  }
  const std::string dir = argv[1];
  const int steps = std::atoi(argv[2]);

  statelog::Options options;
  options.create_if_missing = true;  // durability: kSync, the default
  absl::StatusOr<statelog::OpenResult> opened =
      statelog::Store::Open(dir, options);
  if (!opened.ok()) {
    std::cerr << "resume: " << opened.status() << "\n";
    return 1;
  }
  std::unique_ptr<statelog::Store> store = std::move(opened->store);

  // The first step not done: "/done" is absent in a new store.
  int next = 0;
  absl::StatusOr<statelog::Json> done = store->Get("/done");
  if (done.ok()) {
    next = done->get<int>();
  } else if (!absl::IsNotFound(done.status())) {
    std::cerr << "resume: " << done.status() << "\n";
    return 1;
  }

  for (int step = next; step < steps; ++step) {
    const int result = step * step;  // the step's work
    absl::StatusOr<uint64_t> seq =
        store->Apply(statelog::Transaction()
                         .Set("/results/" + std::to_string(step), result)
                         .Set("/done", step + 1));
    if (!seq.ok()) {
      std::cerr << "resume: step " << step << ": " << seq.status() << "\n";
      return 1;
    }
    // Flushed, so that what a killed run printed is what it was told.
    std::cout << "step " << step << " done (seq " << *seq << ")" << std::endl;
  }

  absl::StatusOr<statelog::Json> state = store->Get("");
  if (!state.ok()) {
    std::cerr << "resume: " << state.status() << "\n";
    return 1;
  }
  std::cout << state->dump() << "\n";
  return 0;
}
