// tests/testing/crash_workload.cc

#include "tests/testing/crash_workload.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "statelog/store.h"
#include "tests/testing/crash_env.h"
#include "tests/testing/workload_runner.h"

namespace statelog::testing {
namespace {

// Builds a fixture by running `steps` (compacting where kCompact says) on a
// new store with automatic compaction off.
Fixture BuildFixture(const std::string& name, const Options& options,
                     const std::vector<StepKind>& steps) {
  Fixture f;
  f.name = name;
  CrashEnv env;
  Options o = options;
  o.compact_after_records = 0;
  o.compact_after_bytes = 0;
  Findings findings;
  {
    WorkloadRunner runner(&env, o, &f.oracle, nullptr, &findings,
                          [name] { return "building fixture " + name; });
    absl::Status s = runner.Open();
    for (StepKind step : steps) {
      if (s.ok()) s = runner.Run(step);
    }
    if (!s.ok() || findings.total() != 0) {
      // The harness cannot work without its fixtures.
      std::fprintf(stderr, "fixture %s: %s\n", name.c_str(),
                   s.ToString().c_str());
      std::abort();
    }
  }
  f.image = env.DurableImage();
  return f;
}

}  // namespace

const char* StepName(StepKind kind) {
  switch (kind) {
    case StepKind::kSmallSet:
      return "set";
    case StepKind::kBigSet:
      return "big";
    case StepKind::kRemove:
      return "remove";
    case StepKind::kAppend:
      return "append";
    case StepKind::kMerge:
      return "merge";
    case StepKind::kCompact:
      return "compact";
    case StepKind::kReopen:
      return "reopen";
    case StepKind::kSync:
      return "sync";
  }
  return "?";
}

std::string StepsToString(const std::vector<StepKind>& steps) {
  if (steps.empty()) return "(none)";
  return absl::StrJoin(steps, ",", [](std::string* out, StepKind k) {
    out->append(StepName(k));
  });
}

std::vector<StepKind> RandomSteps(uint64_t seed, size_t length,
                                  bool with_sync) {
  std::mt19937_64 rng(seed);
  std::vector<StepKind> steps;
  for (size_t i = 0; i < length; ++i) {
    const uint64_t r = rng() % 100;
    StepKind k = r < 24   ? StepKind::kSmallSet
                 : r < 34 ? StepKind::kMerge
                 : r < 44 ? StepKind::kBigSet
                 : r < 54 ? StepKind::kRemove
                 : r < 78 ? StepKind::kAppend
                 : r < 86 ? StepKind::kCompact
                 : r < 91 ? StepKind::kReopen
                          : StepKind::kSync;
    if (k == StepKind::kSync && !with_sync) k = StepKind::kSmallSet;
    steps.push_back(k);
  }
  return steps;
}

bool IsTransactionStep(StepKind kind) {
  return kind == StepKind::kSmallSet || kind == StepKind::kBigSet ||
         kind == StepKind::kRemove || kind == StepKind::kAppend ||
         kind == StepKind::kMerge;
}

Transaction StepTransaction(StepKind kind, const Json& state, uint64_t index) {
  Transaction txn;
  switch (kind) {
    case StepKind::kSmallSet:
      if (index % 2) return txn.Set(absl::StrCat("/k", index % 7), index);
      return txn.Set(absl::StrCat("/k", index % 7), absl::StrCat("v", index));
    case StepKind::kBigSet:
      return txn.Set(absl::StrCat("/big", index % 2),
                     std::string(4100 + (index * 397) % 700,
                                 static_cast<char>('a' + index % 26)));
    case StepKind::kRemove:
      if (state.is_object() && !state.empty()) {
        // The keys the steps use need no escaping in a pointer.
        auto it = state.begin();
        std::advance(it, index % state.size());
        return txn.Remove("/" + it.key());
      }
      return txn.Unset("/absent");
    case StepKind::kAppend:
      if (state.is_object() && state.contains("list") &&
          state["list"].is_array()) {
        return txn.Add("/list/-", index);
      }
      return txn.Set("/list", Json::array()).Add("/list/-", index);
    case StepKind::kMerge:
      // Adds, changes and deletes members, some nested.
      if (index % 3 == 0)
        return txn.Merge({{absl::StrCat("m", index % 5), nullptr}});
      return txn.Merge(
          {{absl::StrCat("m", index % 5), {{"n", index}}}, {"merged", index}});
    default:
      return txn;
  }
}

Fixture NoStore() {
  Fixture f;
  f.name = "no store";
  return f;
}

Fixture FreshStore(const Options& options) {
  return BuildFixture("fresh store", options, {});
}

Fixture StoreWithSnapshotsAndTail(const Options& options) {
  using S = StepKind;
  return BuildFixture(
      "store with snapshots and a tail", options,
      {S::kSmallSet, S::kAppend, S::kBigSet, S::kCompact, S::kAppend,
       S::kSmallSet, S::kCompact, S::kAppend, S::kSmallSet});
}

absl::StatusOr<RestartThenPowerCut> AcknowledgeAfterRestartThenCutPower(
    CrashEnv* env, Options options, const std::string& label) {
  RestartThenPowerCut result;
  options.env = env;
  options.compact_in_background = false;  // deterministic operation order
  {
    absl::StatusOr<OpenResult> reopened = Store::Open(kStoreDir, options);
    if (!reopened.ok()) return reopened.status();
    result.reopened_at = reopened->report.last_seq;
    // 200 bytes: does not fit after a record that nearly fills a 4 KiB
    // segment, so it goes to a new one.
    absl::StatusOr<uint64_t> acked =
        reopened->store->Apply(Transaction().Set("/c", std::string(200, 'c')));
    if (!acked.ok()) return acked.status();
  }
  CrashEnv cut(env->DurableImage());
  options.env = &cut;
  absl::StatusOr<OpenResult> after = Store::Open(kStoreDir, options);
  if (after.ok()) {
    result.after = after->store->LastSeq();
  } else {
    result.after = after.status();
  }
  std::cout << label << ": reopened at seq " << result.reopened_at
            << ", acknowledged seq " << result.reopened_at + 1
            << ", after a power cut: "
            << (result.after.ok() ? "seq " + std::to_string(*result.after)
                                  : result.after.status().ToString())
            << std::endl;
  return result;
}

}  // namespace statelog::testing
