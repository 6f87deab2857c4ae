// tests/testing/oracle.h
//
// The oracle shared by the crash and fault tests (issue 4). It keeps every
// submitted transaction in order, the highest acknowledged sequence number
// and the canonical state after each prefix (internal::ApplyTransaction from
// {}). After a recovery to state D at sequence number s it checks:
//
//   durability     s >= the highest acknowledged when the crash happened;
//   no invention   s <= the number submitted, and D is the state after
//                  exactly the first s transactions (which also catches
//                  reordering, duplication and double application);
//   idempotence    recovering again from a power cut right after the
//                  recovery gives the same s and D;
//   writability    three new transactions on the recovered store are
//                  acknowledged and survive the next power cut (losing
//                  them counts as lost-acked).
//
// Findings counts violations by kind and keeps the first few in full.

#ifndef STATELOG_TESTS_TESTING_ORACLE_H_
#define STATELOG_TESTS_TESTING_ORACLE_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "statelog/options.h"
#include "statelog/transaction.h"
#include "tests/testing/crash_env.h"

namespace statelog::testing {

class Oracle {
 public:
  // No transactions; the state is {}.
  Oracle();

  // Records the next transaction. REQUIRES: it applies to current().
  void Submit(const Transaction& txn);
  // The last submitted transaction never got a sequence number (the store
  // refused it before framing it).
  void Withdraw();
  // Sequence numbers up to `seq` are acknowledged.
  void Acknowledge(uint64_t seq);
  // A recovery settled on `seq`: the transactions after it can never
  // appear, and the next one submitted gets `seq + 1`.
  void Rebase(uint64_t seq);

  uint64_t submitted() const { return txns_.size(); }
  uint64_t acknowledged() const { return acked_; }
  // REQUIRES: seq <= submitted().
  const Json& StateAfter(uint64_t seq) const { return states_[seq]; }
  const Json& current() const { return states_.back(); }

 private:
  std::vector<Transaction> txns_;
  std::vector<Json> states_;  // states_[i]: after the first i transactions
  uint64_t acked_ = 0;
};

enum class Violation : uint8_t {
  kLostAcked,          // recovered fewer than were acknowledged
  kInvented,           // beyond what was submitted, or a state no prefix has
  kUnrecoverable,      // Open failed
  kNotIdempotent,      // recovering again gave another state
  kNotWritable,        // the recovered store refused new transactions
  kAckedAfterFailure,  // acknowledged after a failed fsync or journal write
  kStuck,              // a transient fault left the store unable to compact
};
inline constexpr size_t kViolationKinds = 7;
const char* ViolationName(Violation v);

class Findings {
 public:
  // Counts `v`; keeps `detail` for the first kKeptPerKind of each kind (for
  // all with STATELOG_VERBOSE set).
  void Add(Violation v, const std::string& detail);
  uint64_t count(Violation v) const { return counts_[static_cast<size_t>(v)]; }
  uint64_t total() const;
  // "0 lost-acked, 0 invented, 0 unrecoverable, ..." (every kind).
  std::string Counts() const;
  const std::vector<std::string>& examples() const { return examples_; }

  static constexpr uint64_t kKeptPerKind = 2;

 private:
  std::array<uint64_t, kViolationKinds> counts_{};
  std::vector<std::string> examples_;
};

// What one recovery showed, apart from the bounds of the crash moment.
struct RecoveryCheck {
  bool opened = false;
  uint64_t seq = 0;         // the recovered sequence number
  uint64_t report_seq = 0;  // RecoveryReport::last_seq
  std::vector<std::pair<Violation, std::string>> problems;
};

// Opens the store in `dir` on `env` (running recovery) with `options`
// (create_if_missing set, env replaced), checks the recovered state against
// `oracle`, applies the three writability transactions to it, and checks
// idempotence and writability by recovering copies of the power-cut images
// taken before and after them. Leaves no store open; `env` keeps what the
// recovery and the three transactions did.
RecoveryCheck CheckRecovery(CrashEnv* env, const std::string& dir,
                            const Options& options, const Oracle& oracle);

// Adds the violations of `check` for a crash at which `acked` was the
// highest acknowledged and `submitted` transactions had been submitted.
// `context` is called only to describe a violation.
template <typename Context>
void CheckBounds(const RecoveryCheck& check, uint64_t acked, uint64_t submitted,
                 const Context& context, Findings* findings);

// Compact one-line form of a state for messages (truncated).
std::string Abbreviate(const Json& state);

// ---------------------------------------------------------------------------

template <typename Context>
void CheckBounds(const RecoveryCheck& check, uint64_t acked, uint64_t submitted,
                 const Context& context, Findings* findings) {
  for (const auto& [violation, detail] : check.problems) {
    findings->Add(violation, context() + "\n  " + detail);
  }
  if (!check.opened) return;
  if (check.seq < acked) {
    findings->Add(Violation::kLostAcked,
                  context() + "\n  recovered seq " + std::to_string(check.seq) +
                      " but seq " + std::to_string(acked) +
                      " was acknowledged");
  }
  if (check.seq > submitted) {
    findings->Add(Violation::kInvented,
                  context() + "\n  recovered seq " + std::to_string(check.seq) +
                      " but only " + std::to_string(submitted) +
                      " transactions were submitted");
  }
}

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_ORACLE_H_
