// txn/op_kind.h
//
// What each kind of operation carries, shared by the JSON conversions and
// the journal form's decoder. Internal to statelog.

#ifndef STATELOG_TXN_OP_KIND_H_
#define STATELOG_TXN_OP_KIND_H_

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <optional>

#include "absl/strings/string_view.h"
#include "statelog/transaction.h"

namespace statelog::internal {

inline constexpr OpKind kAllOpKinds[] = {
    OpKind::kAdd,   OpKind::kRemove, OpKind::kReplace,
    OpKind::kMove,  OpKind::kCopy,   OpKind::kTest,
    OpKind::kMerge, OpKind::kSet,    OpKind::kUnset};

// The journal form puts every value inside three containers:
// {"ops":[{"value":...}]}.
inline constexpr size_t kJournalFormDepth = 3;

// Whether `kind` is one of kAllOpKinds (an Operation built by hand may hold
// any number).
inline bool IsKnownKind(OpKind kind) {
  return std::find(std::begin(kAllOpKinds), std::end(kAllOpKinds), kind) !=
         std::end(kAllOpKinds);
}

inline bool HasPath(OpKind kind) { return kind != OpKind::kMerge; }

inline bool HasFrom(OpKind kind) {
  return kind == OpKind::kMove || kind == OpKind::kCopy;
}

inline bool HasValue(OpKind kind) {
  switch (kind) {
    case OpKind::kAdd:
    case OpKind::kReplace:
    case OpKind::kTest:
    case OpKind::kMerge:
    case OpKind::kSet:
      return true;
    default:
      return false;
  }
}

// The kind whose OpKindName is `name`, if any.
inline std::optional<OpKind> KindNamed(absl::string_view name) {
  for (OpKind kind : kAllOpKinds) {
    if (name == OpKindName(kind)) return kind;
  }
  return std::nullopt;
}

// How many levels sit above an operation's value whose pointer has
// `pointer_depth` tokens: the value must fit the nesting limit both where
// it lands in the state and inside the journal record. Capped just past
// the limit, which is enough to refuse any value.
inline int ValueBaseDepth(size_t pointer_depth) {
  const size_t above = std::max(pointer_depth, kJournalFormDepth);
  return static_cast<int>(std::min<size_t>(above, kMaxNestingDepth + 1));
}

}  // namespace statelog::internal

#endif  // STATELOG_TXN_OP_KIND_H_
