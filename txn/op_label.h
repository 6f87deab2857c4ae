// txn/op_label.h
//
// How errors name the operation they are about: "op 2 (replace /a/b)".
// Internal to statelog.

#ifndef STATELOG_TXN_OP_LABEL_H_
#define STATELOG_TXN_OP_LABEL_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "statelog/transaction.h"

namespace statelog::internal {

// `pointer` as messages show it: "" for the root, which would otherwise
// leave a gap in the sentence, and only its start if it is long
// (PrintableExcerpt).
std::string ShownPointer(const std::string& pointer);

// "op <index> (<kind> <path>)". The root pointer shows as "" and a merge,
// which has no pointer, as "op <index> (merge)".
std::string OpLabel(size_t index, const Operation& op);

// `status` with its message prefixed by OpLabel(index, op) and ": ", and the
// same code. REQUIRES: !status.ok().
absl::Status WithOpLabel(const absl::Status& status, size_t index,
                         const Operation& op);

}  // namespace statelog::internal

#endif  // STATELOG_TXN_OP_LABEL_H_
