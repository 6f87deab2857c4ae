// cli/store_flags.h
//
// Flags shared by the commands that open a store: how recovery treats damage
// and, for writers, when a transaction counts as durable.

#ifndef STATELOG_CLI_STORE_FLAGS_H_
#define STATELOG_CLI_STORE_FLAGS_H_

#include "CLI/CLI.hpp"
#include "statelog/options.h"

namespace statelog::cli {

// --recovery-mode strict|tolerate-torn-tail|point-in-time, stored in `*mode`
// (whose current value is the default).
void AddRecoveryModeFlag(CLI::App* command, RecoveryMode* mode);

// --durability sync|interval|none, stored in `*durability`.
void AddDurabilityFlag(CLI::App* command, Durability* durability);

}  // namespace statelog::cli

#endif  // STATELOG_CLI_STORE_FLAGS_H_
