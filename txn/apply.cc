// txn/apply.cc
//
// Operations change the state in place. Each change follows one pattern:
// find and check everything (nothing changed yet, any error is clean),
// build what may allocate, reserve the undo entry, make the change (all or
// nothing), record it. A failed or throwing operation therefore leaves every
// change it and its predecessors made in the undo log, and rolling the log
// back restores the state exactly. Values are moved in and out of the state,
// never copied, except where an operation copies by definition.

#include "txn/apply.h"

#include <algorithm>
#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "txn/merge_patch.h"
#include "txn/op_label.h"
#include "txn/pointer_tokens.h"
#include "txn/slot.h"
#include "txn/undo_log.h"
#include "util/json_util.h"
#include "util/printable.h"
#include "util/status_macros.h"

namespace statelog::internal {

namespace {

using Tokens = std::vector<std::string>;

// What an existing array element means for PutValue: RFC 6902 "add" inserts
// before it, "set" and "replace" overwrite it.
enum class ArrayPut { kInsert, kOverwrite };

absl::Status NotFound(const Tokens& tokens) {
  return absl::NotFoundError(absl::StrCat(
      ShownPointer(JoinPointer(tokens, tokens.size())), " does not exist"));
}

// Puts `*value` at `slot` (found for `tokens`): replaces what is there, or
// inserts. Consumes `*value` only on success.
absl::Status PutValue(const Slot& slot, const Tokens& tokens, Json* value,
                      ArrayPut mode, UndoLog* undo) {
  const bool in_array = slot.parent != nullptr && slot.parent->is_array();
  if (in_array && slot.index > slot.parent->size()) {
    return absl::NotFoundError(absl::StrCat(
        "index ", slot.index, " is out of range for an array of size ",
        slot.parent->size()));
  }
  const bool replaces =
      slot.value != nullptr && !(in_array && mode == ArrayPut::kInsert);
  if (replaces && undo->overwrites_in_place()) {
    // Nothing needs the old value back.
    AssignInPlace(slot.value, value);
    return absl::OkStatus();
  }
  Tokens where = undo->recording() ? ResolvedPath(tokens, slot) : Tokens();
  undo->Reserve();
  if (replaces) {
    std::swap(*slot.value, *value);
    undo->RecordReplace(std::move(where), std::move(*value));
  } else {
    InsertValue(slot, std::move(*value));
    undo->RecordInsert(std::move(where));
  }
  return absl::OkStatus();
}

void RemoveValue(const Slot& slot, const Tokens& tokens, UndoLog* undo) {
  Tokens where = undo->recording() ? ResolvedPath(tokens, slot) : Tokens();
  undo->Reserve();
  undo->RecordRemove(std::move(where), TakeValue(slot));
}

absl::Status CannotRemoveRoot() {
  return absl::InvalidArgumentError("cannot remove the document root");
}

// A value moved or copied deeper than it was must still fit the nesting
// limit, or the state could no longer be read back.
absl::Status CheckDepthAt(const Json& value, const Tokens& from,
                          const Tokens& to) {
  if (to.size() <= from.size()) return absl::OkStatus();
  const int depth = static_cast<int>(
      std::min<size_t>(to.size(), static_cast<size_t>(kMaxNestingDepth) + 1));
  return ValidateValue(value, depth, "value at its new place");
}

// Add, Replace and Set take the value to put by value: a copy of the
// operation's, or the operation's own when the transaction is consumed.
absl::Status Add(const Tokens& path, Json value, Json* state, UndoLog* undo) {
  STATELOG_ASSIGN_OR_RETURN(Slot slot, FindSlot(state, path));
  return PutValue(slot, path, &value, ArrayPut::kInsert, undo);
}

absl::Status Remove(const Tokens& path, Json* state, UndoLog* undo) {
  if (path.empty()) return CannotRemoveRoot();
  STATELOG_ASSIGN_OR_RETURN(Slot slot, FindSlot(state, path));
  if (slot.value == nullptr) return NotFound(path);
  RemoveValue(slot, path, undo);
  return absl::OkStatus();
}

absl::Status Replace(const Tokens& path, Json value, Json* state,
                     UndoLog* undo) {
  STATELOG_ASSIGN_OR_RETURN(Slot slot, FindSlot(state, path));
  if (slot.value == nullptr) return NotFound(path);
  return PutValue(slot, path, &value, ArrayPut::kOverwrite, undo);
}

absl::Status Move(const Tokens& from, const Tokens& path, Json* state,
                  UndoLog* undo) {
  if (from.size() < path.size() &&
      std::equal(from.begin(), from.end(), path.begin())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot move ", ShownPointer(JoinPointer(from, from.size())),
        " into itself"));
  }
  STATELOG_ASSIGN_OR_RETURN(Slot source, FindSlot(state, from));
  if (source.value == nullptr) return NotFound(from);
  if (from == path) return absl::OkStatus();
  STATELOG_RETURN_IF_ERROR(CheckDepthAt(*source.value, from, path));

