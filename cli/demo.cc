// cli/demo.cc
//
// `statelog demo`: shows in under a minute what statelog is for. A child
// process checkpoints an agent's state with many small durable transactions
// per second; the demo SIGKILLs it at random moments, reopens the store, and
// checks that recovery kept every acknowledged checkpoint, invented nothing,
// and rebuilt exactly the state an in-memory replay of the same checkpoints
// gives. Several kills hit the same store, with compactions in between, so
// recovery from a snapshot plus the journal tail is exercised too.

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "cli/commands.h"
#include "cli/demo_checks.h"
#include "cli/demo_crash.h"
#include "cli/demo_workload.h"
#include "cli/exit_codes.h"
#include "statelog/store.h"

namespace statelog::cli {
namespace {

struct DemoFlags {
  std::string dir;
  double seconds = 3.0;
  int rounds = 3;
  uint64_t seed = 0;
  bool seed_given = false;
  bool keep = false;
  uint64_t compact_after_records = 500;
};

// Where the demo's store lives: DIR from --dir, kept; or a new temporary
// directory, removed when this object dies unless `keep`.
class DemoDir {
 public:
  DemoDir(const std::string& requested, bool keep) : keep_(keep) {
    if (!requested.empty()) {
      store_ = requested;
      return;
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
        "/statelog-demo-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      error_ = absl::InternalError("cannot create a directory " + pattern);
      return;
    }
    temp_ = pattern;
    store_ = temp_ + "/store";
  }
  ~DemoDir() {
    if (temp_.empty()) return;
    if (keep_) {
      Say(absl::StrCat("kept ", store_, "\n"));
      return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(temp_, ignored);
  }
  DemoDir(const DemoDir&) = delete;
  DemoDir& operator=(const DemoDir&) = delete;

  const absl::Status& error() const { return error_; }
  const std::string& store() const { return store_; }

 private:
  bool keep_;
  std::string temp_;
  std::string store_;
  absl::Status error_;
};

Options DemoOptions(const DemoFlags& flags) {
  Options options;
  options.durability = Durability::kSync;
  options.compact_after_records = flags.compact_after_records;
  return options;
}

int RunDemo(const DemoFlags& flags) {
  uint64_t seed = flags.seed;
  if (!flags.seed_given) {
    std::random_device device;
    seed = (static_cast<uint64_t>(device()) << 32) | device();
  }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> kill_after(flags.seconds / 3,
                                                    flags.seconds);

  DemoDir dir(flags.dir, flags.keep);
  if (!dir.error().ok()) return Fail("demo", dir.error(), ExitCode::kIoError);
  // The demo's model of the state starts from an empty store, so a store
  // that already holds something is refused.
  Options create = DemoOptions(flags);
  create.create_if_missing = true;
  create.error_if_exists = true;
  absl::StatusOr<OpenResult> created = Store::Open(dir.store(), create);
  if (!created.ok()) return FailOpen("demo", created.status());
  created->store.reset();  // the child takes the lock

  Say(absl::StrCat(
      "statelog demo: a child process checkpoints an agent's state as fast\n"
      "as durable transactions allow. It is killed with SIGKILL at random\n"
      "moments; after each kill the store is recovered and checked against\n"
      "an in-memory replay of the same checkpoints.\n",
      "  store       ", dir.store(), "\n",  //
      "  seed        ", seed, " (rerun with --seed ", seed, ")\n",
      "  durability  sync: a checkpoint is acknowledged after fdatasync\n",
      "  compaction  every ", flags.compact_after_records, " records\n"));

  DemoModel model;
  std::vector<DemoRound> rounds;
  bool passed = true;
  for (int i = 1; i <= flags.rounds && passed; ++i) {
    CrashPlan plan{dir.store(), absl::Seconds(kill_after(rng)),
                   flags.compact_after_records};
    Say(absl::StrFormat("\n== round %d of %d: SIGKILL after %.2f s ==\n", i,
                        flags.rounds, absl::ToDoubleSeconds(plan.kill_after)));
    absl::StatusOr<CrashOutcome> crash = RunCrash(plan);
    if (!crash.ok()) {
      Say(absl::StrCat("  FAIL  ", crash.status().ToString(), "\n"));
      passed = false;
      break;
    }
    DemoRound round;
    round.crash = *crash;
    const double seconds = absl::ToDoubleSeconds(crash->checkpointing);
    Say(absl::StrFormat(
        "killed: %d checkpoints acknowledged in %.2f s (%.0f/s); "
        "seq %d -> highest acknowledged %d, highest attempted %d\n",
        crash->acked(), seconds, seconds > 0 ? crash->acked() / seconds : 0.0,
        crash->start_seq, crash->highest_ack, crash->highest_attempt));
    passed = RecoverAndCheck(dir.store(), DemoOptions(flags), &model, &round);
    rounds.push_back(round);
  }
  const bool verified = passed && VerifyAfterDemo(dir.store());
  passed = passed && verified;
  PrintDemoSummary(rounds, verified, passed);
  return static_cast<int>(passed ? ExitCode::kOk : ExitCode::kUsage);
}

}  // namespace

void AddDemoCommand(CLI::App& app, CommandRunner* run) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* command = AddCommand(
      app, "demo", "Crash-test statelog with SIGKILL in under a minute",
      "A child process checkpoints an agent's state with durable\n"
      "transactions and is killed with SIGKILL at a random moment. The\n"
      "store is reopened and checked: no acknowledged checkpoint lost,\n"
      "nothing invented, and the state identical to an in-memory replay\n"
      "of the same checkpoints. Repeats on the same store (compacting\n"
      "along the way), prints the recovery reports and a summary, and\n"
      "exits 0 only on PASS.\n");
  command->add_option("--dir", flags->dir,
                      "Create the store here and keep it (default: a new "
                      "temporary directory)");
  command
      ->add_option("--seconds", flags->seconds,
                   "Kill at a random moment between S/3 and S seconds (S from "
                   "0.01 to 60) after the child starts checkpointing")
      ->option_text("S")
      ->check(SecondsRange(0.01, 60.0))
      ->capture_default_str();
  command->add_option("--rounds", flags->rounds, "Number of kills")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  command->add_option("--seed", flags->seed,
                      "Seed for the kill moments (default: random; printed)");
  command
      ->add_option("--compact-after", flags->compact_after_records,
                   "Compact after this many records")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40))
      ->capture_default_str();
  command->add_flag("--keep", flags->keep,
                    "Keep the temporary directory and print its path");
  command->callback([run, flags, command] {
    flags->seed_given = command->count("--seed") > 0;
    *run = [flags] { return RunDemo(*flags); };
  });
}

}  // namespace statelog::cli
