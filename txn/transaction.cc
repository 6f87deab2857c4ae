// txn/transaction.cc
//
// Building, validating and converting transactions to and from JSON.
// Applying them to a state is txn/apply.cc.

#include "statelog/transaction.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "txn/op_kind.h"
#include "txn/op_label.h"
#include "txn/pointer_tokens.h"
#include "util/json_type_name.h"
#include "util/json_util.h"
#include "util/printable.h"
#include "util/status_macros.h"

namespace statelog {
namespace {

using internal::HasFrom;
using internal::HasPath;
using internal::HasValue;
using internal::IsKnownKind;
using internal::KindNamed;

Operation MakeOperation(OpKind kind, std::string path, std::string from,
                        Json value) {
  return Operation{kind, std::move(path), std::move(from), std::move(value)};
}

absl::Status ValidateOperation(const Operation& op) {
  if (!IsKnownKind(op.kind)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown operation kind ", static_cast<int>(op.kind)));
  }
  size_t depth = 0;
  if (HasPath(op.kind)) {
    // PointerDepth is the quick yes; SplitPointer gives the error message.
    std::optional<size_t> tokens = internal::PointerDepth(op.path);
    if (!tokens.has_value()) {
      STATELOG_ASSIGN_OR_RETURN(std::vector<std::string> split,
                                internal::SplitPointer(op.path));
      tokens = split.size();
    }
    depth = *tokens;
  }
  if (HasFrom(op.kind) && !internal::PointerDepth(op.from).has_value()) {
    absl::Status from = internal::SplitPointer(op.from).status();
    if (!from.ok()) {
      return absl::Status(from.code(), absl::StrCat("from: ", from.message()));
    }
  }
  if (!HasValue(op.kind)) return absl::OkStatus();
  return internal::ValidateValue(op.value, internal::ValueBaseDepth(depth),
                                 "value");
}

// The string member `name` of an operation object, for the error `context`.
absl::StatusOr<std::string> StringMember(const Json::object_t& object,
                                         const char* name,
                                         absl::string_view context) {
  auto it = object.find(name);
  if (it == object.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": member \"", name, "\" is missing"));
  }
  const auto* text = it->second.get_ptr<const Json::string_t*>();
  if (text == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": member \"", name, "\" is ",
                     internal::JsonTypeName(it->second), ", not a string"));
  }
  return *text;
}

// One element of an RFC 6902 patch or of the journal form's "ops". Members
// an operation does not use are ignored, as RFC 6902 section 4 requires,
// except a "path" on a merge (which has none: it is refused).
// Takes the value out of `json`.
absl::StatusOr<Operation> ParseOperation(Json& json, size_t index) {
  const std::string context = absl::StrCat("op ", index);
  auto* object = json.get_ptr<Json::object_t*>();
  if (object == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        context, ": expected an object, got ", internal::JsonTypeName(json)));
  }
  STATELOG_ASSIGN_OR_RETURN(std::string name,
                            StringMember(*object, "op", context));
  std::optional<OpKind> kind = KindNamed(name);
  if (!kind.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        context, ": unknown op \"", internal::Printable(name), "\""));
  }
  Operation op = MakeOperation(*kind, "", "", Json());
  if (op.kind == OpKind::kMerge) {
    // Ignoring a path here would merge at the root what the caller meant
    // for a member: a silent wrong state.
    auto path = object->find("path");
    if (path != object->end() && path->second != "") {
      return absl::InvalidArgumentError(absl::StrCat(
          context,
          " (merge): a merge patch applies to the whole document and takes "
          "no \"path\" (got ",
          path->second.dump(-1, ' ', false, Json::error_handler_t::replace),
          "); nest the patch under the members it changes instead"));
    }
  }
  if (HasPath(op.kind)) {
    STATELOG_ASSIGN_OR_RETURN(
        op.path,
        StringMember(*object, "path",
                     absl::StrCat(context, " (", OpKindName(op.kind), ")")));
  }
  if (HasFrom(op.kind)) {
    STATELOG_ASSIGN_OR_RETURN(
        op.from, StringMember(*object, "from", internal::OpLabel(index, op)));
  }
  if (HasValue(op.kind)) {
    auto it = object->find("value");
    if (it == object->end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          internal::OpLabel(index, op), ": member \"value\" is missing"));
    }
    op.value = std::move(it->second);
  }
  return op;
}

}  // namespace

const char* OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kAdd:
      return "add";
    case OpKind::kRemove:
      return "remove";
    case OpKind::kReplace:
      return "replace";
    case OpKind::kMove:
      return "move";
    case OpKind::kCopy:
      return "copy";
    case OpKind::kTest:
      return "test";
    case OpKind::kMerge:
      return "merge";
    case OpKind::kSet:
      return "set";
    case OpKind::kUnset:
      return "unset";
  }
  return "unknown";
}

