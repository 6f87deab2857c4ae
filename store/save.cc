// store/save.cc
//
// StoreImpl::Save: the state made `target`, journaling the difference
// (Transaction::Diff). The comparison walks both states whole, which takes
// milliseconds in a large one; it runs under the shared lock, beside
// readers, and only applying its result takes the write lock. A Save that
// held the write lock for its comparison, called in a loop, kept a reader
// out for tens of seconds (an audit measured 44 s for one Get beside a
// loop of Saves of a 100,000-key state).

#include <new>
#include <string>
#include <utility>

#include "store/store_impl.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

// Comparisons made beside other writers before one is made under the
// write lock, which no writer can make stale.
constexpr int kSharedComparisons = 3;

absl::StatusOr<Transaction> DiffOf(const Json& current, const Json& target) {
  try {
    return Transaction::Diff(current, target);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        "out of memory comparing the state to save with the current one; "
        "nothing was written");
  }
}

}  // namespace

absl::StatusOr<uint64_t> StoreImpl::Save(const Json& target) {
  STATELOG_RETURN_IF_ERROR(EnsureState());
  uint64_t seq = 0;
  bool compact = false;
  for (int attempt = 1;; ++attempt) {
    {
      // Parses what is still text, once; the state is one tree from then
      // on, which the shared section below reads.
      absl::MutexLock lock(&mu_);
      STATELOG_RETURN_IF_ERROR(CheckWritable());
      STATELOG_RETURN_IF_ERROR(state_.Whole().status());
    }
    uint64_t compared_at = 0;
    absl::StatusOr<Transaction> txn;
    bool compared = false;
    {
      absl::ReaderMutexLock lock(&mu_);
      compared_at = last_seq_;
      // No tree if a writer's member put was kept as text since Whole().
      if (const Json* tree = state_.tree(); tree != nullptr) {
        txn = DiffOf(*tree, target);
        compared = true;
      }
    }
    if (compared && !txn.ok()) return txn.status();
    absl::MutexLock lock(&mu_);
    STATELOG_RETURN_IF_ERROR(CheckWritable());
    if (!compared || last_seq_ != compared_at) {
      // Another writer came between: the comparison is stale.
      if (attempt < kSharedComparisons) continue;
      STATELOG_ASSIGN_OR_RETURN(const Json* whole, state_.Whole());
      txn = DiffOf(*whole, target);
      if (!txn.ok()) return txn.status();
    }
    if (txn->empty()) return AcknowledgeEmptyLocked();
    absl::StatusOr<std::string> payload;
    size_t value_at = std::string::npos;
    try {
      payload = EncodePayload(*txn, &value_at);
    } catch (const std::bad_alloc&) {
      return OutOfMemory();
    }
    if (!payload.ok()) return payload.status();
    // The transaction is this call's own: its values move into the state.
    STATELOG_ASSIGN_OR_RETURN(
        seq, ApplyLocked(*txn, *payload, value_at, Values::kMove));
    compact = CompactionDue();
    break;
  }
  MaybeCompact(compact);
  return seq;
}

}  // namespace statelog::internal
