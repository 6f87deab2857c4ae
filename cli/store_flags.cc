// cli/store_flags.cc
//
// The spellings of the Options enums on the command line.

#include "cli/store_flags.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace statelog::cli {
namespace {

// Adds `--flag NAME` accepting exactly the names in `values` (no numbers, no
// case folding) and storing the matching value in `*target`.
template <typename Enum>
CLI::Option* AddEnumFlag(CLI::App* command, const std::string& flag,
                         const std::map<std::string, Enum>& values,
                         Enum* target, const std::string& help) {
  std::vector<std::string> names;
  for (const auto& entry : values) names.push_back(entry.first);
  return command
      ->add_option_function<std::string>(
          flag,
          [&values, target](const std::string& name) {
            *target = values.at(name);
          },
          help)
      ->check(CLI::IsMember(names));
}

}  // namespace

void AddRecoveryModeFlag(CLI::App* command, RecoveryMode* mode) {
  static const std::map<std::string, RecoveryMode> kModes = {
      {"strict", RecoveryMode::kStrict},
      {"tolerate-torn-tail", RecoveryMode::kTolerateTornTail},
      {"point-in-time", RecoveryMode::kPointInTime},
  };
  AddEnumFlag(command, "--recovery-mode", kModes, mode,
              "tolerate-torn-tail (default), strict or point-in-time: "
              "what recovery does with damage (docs/cli.md)")
      ->option_text("MODE");
}

void AddDurabilityFlag(CLI::App* command, Durability* durability) {
  static const std::map<std::string, Durability> kPolicies = {
      {"sync", Durability::kSync},
      {"interval", Durability::kInterval},
      {"none", Durability::kNone},
  };
  AddEnumFlag(command, "--durability", kPolicies, durability,
              "sync (default: acknowledge after fdatasync), interval "
              "(fdatasync every 100 ms) or none (at close)")
      ->option_text("POLICY");
}

void AddWaitFlag(CLI::App* command, double* seconds) {
  command
      ->add_option("--wait", *seconds,
                   "Seconds (0 to 86400) to wait for another process's lock "
                   "on the store (default 0: fail at once with exit 4)")
      ->option_text("SECONDS")
      ->check(SecondsRange(0.0, 86400.0));
}

absl::StatusOr<OpenResult> OpenWaitingForLock(const std::string& dir,
                                              const Options& options,
                                              double wait_seconds) {
  // On the monotonic clock: a step of the wall clock must neither cut the
  // wait short nor stretch it.
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline =
      Clock::now() + absl::ToChronoNanoseconds(absl::Seconds(wait_seconds));
  absl::Duration pause = absl::Milliseconds(1);
  for (;;) {
    absl::StatusOr<OpenResult> opened = Store::Open(dir, options);
    // Nothing but another opener's lock is worth waiting for.
    const Clock::time_point now = Clock::now();
    if (!IsLockedError(opened.status()) || now >= deadline) return opened;
    absl::SleepFor(std::min(pause, absl::FromChrono(deadline - now)));
    pause = std::min(pause * 2, absl::Milliseconds(50));
  }
}

}  // namespace statelog::cli
