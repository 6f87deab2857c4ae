// tests/fault/crash_oracle.h
//
// The oracle of the fault tests that crash real processes and file systems
// (kill loop, power cut, disk full). It follows the seeded workload of
// tests/fault/fault_util.h: the driver tells it the highest sequence number
// submitted and acknowledged, and after each crash it recovers the store and
// checks, for the recovered state D at sequence number s:
//
//   durability     s >= the highest acknowledged;
//   no invention   s <= the highest submitted, and D is the state after
//                  exactly the first s transactions of the workload;
//   idempotence    recovering again (after another crash, where the medium
//                  can crash a store the driver has open) gives the same s
//                  and D, and finds no damage;
//   writability    new transactions on the recovered store are acknowledged
//                  and survive the next crash.
//
// Violations are counted by kind and reported as they are found.
// Header-only, like fault_util.h.

#ifndef STATELOG_TESTS_FAULT_CRASH_ORACLE_H_
#define STATELOG_TESTS_FAULT_CRASH_ORACLE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "statelog/store.h"
#include "tests/fault/child_channel.h"
#include "tests/fault/fault_util.h"

namespace statelog::fault {

// How the medium crashes a store the driver itself has open: `cut` runs with
// the store open (a power cut: EXT4_IOC_SHUTDOWN), the store is then
// destroyed, and `restart` brings the file system back (unmount, mount).
// Null functions are a clean close.
struct DriverCrash {
  std::function<absl::Status()> cut;
  std::function<absl::Status()> restart;
};

// Violations found, by kind.
struct CrashTally {
  uint64_t lost_acked = 0;
  uint64_t invented = 0;
  uint64_t unrecoverable = 0;  // Open failed
  uint64_t not_idempotent = 0;
  uint64_t not_writable = 0;
  uint64_t failures = 0;  // a child that failed or died, a crash that did not

  void Add(const CrashTally& other) {
    lost_acked += other.lost_acked;
    invented += other.invented;
    unrecoverable += other.unrecoverable;
    not_idempotent += other.not_idempotent;
    not_writable += other.not_writable;
    failures += other.failures;
  }
  uint64_t total() const {
    return lost_acked + invented + unrecoverable + not_idempotent +
           not_writable + failures;
  }
  // "0 lost-acked, 0 invented, 0 unrecoverable, 0 not idempotent, 0 not
  // writable, 0 other failures".
  std::string Counts() const {
    return absl::StrCat(lost_acked, " lost-acked, ", invented, " invented, ",
                        unrecoverable, " unrecoverable, ", not_idempotent,
                        " not idempotent, ", not_writable, " not writable, ",
                        failures, " other failures");
  }
};

class CrashOracle {
 public:
  // `report` receives one line per violation (or harness failure).
  CrashOracle(uint64_t seed, std::function<void(const std::string&)> report)
      : seed_(seed), model_(seed), report_(std::move(report)) {}

  // Transaction `seq` is about to be applied / is acknowledged.
  void Submitted(uint64_t seq) { submitted_ = std::max(submitted_, seq); }
  void Acked(uint64_t seq) { acked_ = std::max(acked_, seq); }
  // Follows a child's kSubmitted and kAcked messages.
  void Observe(Message type, uint64_t value) {
    if (type == Message::kSubmitted) Submitted(value);
    if (type == Message::kAcked) Acked(value);
  }
  uint64_t acked() const { return acked_; }
  uint64_t submitted() const { return submitted_; }

  // Checks a sequence number a process recovered against the bounds.
  void CheckBounds(uint64_t seq, const std::string& what) {
    if (seq < acked_) {
      Fail(&tally_.lost_acked,
           absl::StrCat(what, ": recovered seq ", seq, " but ", acked_,
                        " was acknowledged"));
    }
    if (seq > submitted_) {
      Fail(&tally_.invented,
           absl::StrCat(what, ": recovered seq ", seq, " but only ", submitted_,
                        " were submitted"));
    }
  }

