// store/root_index.h
//
// A hash index over the top-level members of a large state held as one
// tree. nlohmann keeps an object's members in a std::map: finding one of
// 100,000 walks 17 nodes spread over the heap, a cache miss each, and was
// the largest single cost of a one-key transaction on such a state (a
// profile of store_benchmark's kNone writer: 27% of its samples, 36% with
// the key comparisons; docs/tuning.md has the figures). The index finds a
// member in one probe, and a transaction that names its members
// (TouchedMembers) runs on an object of just those, moved out of the tree
// and back, as TextState runs one on its parsed members: every pointer the
// transaction follows starts at one of them, so it cannot tell the
// difference from the whole state.

#ifndef STATELOG_STORE_ROOT_INDEX_H_
#define STATELOG_STORE_ROOT_INDEX_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "statelog/transaction.h"
#include "txn/apply.h"

namespace statelog::internal {

// The top-level members `txn` reads or writes, sorted and unique; false if
// an operation works on the root as a whole.
bool TouchedMembers(const Transaction& txn, std::vector<std::string>* keys);

// Whether `path` names one whole top-level member ("/key"); if so, `*key`
// is that member's key: a view of `path` itself, or of `*unescaped` when
// the pointer spells it with an escape. The usual checkpoint record puts
// or removes such a member, and needs neither the pointer split into
// tokens nor the member's old value parsed.
// What one operation does to the member its path names: puts a value in
// (set, add, replace), takes it out (remove, unset), or something else.
enum class MemberChange { kPut, kTakeOut, kOther };
inline MemberChange ChangeOfMember(OpKind kind) {
  switch (kind) {
    case OpKind::kSet:
    case OpKind::kAdd:
    case OpKind::kReplace:
      return MemberChange::kPut;
    case OpKind::kRemove:
    case OpKind::kUnset:
      return MemberChange::kTakeOut;
    default:
      return MemberChange::kOther;
  }
}
// Whether the operation fails on a member that does not exist.
inline bool NeedsMember(OpKind kind) {
  return kind == OpKind::kReplace || kind == OpKind::kRemove;
}

// Inline: replay and compaction ask it once per record.
bool NamesOneEscapedMember(const std::string& path, std::string* unescaped,
                           absl::string_view* key);
inline bool NamesOneMember(const std::string& path, std::string* unescaped,
                           absl::string_view* key) {
  if (path.empty() || path[0] != '/') return false;
  const absl::string_view named = absl::string_view(path).substr(1);
  for (const char c : named) {
    if (c == '/') return false;
    if (c == '~') return NamesOneEscapedMember(path, unescaped, key);
  }
  *key = named;
  return true;
}

class RootIndex {
 public:
  // Smaller objects are walked: their nodes stay in the caches, and moving
  // the touched members out and back would cost more than it saves.
  static constexpr size_t kMinMembers = 4096;

  RootIndex() = default;
  // Moving keeps the index valid for the tree moved along with it (a
  // Json's move takes its object's pointer, the nodes stay where they
  // are); the one moved from is left unbuilt.
  RootIndex(RootIndex&& other) noexcept { *this = std::move(other); }
  RootIndex& operator=(RootIndex&& other) noexcept {
    members_ = std::move(other.members_);
    built_ = std::exchange(other.built_, false);
    unindexed_left_ = std::exchange(other.unindexed_left_, 0);
    other.members_.clear();
    return *this;
  }

  // Applies `txn` to `*tree` as ApplyTransaction does, with the same
  // results and errors. If `*tree` is an object of at least kMinMembers
  // members and the transaction names the members it touches, through
  // the index (built first if need be). An operation on the root as a
  // whole (which may change any member, or the root itself) drops the
  // index; it is built again only after tree->size() / 16 transactions,
  // so that a workload with such operations here and there pays at most
  // about 16 probes per transaction for rebuilding it. A validated
  // transaction of one operation that puts or removes one whole member
  // (ApplyWholeMember) takes a shortcut in objects of any size.
  absl::Status Apply(const Transaction& txn, Json* tree, Validation validation,
                     Values values);

  // The top-level member `key` of the tree Apply last changed; null if
  // there is none. REQUIRES: built(), and no change to the tree since.
  const Json* Find(absl::string_view key) const;
  bool built() const { return built_; }

 private:
  using MemberIt = Json::object_t::iterator;
  enum class Shortcut { kNotTaken, kApplied, kOutOfMemory };
  // A transaction of one operation that puts or removes one whole member
  // of `root`, found through the index if built, else in the map: the
  // member's old value is overwritten in place or erased, nothing moved
  // out and back. Not taken (nothing changed) for any other transaction,
  // and for one that would fail, which the general path then reports.
  // Out of memory changes nothing.
  Shortcut ApplyWholeMember(const Operation& op, Json::object_t* root,
                            Values values);
  // Indexes every member of `root`. False (and nothing indexed) if memory
  // ran out.
  bool Build(Json::object_t& root);
  // Forgets the index, not to be built again for `wait` transactions.
  void Drop(size_t wait);
  // Moves what the transaction left in `touched` back into `root`: the
  // members at `at` (root.end() for keys that did not exist) for every
  // key; one missing from `touched` was removed.
  void PutBack(const std::vector<std::string>& keys,
               const std::vector<MemberIt>& at, Json::object_t* touched,
               Json::object_t* root);

  // Keys are views of the tree's own keys, which stay put in their map
  // nodes while the members exist.
  absl::flat_hash_map<absl::string_view, MemberIt> members_;
  bool built_ = false;
  // Transactions to apply without the index before it is built again.
  size_t unindexed_left_ = 0;
};

}  // namespace statelog::internal

#endif  // STATELOG_STORE_ROOT_INDEX_H_
