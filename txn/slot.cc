// txn/slot.cc

#include "txn/slot.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "txn/op_label.h"
#include "txn/pointer_tokens.h"
#include "util/json_type_name.h"

namespace statelog::internal {
namespace {

std::string Where(const std::vector<std::string>& tokens, size_t count) {
  return count == 0 ? "the document root" : JoinPointer(tokens, count);
}

}  // namespace

std::optional<size_t> ParseArrayIndex(absl::string_view token) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) {
    return std::nullopt;
  }
  size_t index = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    const size_t digit = static_cast<size_t>(c - '0');
    if (index > (std::numeric_limits<size_t>::max() - digit) / 10) {
      return std::nullopt;
    }
    index = index * 10 + digit;
  }
  return index;
}

absl::StatusOr<Slot> ChildSlot(Json* parent,
                               const std::vector<std::string>& tokens,
                               size_t count) {
  const std::string& token = tokens[count - 1];
  Slot slot;
  slot.parent = parent;
  if (auto* object = parent->get_ptr<Json::object_t*>()) {
    slot.key = &token;
    auto it = object->find(token);
    if (it != object->end()) slot.value = &it->second;
    return slot;
  }
  if (auto* array = parent->get_ptr<Json::array_t*>()) {
    std::optional<size_t> index = token == "-"
                                      ? std::optional<size_t>(array->size())
                                      : ParseArrayIndex(token);
    if (!index.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(JoinPointer(tokens, count), ": \"", token,
                       "\" is not an array index"));
    }
    slot.index = *index;
    if (*index < array->size()) slot.value = &(*array)[*index];
    return slot;
  }
  // Nothing is below a scalar: what the pointer names does not exist.
  return absl::NotFoundError(absl::StrCat(Where(tokens, count - 1), " is ",
                                          JsonTypeName(*parent),
                                          ", not an object or array"));
}

absl::StatusOr<Json*> FindValue(Json* root,
                                const std::vector<std::string>& tokens,
                                size_t count) {
  return FindValueBelow(root, tokens, 0, count);
}

absl::StatusOr<Json*> FindValueBelow(Json* node,
                                     const std::vector<std::string>& tokens,
                                     size_t depth, size_t count) {
  for (size_t i = depth + 1; i <= count; ++i) {
    absl::StatusOr<Slot> slot = ChildSlot(node, tokens, i);
    if (!slot.ok()) return slot.status();
    if (slot->value == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          ShownPointer(JoinPointer(tokens, i)), " does not exist"));
    }
    node = slot->value;
  }
  return node;
}

absl::StatusOr<Slot> FindSlot(Json* root,
                              const std::vector<std::string>& tokens) {
  if (tokens.empty()) {
    Slot slot;
    slot.value = root;
    return slot;
  }
  absl::StatusOr<Json*> parent = FindValue(root, tokens, tokens.size() - 1);
  if (!parent.ok()) return parent.status();
  return ChildSlot(*parent, tokens, tokens.size());
}

std::vector<std::string> ResolvedPath(const std::vector<std::string>& tokens,
                                      const Slot& slot) {
  std::vector<std::string> path = tokens;
  if (slot.parent != nullptr && slot.parent->is_array()) {
    path.back() = absl::StrCat(slot.index);
  }
  return path;
}

Json TakeValue(const Slot& slot) noexcept {
  Json value = std::move(*slot.value);
  if (auto* object = slot.parent->get_ptr<Json::object_t*>()) {
    object->erase(*slot.key);
  } else {
    auto* array = slot.parent->get_ptr<Json::array_t*>();
    array->erase(array->begin() + static_cast<std::ptrdiff_t>(slot.index));
  }
  return value;
}

void InsertValue(const Slot& slot, Json&& value) {
  if (auto* object = slot.parent->get_ptr<Json::object_t*>()) {
    object->emplace(*slot.key, std::move(value));
  } else {
    auto* array = slot.parent->get_ptr<Json::array_t*>();
    array->insert(array->begin() + static_cast<std::ptrdiff_t>(slot.index),
                  std::move(value));
  }
}

}  // namespace statelog::internal