  // Recovers the store in `dir` with `options` (create_if_missing is set: a
  // crash while the store was being created leaves no store, which is a
  // store with nothing acknowledged) and checks it; then `crash`es the
  // recovered store and checks that recovering again gives the same; then
  // applies `new_txns` transactions, crashes again and checks they survived.
  // Returns false if the run cannot go on (the store does not open, or holds
  // a state the model cannot follow).
  [[nodiscard]] bool Recover(const std::string& dir, Options options,
                             const DriverCrash& crash, int new_txns,
                             const std::string& what) {
    options.create_if_missing = true;
    uint64_t s = 0;
    std::string damage;
    if (!Open(dir, options, what, &s, &damage)) return false;
    if (!damage.empty()) ++torn_tails_;
    CheckBounds(s, what);
    if (s < model_.seq()) {
      Fail(&tally_.lost_acked,
           absl::StrCat(what, ": recovered seq ", s, " is below the ",
                        model_.seq(), " recovered before"));
    }
    absl::Status advanced = s >= model_.seq() && s <= submitted_
                                ? model_.AdvanceTo(s)
                                : absl::FailedPreconditionError("bounds");
    if (!advanced.ok()) {
      if (s >= model_.seq() && s <= submitted_) {
        Fail(&tally_.failures,
             absl::StrCat("the workload does not apply to its own model: ",
                          advanced.ToString()));
      }
      store_.reset();
      return false;
    }
    if (!CheckState(what)) return false;
    if (!Crash(crash, what)) return false;

    uint64_t again = 0;
    if (!Open(dir, options, what + " (again)", &again, &damage)) return false;
    if (again != s || !damage.empty()) {
      Fail(&tally_.not_idempotent,
           absl::StrCat(what, ": recovering again gave seq ", again, " (first ",
                        s, ") and damage \"", damage, "\""));
      store_.reset();
      return false;
    }
    if (!CheckState(what + " (again)")) return false;
    if (new_txns == 0) {
      store_.reset();
      return true;
    }

    for (int i = 0; i < new_txns; ++i) {
      const uint64_t seq = s + 1 + i;
      Submitted(seq);
      absl::StatusOr<uint64_t> applied = store_->Apply(WorkloadTxn(seed_, seq));
      if (!applied.ok() || *applied != seq) {
        Fail(&tally_.not_writable,
             absl::StrCat(what, ": transaction ", seq,
                          " on the recovered store gave ",
                          applied.ok() ? std::to_string(*applied)
                                       : applied.status().ToString()));
        store_.reset();
        return false;
      }
      Acked(seq);
    }
    if (!Crash(crash, what + " (after new transactions)")) return false;
    uint64_t after = 0;
    const std::string after_what = what + " (after new transactions)";
    if (!Open(dir, options, after_what, &after, &damage)) return false;
    CheckBounds(after, after_what);
    if (after < acked_ || after > submitted_ || !model_.AdvanceTo(after).ok()) {
      store_.reset();
      return false;
    }
    const bool same = CheckState(after_what);
    store_.reset();
    return same;
  }

  const CrashTally& tally() const { return tally_; }
  uint64_t torn_tails() const { return torn_tails_; }
  // Counts another failure (a child that failed or died, a crash that did
  // not happen).
  void Fail(const std::string& what) { Fail(&tally_.failures, what); }

 private:
  void Fail(uint64_t* counter, const std::string& what) {
    ++*counter;
    report_(what);
  }

  bool Open(const std::string& dir, const Options& options,
            const std::string& what, uint64_t* seq, std::string* damage) {
    absl::StatusOr<OpenResult> opened = Store::Open(dir, options);
    if (!opened.ok()) {
      Fail(&tally_.unrecoverable,
           absl::StrCat(what, ": Open failed: ", opened.status().ToString()));
      return false;
    }
    store_ = std::move(opened->store);
    *seq = store_->LastSeq();
    *damage = opened->report.damage;
    return true;
  }

  // REQUIRES: store_ is open at model_.seq().
  bool CheckState(const std::string& what) {
    absl::StatusOr<Json> state = store_->Get("");
    if (state.ok() && *state == model_.state()) return true;
    Fail(&tally_.invented,
         absl::StrCat(what, ": the state recovered at seq ", model_.seq(),
                      " is not the state after ", model_.seq(),
                      " transactions"));
    store_.reset();
    return false;
  }

  bool Crash(const DriverCrash& crash, const std::string& what) {
    absl::Status s = crash.cut ? crash.cut() : absl::OkStatus();
    store_.reset();
    if (s.ok() && crash.restart) s = crash.restart();
    if (s.ok()) return true;
    Fail(&tally_.failures,
         absl::StrCat(what, ": crashing the medium: ", s.ToString()));
    return false;
  }

  const uint64_t seed_;
  WorkloadModel model_;
  std::function<void(const std::string&)> report_;
  std::unique_ptr<Store> store_;
  uint64_t acked_ = 0;
  uint64_t submitted_ = 0;
  uint64_t torn_tails_ = 0;
  CrashTally tally_;
};

}  // namespace statelog::fault

#endif  // STATELOG_TESTS_FAULT_CRASH_ORACLE_H_
