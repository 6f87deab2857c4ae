// cli/store_flags.cc
//
// The spellings of the Options enums on the command line.

#include "cli/store_flags.h"

#include <map>
#include <string>
#include <vector>

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

}  // namespace statelog::cli