  // Removing first is what RFC 6902 specifies: `path` is resolved in the
  // document without the value (array indexes after it have shifted). The
  // value travels through the undo log so that it is never copied and never
  // lost, whether or not the insertion succeeds.
  RemoveValue(source, from, undo);
  Json value = undo->BorrowMovedValue();
  absl::Status status;
  try {
    absl::StatusOr<Slot> target = FindSlot(state, path);
    status = target.ok()
                 ? PutValue(*target, path, &value, ArrayPut::kInsert, undo)
                 : target.status();
  } catch (...) {
    undo->ReturnMovedValue(std::move(value));
    throw;
  }
  if (!status.ok()) undo->ReturnMovedValue(std::move(value));
  return status;
}

absl::Status Copy(const Tokens& from, const Tokens& path, Json* state,
                  UndoLog* undo) {
  STATELOG_ASSIGN_OR_RETURN(Json * source, FindValue(state, from, from.size()));
  STATELOG_RETURN_IF_ERROR(CheckDepthAt(*source, from, path));
  Json copy = *source;
  STATELOG_ASSIGN_OR_RETURN(Slot target, FindSlot(state, path));
  return PutValue(target, path, &copy, ArrayPut::kInsert, undo);
}

// `value` as compact JSON for a message, cut to about 60 bytes.
std::string Excerpt(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  constexpr size_t kMax = 60;
  if (text.size() > kMax) {
    text.resize(kMax);
    text += "...";
  }
  return text;
}

absl::Status Test(const Tokens& path, const Json& value, Json* state) {
  STATELOG_ASSIGN_OR_RETURN(Json * actual, FindValue(state, path, path.size()));
  // nlohmann's equality is RFC 6902's: numbers by value (1 == 1.0),
  // objects regardless of member order, arrays element by element.
  if (*actual != value) {
    return absl::AbortedError(absl::StrCat("value differs: expected ",
                                           Excerpt(value), ", found ",
                                           Excerpt(*actual)));
  }
  return absl::OkStatus();
}

absl::Status Set(const Tokens& path, Json value, Json* state, UndoLog* undo) {
  Json* node = state;
  for (size_t i = 1; i < path.size(); ++i) {
    STATELOG_ASSIGN_OR_RETURN(Slot slot, ChildSlot(node, path, i));
    if (slot.value != nullptr) {
      node = slot.value;
      continue;
    }
    if (node->is_array()) {
      return absl::NotFoundError(
          absl::StrCat(JoinPointer(path, i), " is past the end of its array"));
    }
    // The missing parents and the value go in as one new member, so one
    // undo entry takes them all out again.
    Json chain = std::move(value);
    for (size_t j = path.size() - 1; j >= i; --j) {
      Json::object_t parent;
      parent.emplace(path[j], std::move(chain));
      chain = Json(std::move(parent));
    }
    Tokens where(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(i));
    undo->Reserve();
    InsertValue(slot, std::move(chain));
    undo->RecordInsert(std::move(where));
    return absl::OkStatus();
  }
  STATELOG_ASSIGN_OR_RETURN(Slot slot,
                            path.empty() ? FindSlot(state, path)
                                         : ChildSlot(node, path, path.size()));
  return PutValue(slot, path, &value, ArrayPut::kOverwrite, undo);
}

