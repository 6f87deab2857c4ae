// tests/testing/fault_run.cc

#include "tests/testing/fault_run.h"

#include "absl/strings/str_cat.h"

namespace statelog::testing {

void RunUnderFault(const Fixture& fixture, const std::vector<StepKind>& steps,
                   const Options& options, FaultPlan* plan,
                   const std::string& label, Findings* findings,
                   std::vector<FsCall>* calls) {
  CrashEnv env(fixture.image);
  Oracle oracle = fixture.oracle;
  FsFaultHook inject = plan ? plan->Hook() : FsFaultHook();
  env.set_fault_hook([&](const FsCall& call) -> std::optional<FsFault> {
    if (calls != nullptr) calls->push_back(call);
    return inject ? inject(call) : std::nullopt;
  });
  auto context = [&] { return label; };
  {
    WorkloadRunner runner(&env, options, &oracle, plan, findings, context);
    absl::Status s = runner.Open();
    for (StepKind step : steps) s = runner.Run(step);
    (void)s;  // failures are the point; the checks judge what they left
    runner.FinishAfterFault();
  }
  env.set_fault_hook(nullptr);

  // A power cut after the run.
  CrashEnv cut(env.DurableImage());
  RecoveryCheck check = CheckRecovery(&cut, kStoreDir, options, oracle);
  CheckBounds(
      check, oracle.acknowledged(), oracle.submitted(),
      [&] { return label + "\n  then a power cut"; }, findings);
  // A restart without a power cut: what failed to sync is still readable.
  check = CheckRecovery(&env, kStoreDir, options, oracle);
  CheckBounds(
      check, oracle.acknowledged(), oracle.submitted(),
      [&] {
        return label +
               "\n  then a restart in the same boot (the page cache "
               "still holds what failed to sync), and later a power cut";
      },
      findings);
}

}  // namespace statelog::testing
