// tests/testing/workload_runner.cc

#include "tests/testing/workload_runner.h"

#include "absl/strings/str_cat.h"

namespace statelog::testing {
namespace {

Options WithEnv(Options options, Env* env) {
  options.env = env;
  options.create_if_missing = true;
  // Crash states are replayed from exact operation sequences: compaction
  // runs inline, in the Apply that makes it due, not on a thread.
  options.compact_in_background = false;
  return options;
}

}  // namespace

WorkloadRunner::WorkloadRunner(CrashEnv* env, Options options, Oracle* oracle,
                               FaultPlan* plan, Findings* findings,
                               std::function<std::string()> context)
    : env_(env),
      options_(WithEnv(std::move(options), env)),
      oracle_(oracle),
      plan_(plan),
      findings_(findings),
      context_(std::move(context)) {}

WorkloadRunner::~WorkloadRunner() { Close(); }

bool WorkloadRunner::FiredSince(bool fired_before) const {
  return plan_ != nullptr && plan_->fired() && !fired_before;
}

absl::Status WorkloadRunner::Open() {
  const bool fired_before = plan_ && plan_->fired();
  absl::StatusOr<OpenResult> opened = Store::Open(kStoreDir, options_);
  if (!opened.ok()) return opened.status();
  store_ = std::move(opened->store);
  must_refuse_ = FiredSince(fired_before) && plan_->MustPoison();
  uint64_t seq = store_->LastSeq();
  Json state;
  // A store opened lazily keeps it so until a step needs the state; the
  // crash states' recoveries (the oracle's) read it.
  if (!options_.load_state_lazily) {
    absl::Status read = store_->Read([&](const Json& s, uint64_t q) {
      state = s;
      seq = q;
    });
    if (!read.ok()) return read;
  }
  RecoveryCheck check;
  check.opened = true;
  check.seq = seq;
  if (!options_.load_state_lazily && seq <= oracle_->submitted() &&
      state != oracle_->StateAfter(seq)) {
    check.problems.emplace_back(
        Violation::kInvented,
        absl::StrCat("reopened at seq ", seq,
                     " with a state that is not the "
                     "state after exactly ",
                     seq, " transactions: ", Abbreviate(state)));
  }
  const uint64_t before = findings_->total();
  CheckBounds(
      check, oracle_->acknowledged(), oracle_->submitted(),
      [&] { return context_() + "\n  reopening in the workload"; }, findings_);
  if (findings_->total() != before) {
    return absl::InternalError("the reopened store fails the oracle");
  }
  oracle_->Rebase(seq);
  while (!marks_.empty() && marks_.back().seq > seq) marks_.pop_back();
  return absl::OkStatus();
}

absl::Status WorkloadRunner::Run(StepKind step) {
  // After a fault that fired once, a store it did not poison must work
  // again: a call that still fails shows state the failure left behind.
  const bool after_transient = plan_ && plan_->fired() && !plan_->sticky();
  absl::Status s = RunStep(step);
  if (!s.ok() && after_transient &&
      (store_ == nullptr || store_->status().ok())) {
    findings_->Add(
        Violation::kStuck,
        absl::StrCat(context_(), "\n  after ", plan_->Describe(),
                     " (a fault that fired once and is gone), step ",
                     StepName(step), " still fails: ", s.ToString()));
  }
  return s;
}

absl::Status WorkloadRunner::RunStep(StepKind step) {
  const uint64_t index = step_index_++;
  if (store_ == nullptr) {
    absl::Status s = Open();
    if (!s.ok()) return s;
  }
  if (IsTransactionStep(step)) {
    return ApplyStep(StepTransaction(step, oracle_->current(), index));
  }
  absl::Status s;
  switch (step) {
    case StepKind::kCompact:
      s = store_->Compact();
      if (s.ok()) AcknowledgeAll();
      return s;
    case StepKind::kSync:
      s = store_->Sync();
      if (s.ok()) AcknowledgeAll();
      return s;
    case StepKind::kReopen:
      Close();
      return Open();
    default:
      return absl::OkStatus();
  }
}

absl::Status WorkloadRunner::ApplyStep(const Transaction& txn) {
  const uint64_t before = store_->LastSeq();
  const bool fired_before = plan_ && plan_->fired();
  oracle_->Submit(txn);
  marks_.push_back(TxnMark{oracle_->submitted(), env_->log_size(), SIZE_MAX});
  absl::StatusOr<uint64_t> seq = store_->Apply(txn);
  const bool fired_now = FiredSince(fired_before);
  const bool refuse = must_refuse_;
  if (fired_now && plan_->MustPoison()) must_refuse_ = true;
  if (!seq.ok()) {
    if (store_->LastSeq() == before) {
      oracle_->Withdraw();
      marks_.pop_back();
    }
    return seq.status();
  }
  if (*seq != oracle_->submitted()) {
    findings_->Add(Violation::kInvented,
                   absl::StrCat(context_(), "\n  the store gave seq ", *seq,
                                " to transaction ", oracle_->submitted()));
  }
  if (refuse) {
    findings_->Add(Violation::kAckedAfterFailure,
                   absl::StrCat(context_(), "\n  acknowledged seq ", *seq,
                                " after ", plan_->Describe()));
  }
  if (fired_now && !DurableNow(*seq)) {
    findings_->Add(Violation::kLostAcked,
                   absl::StrCat(context_(), "\n  acknowledged seq ", *seq,
                                " although ", plan_->Describe(),
                                " failed during the call, and a power cut "
                                "right after it loses the transaction"));
  }
  if (options_.durability == Durability::kSync) {
    oracle_->Acknowledge(*seq);
    marks_.back().acked_at = env_->log_size();
  }
  return absl::OkStatus();
}

void WorkloadRunner::AcknowledgeAll() {
  for (TxnMark& m : marks_) {
    if (m.acked_at == SIZE_MAX) m.acked_at = env_->log_size();
  }
  if (!marks_.empty()) oracle_->Acknowledge(marks_.back().seq);
}

bool WorkloadRunner::DurableNow(uint64_t seq) {
  CrashEnv copy(env_->DurableImage());
  absl::StatusOr<OpenResult> opened =
      Store::Open(kStoreDir, WithEnv(options_, &copy));
  return opened.ok() && opened->store->LastSeq() >= seq;
}

void WorkloadRunner::Close() {
  if (store_ == nullptr) return;
  const bool healthy = store_->status().ok();
  store_.reset();
  // Closing syncs: under every policy what was applied is now durable.
  if (healthy && (plan_ == nullptr || !plan_->fired())) AcknowledgeAll();
}

void WorkloadRunner::FinishAfterFault() {
  if (plan_ == nullptr || !plan_->fired()) return;
  plan_->Disarm();
  if (store_ == nullptr) return;
  const bool poisoned = !store_->status().ok();
  // Twice: the first transaction may compact automatically (and a failure
  // there is swallowed), leaving the explicit compaction nothing to do.
  for (int round = 0; round < 2; ++round) {
    absl::Status s = ApplyStep(StepTransaction(
        StepKind::kSmallSet, oracle_->current(), step_index_++));
    if (must_refuse_ || poisoned) return;
    if (!s.ok()) {
      findings_->Add(Violation::kStuck,
                     absl::StrCat(context_(), "\n  after ", plan_->Describe(),
                                  ", the store is not poisoned but refuses a "
                                  "transaction: ",
                                  s.ToString()));
      return;
    }
    s = store_->Compact();
    if (!s.ok()) {
      findings_->Add(Violation::kStuck,
                     absl::StrCat(context_(), "\n  after ", plan_->Describe(),
                                  ", the store is not poisoned but cannot "
                                  "compact any more: ",
                                  s.ToString()));
      return;
    }
  }
}

}  // namespace statelog::testing
