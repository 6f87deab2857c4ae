// txn/op_label.cc

#include "txn/op_label.h"

#include "absl/strings/str_cat.h"
#include "util/printable.h"

namespace statelog::internal {

std::string ShownPointer(const std::string& pointer) {
  return pointer.empty() ? "\"\"" : PrintableExcerpt(pointer);
}

std::string OpLabel(size_t index, const Operation& op) {
  if (op.kind == OpKind::kMerge) {
    return absl::StrCat("op ", index, " (merge)");
  }
  return absl::StrCat("op ", index, " (", OpKindName(op.kind), " ",
                      ShownPointer(op.path), ")");
}

absl::Status WithOpLabel(const absl::Status& status, size_t index,
                         const Operation& op) {
  return absl::Status(status.code(),
                      absl::StrCat(OpLabel(index, op), ": ", status.message()));
}

}  // namespace statelog::internal