Transaction& Transaction::Add(std::string path, Json value) & {
  ops_.push_back(
      MakeOperation(OpKind::kAdd, std::move(path), "", std::move(value)));
  return *this;
}

Transaction& Transaction::Remove(std::string path) & {
  ops_.push_back(MakeOperation(OpKind::kRemove, std::move(path), "", Json()));
  return *this;
}

Transaction& Transaction::Replace(std::string path, Json value) & {
  ops_.push_back(
      MakeOperation(OpKind::kReplace, std::move(path), "", std::move(value)));
  return *this;
}

Transaction& Transaction::Move(std::string from, std::string path) & {
  ops_.push_back(
      MakeOperation(OpKind::kMove, std::move(path), std::move(from), Json()));
  return *this;
}

Transaction& Transaction::Copy(std::string from, std::string path) & {
  ops_.push_back(
      MakeOperation(OpKind::kCopy, std::move(path), std::move(from), Json()));
  return *this;
}

Transaction& Transaction::Test(std::string path, Json value) & {
  ops_.push_back(
      MakeOperation(OpKind::kTest, std::move(path), "", std::move(value)));
  return *this;
}

Transaction& Transaction::Merge(Json patch) & {
  ops_.push_back(MakeOperation(OpKind::kMerge, "", "", std::move(patch)));
  return *this;
}

Transaction& Transaction::Set(std::string path, Json value) & {
  ops_.push_back(
      MakeOperation(OpKind::kSet, std::move(path), "", std::move(value)));
  return *this;
}

Transaction& Transaction::Unset(std::string path) & {
  ops_.push_back(MakeOperation(OpKind::kUnset, std::move(path), "", Json()));
  return *this;
}

Transaction& Transaction::Append(Operation op) & {
  if (!HasPath(op.kind)) op.path.clear();
  if (!HasFrom(op.kind)) op.from.clear();
  if (!HasValue(op.kind)) op.value = Json();
  ops_.push_back(std::move(op));
  return *this;
}

absl::Status Transaction::Validate() const {
  for (size_t i = 0; i < ops_.size(); ++i) {
    absl::Status status = ValidateOperation(ops_[i]);
    if (!status.ok()) return internal::WithOpLabel(status, i, ops_[i]);
  }
  return absl::OkStatus();
}

Json Transaction::ToJson() const {
  Json::array_t ops;
  ops.reserve(ops_.size());
  for (const Operation& op : ops_) {
    Json::object_t member;
    member.emplace("op", OpKindName(op.kind));
    if (HasPath(op.kind)) member.emplace("path", op.path);
    if (HasFrom(op.kind)) member.emplace("from", op.from);
    if (HasValue(op.kind)) member.emplace("value", op.value);
    ops.emplace_back(std::move(member));
  }
  Json::object_t journal_form;
  journal_form.emplace("ops", std::move(ops));
  return Json(std::move(journal_form));
}

absl::StatusOr<Transaction> Transaction::FromJson(const Json& json) {
  return FromJson(Json(json));
}

absl::StatusOr<Transaction> Transaction::FromJson(Json&& json) {
  Transaction txn;
  Json::array_t* ops = json.get_ptr<Json::array_t*>();
  if (auto* object = json.get_ptr<Json::object_t*>()) {
    // Exactly one member: anything else was written by something that
    // means more than this reader understands.
    if (object->size() == 1 && object->count("ops") == 1) {
      ops = object->at("ops").get_ptr<Json::array_t*>();
      if (ops == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "transaction: \"ops\" is ",
            internal::JsonTypeName(object->at("ops")), ", not an array"));
      }
    } else if (object->size() == 1 && object->count("merge") == 1) {
      txn.Merge(std::move(object->at("merge")));
    } else {
      return absl::InvalidArgumentError(
          "transaction: an object must have exactly one member, \"ops\" or "
          "\"merge\"");
    }
  } else if (ops == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "transaction: expected an array of operations or an object, got ",
        internal::JsonTypeName(json)));
  }
  if (ops != nullptr) {
    txn.ops_.reserve(ops->size());
    for (size_t i = 0; i < ops->size(); ++i) {
      STATELOG_ASSIGN_OR_RETURN(Operation op, ParseOperation((*ops)[i], i));
      txn.ops_.push_back(std::move(op));
    }
  }
  STATELOG_RETURN_IF_ERROR(txn.Validate());
  return txn;
}

}  // namespace statelog