absl::Status Unset(const Tokens& path, Json* state, UndoLog* undo) {
  if (path.empty()) return CannotRemoveRoot();
  absl::StatusOr<Slot> slot = FindSlot(state, path);
  // Anything that makes the value unreachable (a missing parent, a scalar
  // on the way, an index past the end) means there is nothing to remove.
  if (!slot.ok() || slot->value == nullptr) return absl::OkStatus();
  RemoveValue(*slot, path, undo);
  return absl::OkStatus();
}

absl::Status ApplyOperation(const Operation& op, Values values, Json* state,
                            UndoLog* undo) {
  // The value to put into the state. With kMove the caller owns the
  // transaction, which is therefore not const, and gives its values up.
  auto value = [&op, values]() -> Json {
    if (values != Values::kCopy) return std::move(const_cast<Json&>(op.value));
    return op.value;
  };
  if (op.kind == OpKind::kMerge) {
    ApplyMergePatch(op.value, values == Values::kMoveWithMerges, state, undo);
    return absl::OkStatus();
  }
  STATELOG_ASSIGN_OR_RETURN(Tokens path, SplitPointer(op.path));
  switch (op.kind) {
    case OpKind::kAdd:
      return Add(path, value(), state, undo);
    case OpKind::kRemove:
      return Remove(path, state, undo);
    case OpKind::kReplace:
      return Replace(path, value(), state, undo);
    case OpKind::kMove:
    case OpKind::kCopy: {
      STATELOG_ASSIGN_OR_RETURN(Tokens from, SplitPointer(op.from));
      return op.kind == OpKind::kMove ? Move(from, path, state, undo)
                                      : Copy(from, path, state, undo);
    }
    case OpKind::kTest:
      return Test(path, op.value, state);
    case OpKind::kSet:
      return Set(path, value(), state, undo);
    case OpKind::kUnset:
      return Unset(path, state, undo);
    case OpKind::kMerge:
      break;
  }
  return absl::InternalError("unknown operation kind");
}

}  // namespace

absl::Status ApplyTransaction(const Transaction& txn, Json* state,
                              Validation validation, Values values,
                              Replaced replaced) {
  const std::vector<Operation>& ops = txn.ops();
  UndoLog undo;
  absl::Status status;
  size_t index = ops.size();  // the operation running, if any
  auto labeled = [&](const absl::Status& s) {
    return index < ops.size() ? WithOpLabel(s, index, ops[index]) : s;
  };
  try {
    if (validation == Validation::kValidate) status = txn.Validate();
    for (index = 0; status.ok() && index < ops.size(); ++index) {
      if (index + 1 == ops.size() && ops[index].kind != OpKind::kMove &&
          ops[index].kind != OpKind::kMerge) {
        // undo_log.h says why the last one needs no undo.
        undo.Discard(replaced == Replaced::kOverwrite);
      }
      status = ApplyOperation(ops[index], values, state, &undo);
      if (!status.ok()) status = labeled(status);
    }
  } catch (const std::bad_alloc&) {
    status = labeled(absl::ResourceExhaustedError("out of memory"));
  } catch (const std::exception& e) {
    status = labeled(absl::InternalError(
        absl::StrCat("unexpected exception: ", Printable(e.what()))));
  }
  if (!status.ok()) undo.Rollback(state);
  return status;
}

}  // namespace statelog::internal
