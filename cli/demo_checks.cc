// cli/demo_checks.cc
//
// The demo's checks: the recovery guarantees of docs/recovery.md, observed
// from outside the process that was killed.

#include "cli/demo_checks.h"

#include <cstdint>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/console.h"
#include "recovery/verify.h"
#include "statelog/env.h"
#include "statelog/store.h"

namespace statelog::cli {
namespace {

bool Check(bool ok, const std::string& what) {
  Say(absl::StrCat("  ", ok ? "ok  " : "FAIL", "  ", what, "\n"));
  return ok;
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

}  // namespace

void Say(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

bool RecoverAndCheck(const std::string& dir, const Options& options,
                     DemoModel* model, DemoRound* round) {
  Say("reopening the store (Store::Open runs recovery)...\n");
  absl::StatusOr<OpenResult> opened = Store::Open(dir, options);
  if (!opened.ok()) {
    return Check(false, "Store::Open: " + opened.status().ToString());
  }
  Store& store = *opened->store;
  round->report = opened->report;
  Say("recovery report:\n");
  // The demo's narration, like Say's: its verdict is the checks, not
  // whether stdout took every line.
  PrintJsonPretty(round->report.ToJson()).IgnoreError();

  const CrashOutcome& crash = round->crash;
  const uint64_t last_seq = store.LastSeq();
  bool ok = Check(last_seq == round->report.last_seq,
                  absl::StrCat("Store::LastSeq() ", last_seq,
                               " == report.last_seq ", round->report.last_seq));
  ok &= Check(
      last_seq >= crash.highest_ack,
      absl::StrCat("recovered seq ", last_seq, " >= highest acknowledged ",
                   crash.highest_ack, " (no acknowledged checkpoint lost)"));
  ok &= Check(last_seq <= crash.highest_attempt,
              absl::StrCat("recovered seq ", last_seq, " <= highest attempted ",
                           crash.highest_attempt, " (nothing invented)"));

  absl::Status advanced = model->AdvanceTo(last_seq);
  if (!advanced.ok()) return Check(false, advanced.ToString());
  Json recovered;
  uint64_t read_seq = 0;
  absl::Status read = store.Read([&](const Json& state, uint64_t seq) {
    recovered = state;
    read_seq = seq;
  });
  if (!read.ok()) return Check(false, "Store::Read: " + read.ToString());
  const bool same = read_seq == last_seq && recovered == model->state();
  ok &= Check(same, absl::StrCat("recovered state == in-memory replay of "
                                 "checkpoints 1..",
                                 last_seq));
  if (!same) {
    Say(absl::StrCat("  difference (RFC 6902, replay -> recovered): ",
                     PrettyJson(Json::diff(model->state(), recovered)), "\n"));
  }
  return ok;
}

bool VerifyAfterDemo(const std::string& dir) {
  absl::StatusOr<Json> verified = internal::VerifyStore(dir, Env::Default());
  if (!verified.ok()) {
    return Check(false, "statelog verify: " + verified.status().ToString());
  }
  auto ok_field = verified->find("ok");
  const bool ok = ok_field != verified->end() && *ok_field == true;
  Check(ok, "statelog verify: every snapshot and segment checks out");
  if (!ok) PrintJsonPretty(*verified).IgnoreError();
  return ok;
}

void PrintDemoSummary(const std::vector<DemoRound>& rounds, bool verified,
                      bool passed) {
  uint64_t acked = 0;
  absl::Duration checkpointing, recovery, slowest;
  std::vector<std::string> replayed, snapshots;
  for (const DemoRound& round : rounds) {
    acked += round.crash.acked();
    checkpointing += round.crash.checkpointing;
    recovery += round.report.elapsed;
    if (round.report.elapsed > slowest) slowest = round.report.elapsed;
    replayed.push_back(absl::StrCat(round.report.records_replayed));
    snapshots.push_back(round.report.snapshot_used.empty()
                            ? "none"
                            : round.report.snapshot_used);
  }
  const double seconds = absl::ToDoubleSeconds(checkpointing);
  const double rate = seconds > 0 ? static_cast<double>(acked) / seconds : 0;
  const double mean_ms =
      rounds.empty() ? 0 : Ms(recovery) / static_cast<double>(rounds.size());

  Say("\n== summary ==\n");
  Say(absl::StrFormat("  kills (SIGKILL)      %d\n", rounds.size()));
  Say(absl::StrFormat(
      "  checkpoint rate      %.0f durable transactions/s acknowledged "
      "(%d in %.1f s, fdatasync before each ack)\n",
      rate, acked, seconds));
  Say(absl::StrFormat("  recovery time        %.1f ms mean, %.1f ms max\n",
                      mean_ms, Ms(slowest)));
  Say(absl::StrCat("  records replayed     ", absl::StrJoin(replayed, ", "),
                   " (journal tail on top of the snapshot)\n"));
  Say(absl::StrCat("  snapshots used       ", absl::StrJoin(snapshots, ", "),
                   "\n"));
  Say(absl::StrCat("  final verify         ", verified ? "ok" : "FAILED",
                   "\n"));
  Say(absl::StrCat("  result               ", passed ? "PASS" : "FAIL", "\n"));
}

}  // namespace statelog::cli
