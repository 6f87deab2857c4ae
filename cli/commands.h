// cli/commands.h
//
// The subcommands of `statelog`. Each Add*Command registers one subcommand
// (its arguments, flags and help) on the top-level app; when the command line
// selects it, `*run` is set to the function that does the work and returns
// the process exit code (cli/exit_codes.h). Parsing and running are separate
// so that no command runs inside CLI11's exception handling.

#ifndef STATELOG_CLI_COMMANDS_H_
#define STATELOG_CLI_COMMANDS_H_

#include <cmath>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"

namespace statelog::cli {

using CommandRunner = std::function<int()>;

// Adds subcommand `name` to `app`. `summary` (one line) is listed by
// `statelog --help`; `details` (lines of at most 76 characters, each ending
// in "\n") appear in the command's own --help, above the exit codes.
inline CLI::App* AddCommand(CLI::App& app, const char* name,
                            const char* summary, const char* details) {
  CLI::App* command = app.add_subcommand(name, summary);
  command->footer([details] { return std::string(details); });
  return command;
}

// A check that a flag's value is a number of seconds from `lo` to `hi`.
// (CLI::Range lets NaN through, as every comparison with it is false, and
// `--wait nan` then waited for ever.)
inline CLI::Validator SecondsRange(double lo, double hi) {
  std::ostringstream range;
  range << "a number of seconds from " << lo << " to " << hi;
  const std::string wanted = range.str();
  return CLI::Validator(
      [lo, hi, wanted](std::string& text) -> std::string {
        double seconds = 0;
        if (!CLI::detail::lexical_cast(text, seconds) ||
            !std::isfinite(seconds) || seconds < lo || seconds > hi) {
          return text + " is not " + wanted;
        }
        return "";
      },
      "SECONDS in [" + CLI::detail::to_string(lo) + " - " +
          CLI::detail::to_string(hi) + "]");
}

// A check that a flag's value is a sequence number: decimal digits only
// (CLI11 alone reads "010" as octal 8, "0x0a" as hex, "" as 0, and wraps
// "-1"), at most 2^64-1. Leading zeros are decimal, as in file names:
// "00000000000000000009" is 9.
inline CLI::Validator DecimalSeq() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        uint64_t value = 0;
        if (text.empty() ||
            text.find_first_not_of("0123456789") != std::string::npos ||
            !absl::SimpleAtoi(text, &value)) {
          return "\"" + text +
                 "\" is not a sequence number (decimal digits, at most "
                 "18446744073709551615)";
        }
        text = std::to_string(value);  // what CLI11 then reads as decimal
        return "";
      },
      "SEQ");
}

// init DIR [--from FILE]
void AddInitCommand(CLI::App& app, CommandRunner* run);
// apply DIR [FILE|-] [--durability POLICY] [--recovery-mode MODE]
void AddApplyCommand(CLI::App& app, CommandRunner* run);
// save DIR [FILE|-] [--durability POLICY] [--recovery-mode MODE]
//      [--wait SECONDS]
void AddSaveCommand(CLI::App& app, CommandRunner* run);
// get DIR [POINTER] [--pretty] [--recovery-mode MODE] [--at SEQ]
void AddGetCommand(CLI::App& app, CommandRunner* run);
// log DIR [--from SEQ] [--to SEQ] [--path POINTER]
void AddLogCommand(CLI::App& app, CommandRunner* run);
// verify DIR [--compact]
void AddVerifyCommand(CLI::App& app, CommandRunner* run);
// compact DIR [--recovery-mode MODE]
void AddCompactCommand(CLI::App& app, CommandRunner* run);
// demo [--dir DIR] [--seconds S] [--rounds N] [--seed N] [--compact-after N]
//      [--keep]
void AddDemoCommand(CLI::App& app, CommandRunner* run);
// __demo-child DIR --report-fd FD (hidden; started by `demo`)
void AddDemoChildCommand(CLI::App& app, CommandRunner* run);

}  // namespace statelog::cli

#endif  // STATELOG_CLI_COMMANDS_H_
