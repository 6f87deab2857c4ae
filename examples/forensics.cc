// examples/forensics.cc
//
// What a store held after record SEQ, and every record that changed the
// value at POINTER, with the value before and after:
//
//   forensics DIR SEQ POINTER
//
// Reads only: works on the store of a program that crashed, or beside one
// still running.

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "statelog/history.h"

namespace {

std::string Text(const std::optional<statelog::Json>& value) {
  return value.has_value() ? value->dump() : "(none)";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: forensics DIR SEQ POINTER\n";
    return 1;
  }
  const std::string dir = argv[1];
  const uint64_t seq = std::strtoull(argv[2], nullptr, 10);

  absl::StatusOr<statelog::StateAt> at = statelog::ReadStateAt(dir, seq);
  if (!at.ok()) {
    std::cerr << at.status() << "\n";
    return 1;
  }
  std::cout << "at seq " << seq << ": " << at->state.dump() << "\n";

  statelog::HistoryRequest request;
  request.pointer = argv[3];
  absl::StatusOr<statelog::HistoryEnd> end = statelog::ReadHistory(
      dir, request, [](const statelog::HistoryRecord& record) {
        std::cout << "seq " << record.seq << ": " << Text(record.before)
                  << " -> " << Text(record.after) << "\n";
        return absl::OkStatus();
      });
  if (!end.ok()) {
    std::cerr << end.status() << "\n";
    return 1;
  }
  return 0;
}
