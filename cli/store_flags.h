// cli/store_flags.h
//
// Flags shared by the commands that open a store: how recovery treats damage
// and, for writers, when a transaction counts as durable.

#ifndef STATELOG_CLI_STORE_FLAGS_H_
#define STATELOG_CLI_STORE_FLAGS_H_

#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "statelog/options.h"
#include "statelog/store.h"

namespace statelog::cli {

// --recovery-mode strict|tolerate-torn-tail|point-in-time, stored in `*mode`
// (whose current value is the default).
void AddRecoveryModeFlag(CLI::App* command, RecoveryMode* mode);

// --durability sync|interval|none, stored in `*durability`.
void AddDurabilityFlag(CLI::App* command, Durability* durability);

// --wait SECONDS, stored in `*seconds`: how long a writer command waits
// for the store's lock before it gives up (exit 4). 0, the default, does
// not wait.
void AddWaitFlag(CLI::App* command, double* seconds);

// Store::Open, tried again while another process holds the store's lock,
// for up to `wait_seconds` (with pauses growing from 1 ms to 50 ms).
absl::StatusOr<OpenResult> OpenWaitingForLock(const std::string& dir,
                                              const Options& options,
                                              double wait_seconds);

}  // namespace statelog::cli

#endif  // STATELOG_CLI_STORE_FLAGS_H_
