// tests/testing/oracle.cc

#include "tests/testing/oracle.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "statelog/store.h"
#include "txn/apply.h"

namespace statelog::testing {
namespace {

// Recovery must finish; a crash state that makes it crawl is a finding.
constexpr absl::Duration kRecoveryTimeout = absl::Seconds(10);

struct Recovered {
  absl::Status status;
  std::unique_ptr<Store> store;
  uint64_t seq = 0;
  uint64_t report_seq = 0;
  Json state;
  absl::Duration took;
};

Recovered Recover(CrashEnv* env, const std::string& dir, Options options) {
  options.env = env;
  options.create_if_missing = true;
  options.compact_in_background = false;  // deterministic operation order
  Recovered r;
  const absl::Time start = absl::Now();
  absl::StatusOr<OpenResult> opened = Store::Open(dir, options);
  r.took = absl::Now() - start;
  if (!opened.ok()) {
    r.status = opened.status();
    return r;
  }
  r.store = std::move(opened->store);
  r.report_seq = opened->report.last_seq;
  r.status = r.store->Read([&](const Json& state, uint64_t seq) {
    r.state = state;
    r.seq = seq;
  });
  return r;
}

// The three transactions of the writability check. The list makes a
// transaction applied twice visible.
Transaction AfterRecovery(int k) {
  Transaction txn;
  if (k == 0)
    return txn.Set("/_after", Json{{"n", 1}, {"list", Json::array()}});
  return txn.Add("/_after/list/-", k);
}

}  // namespace

Oracle::Oracle() : states_{Json::object()} {}

void Oracle::Submit(const Transaction& txn) {
  Json next = states_.back();
  absl::Status applied = internal::ApplyTransaction(txn, &next);
  if (!applied.ok()) {
    // A workload bug, not a store bug: the harness only submits
    // transactions that apply.
    std::abort();
  }
  txns_.push_back(txn);
  states_.push_back(std::move(next));
}

void Oracle::Withdraw() {
  txns_.pop_back();
  states_.pop_back();
  if (acked_ > txns_.size()) acked_ = txns_.size();
}

void Oracle::Acknowledge(uint64_t seq) {
  if (seq > acked_) acked_ = seq;
}

void Oracle::Rebase(uint64_t seq) {
  if (seq >= txns_.size()) return;
  txns_.resize(seq);
  states_.resize(seq + 1);
  if (acked_ > seq) acked_ = seq;
}

const char* ViolationName(Violation v) {
  switch (v) {
    case Violation::kLostAcked:
      return "lost-acked";
    case Violation::kInvented:
      return "invented";
    case Violation::kUnrecoverable:
      return "unrecoverable";
    case Violation::kNotIdempotent:
      return "not-idempotent";
    case Violation::kNotWritable:
      return "not-writable";
    case Violation::kAckedAfterFailure:
      return "acked-after-failure";
    case Violation::kStuck:
      return "stuck";
  }
  return "?";
}

void Findings::Add(Violation v, const std::string& detail) {
  static const bool verbose = std::getenv("STATELOG_VERBOSE") != nullptr;
  if (counts_[static_cast<size_t>(v)]++ < kKeptPerKind || verbose) {
    examples_.push_back(absl::StrCat("[", ViolationName(v), "] ", detail));
  }
}

uint64_t Findings::total() const {
  uint64_t n = 0;
  for (uint64_t c : counts_) n += c;
  return n;
}

std::string Findings::Counts() const {
  std::string out;
  for (size_t i = 0; i < kViolationKinds; ++i) {
    absl::StrAppend(&out, i ? ", " : "", counts_[i], " ",
                    ViolationName(static_cast<Violation>(i)));
  }
  return out;
}

std::string Abbreviate(const Json& state) {
  std::string s = state.dump(-1, ' ', true, Json::error_handler_t::replace);
  if (s.size() > 240)
    s = s.substr(0, 200) + "...(" + std::to_string(s.size()) + " bytes)";
  return s;
}

RecoveryCheck CheckRecovery(CrashEnv* env, const std::string& dir,
                            const Options& options, const Oracle& oracle) {
  RecoveryCheck out;
  auto problem = [&](Violation v, std::string detail) {
    out.problems.emplace_back(v, std::move(detail));
  };
  Recovered first = Recover(env, dir, options);
  if (first.took > kRecoveryTimeout) {
    problem(Violation::kUnrecoverable,
            absl::StrCat("recovery took ", absl::FormatDuration(first.took)));
  }
  if (!first.status.ok()) {
    problem(Violation::kUnrecoverable,
            absl::StrCat("recovery failed: ", first.status.ToString()));
    return out;
  }
  out.opened = true;
  out.seq = first.seq;
  out.report_seq = first.report_seq;
  if (first.report_seq != first.seq) {
    problem(Violation::kInvented,
            absl::StrCat("the recovery report says last_seq ", first.report_seq,
                         " but the store is at seq ", first.seq));
  }
  if (first.seq <= oracle.submitted() &&
      first.state != oracle.StateAfter(first.seq)) {
    problem(Violation::kInvented,
            absl::StrCat("recovered seq ", first.seq,
                         " with a state that is not the state after exactly ",
                         first.seq, " transactions:\n    recovered ",
                         Abbreviate(first.state), "\n    expected  ",
                         Abbreviate(oracle.StateAfter(first.seq))));
  }
  // A power cut right after the recovery, for the idempotence check.
  const FsImage after_recovery = env->DurableImage();

  // Writability: three transactions on the recovered store, acknowledged,
  // then a power cut.
  Json expected = first.state;
  for (int k = 0; k < 3; ++k) {
    Transaction txn = AfterRecovery(k);
    absl::StatusOr<uint64_t> seq = first.store->Apply(txn);
    if (seq.ok() && options.durability != Durability::kSync) {
      // Under kNone and kInterval, Sync is what acknowledges durability.
      absl::Status synced = first.store->Sync();
      if (!synced.ok()) seq = synced;
    }
    if (!seq.ok() || *seq != first.seq + k + 1) {
      problem(Violation::kNotWritable,
              absl::StrCat("after recovery to seq ", first.seq,
                           ", new transaction ", k + 1, " gave ",
                           seq.ok() ? absl::StrCat("seq ", *seq)
                                    : seq.status().ToString()));
      expected = Json();
      break;
    }
    (void)internal::ApplyTransaction(txn, &expected);
  }
  const FsImage after_writes = env->DurableImage();
  first.store.reset();

  // Idempotence: recovering the power-cut image gives the same again.
  {
    CrashEnv again(after_recovery);
    Recovered second = Recover(&again, dir, options);
    if (!second.status.ok()) {
      problem(Violation::kNotIdempotent,
              absl::StrCat("recovered seq ", first.seq,
                           ", but recovering again after a power cut failed: ",
                           second.status.ToString()));
    } else if (second.seq != first.seq || second.state != first.state) {
      problem(Violation::kNotIdempotent,
              absl::StrCat(
                  "recovered seq ", first.seq,
                  ", recovering again after a power cut gave seq ", second.seq,
                  second.state == first.state ? "" : " and another state"));
    }
  }
  if (expected.is_null()) return out;
  CrashEnv third(after_writes);
  Recovered after = Recover(&third, dir, options);
  if (!after.status.ok() || after.seq != first.seq + 3 ||
      after.state != expected) {
    problem(
        Violation::kLostAcked,
        absl::StrCat(
            "after recovery to seq ", first.seq,
            ", three transactions were acknowledged; after a "
            "power cut ",
            after.status.ok()
                ? absl::StrCat(
                      "recovery gave seq ", after.seq,
                      after.state == expected ? "" : " with another state")
                : absl::StrCat("recovery failed: ", after.status.ToString())));
  }
  return out;
}

}  // namespace statelog::testing
