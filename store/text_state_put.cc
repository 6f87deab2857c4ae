// store/text_state_put.cc
//
// TextState's member puts kept as text over a tree (put_texts_): taken,
// settled into the tree when something needs them there, and written out.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "store/text_state.h"
#include "txn/pointer_tokens.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {

bool TextState::PutText(const Transaction& txn, Validation validation,
                        absl::string_view value_text) {
  if (value_text.empty() || validation != Validation::kAlreadyValidated ||
      !whole_ || txn.ops().size() != 1) {
    return false;
  }
  const Operation& op = txn.ops().front();
  // `replace` would have to look the member up in the tree (it fails on
  // one that is missing), which is what this saves; `set` and `add` put a
  // member whether it exists or not, as the records replay takes as text
  // (PeekMemberPut) do.
  return (op.kind == OpKind::kSet || op.kind == OpKind::kAdd) &&
         PutMemberText(op.path, value_text);
}

absl::Status TextState::Settle(const std::vector<std::string>* keys) {
  if (put_texts_.empty()) return absl::OkStatus();
  Transaction sets;
  std::vector<std::string> settled;
  auto take = [&](const std::string& key,
                  const std::string& text) -> absl::Status {
    STATELOG_ASSIGN_OR_RETURN(Json value, ParseJson(text, "state member"));
    std::string pointer;
    AppendPointerToken(key, &pointer);
    sets.Set(std::move(pointer), std::move(value));
    settled.push_back(key);
    return absl::OkStatus();
  };
  if (keys == nullptr) {
    for (const auto& [key, text] : put_texts_) {
      STATELOG_RETURN_IF_ERROR(take(key, text));
    }
  } else {
    for (const std::string& key : *keys) {
      auto it = put_texts_.find(key);
      if (it != put_texts_.end()) {
        STATELOG_RETURN_IF_ERROR(take(it->first, it->second));
      }
    }
  }
  if (sets.empty()) return absl::OkStatus();
  // Each is a `set` of one member of an object, which only memory can
  // fail, and then the tree is as it was.
  STATELOG_RETURN_IF_ERROR(root_index_.Apply(
      sets, &tree_, Validation::kAlreadyValidated, Values::kMove));
  for (const std::string& key : settled) put_texts_.erase(key);
  return absl::OkStatus();
}

absl::Status TextState::DumpPutTexts(const ByteSink& sink) const {
  // The tree's members and the put texts, each in key order, merged: a put
  // text takes the place of the tree's member of the same key.
  using Put = const std::pair<const std::string, std::string>*;
  std::vector<Put> puts;
  puts.reserve(put_texts_.size());
  for (const auto& entry : put_texts_) puts.push_back(&entry);
  std::sort(puts.begin(), puts.end(),
            [](Put a, Put b) { return a->first < b->first; });
  bool first = true;
  std::string dumped;  // one member at a time
  STATELOG_RETURN_IF_ERROR(sink("{"));
  auto next_put = puts.begin();
  auto dump_put = [&]() -> absl::Status {
    StartMember((*next_put)->first, &first, &dumped);
    dumped += (*next_put)->second;
    ++next_put;
    return sink(dumped);
  };
  // The put texts below `key` (all that are left, for null).
  auto dump_puts_below = [&](const std::string* key) -> absl::Status {
    while (next_put != puts.end() &&
           (key == nullptr || (*next_put)->first < *key)) {
      STATELOG_RETURN_IF_ERROR(dump_put());
    }
    return absl::OkStatus();
  };
  for (const auto& [key, value] : *tree_.get_ptr<const Json::object_t*>()) {
    STATELOG_RETURN_IF_ERROR(dump_puts_below(&key));
    if (next_put != puts.end() && (*next_put)->first == key) {
      STATELOG_RETURN_IF_ERROR(dump_put());
      continue;
    }
    StartMember(key, &first, &dumped);
    STATELOG_RETURN_IF_ERROR(AppendMemberValue(value, &dumped));
    STATELOG_RETURN_IF_ERROR(sink(dumped));
  }
  STATELOG_RETURN_IF_ERROR(dump_puts_below(nullptr));
  return sink("}");
}

}  // namespace statelog::internal
