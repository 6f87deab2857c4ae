// cli/demo_checks.h
//
// What `statelog demo` checks after each kill, and how it tells the reader:
// the narrative lines, the recovery report, one "ok"/"FAIL" line per check,
// and the closing summary. All of it goes to stdout.

#ifndef STATELOG_CLI_DEMO_CHECKS_H_
#define STATELOG_CLI_DEMO_CHECKS_H_

#include <string>
#include <vector>

#include "cli/demo_crash.h"
#include "cli/demo_workload.h"
#include "statelog/options.h"
#include "statelog/recovery_report.h"

namespace statelog::cli {

// Writes `text` to stdout and flushes it, so the narrative keeps pace with a
// demo that takes seconds.
void Say(const std::string& text);

// One kill and the recovery after it.
struct DemoRound {
  CrashOutcome crash;
  RecoveryReport report;
};

// Reopens the store in `dir` with `options` (running recovery), prints the
// report into `round->report` and on stdout, and checks the store against
// what the killed child reported in `round->crash` and against `*model`,
// which it advances to the recovered sequence number. True if every check
// passes.
bool RecoverAndCheck(const std::string& dir, const Options& options,
                     DemoModel* model, DemoRound* round);

// Runs the read-only verifier over the whole store. True if it finds it ok.
bool VerifyAfterDemo(const std::string& dir);

// Prints checkpoint rate, recovery times, records replayed, snapshots used
// and the verdict.
void PrintDemoSummary(const std::vector<DemoRound>& rounds, bool verified,
                      bool passed);

}  // namespace statelog::cli

#endif  // STATELOG_CLI_DEMO_CHECKS_H_
