// store/text_state.cc

#include "store/text_state.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "txn/apply.h"
#include "txn/pointer_tokens.h"
#include "txn/slot.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

// The top-level members `txn` reads or writes, sorted and unique; false if
// an operation works on the root as a whole.
bool TouchedMembers(const Transaction& txn, std::vector<std::string>* keys) {
  // The first token of each pointer; the root (no token) or a pointer that
  // does not parse (the whole tree then reports it) names no one member.
  auto first_token = [keys](const std::string& pointer) {
    absl::StatusOr<std::vector<std::string>> tokens = SplitPointer(pointer);
    if (!tokens.ok() || tokens->empty()) return false;
    keys->push_back(std::move(tokens->front()));
    return true;
  };
  for (const Operation& op : txn.ops()) {
    if (op.kind == OpKind::kMerge) {
      // A merge patch that is an object changes only the members it names
      // (RFC 7386); any other patch replaces the root.
      if (!op.value.is_object()) return false;
      for (auto it = op.value.begin(); it != op.value.end(); ++it) {
        keys->push_back(it.key());
      }
      continue;
    }
    if (!first_token(op.path)) return false;
    if ((op.kind == OpKind::kMove || op.kind == OpKind::kCopy) &&
        !first_token(op.from)) {
      return false;
    }
  }
  std::sort(keys->begin(), keys->end());
  keys->erase(std::unique(keys->begin(), keys->end()), keys->end());
  return true;
}

}  // namespace

absl::StatusOr<TextState> TextState::FromText(absl::string_view text,
                                              absl::string_view what) {
  std::vector<MemberSpan> spans;
  // Room for a member per 64 bytes up front: growing the list one doubling
  // at a time copied it and touched twice its memory. Pages reserved and
  // never written cost no memory.
  spans.reserve(text.size() / 64);
  STATELOG_RETURN_IF_ERROR(CheckJson(text, what, &spans));
  TextState state;
  state.text_bytes_ = text.size();
  const size_t first = text.find_first_not_of(" \t\n\r");
  if (first == absl::string_view::npos || text[first] != '{') {
    STATELOG_ASSIGN_OR_RETURN(state.tree_, ParseJson(text, what));
    return state;
  }
  state.whole_ = false;
  for (const MemberSpan& span : spans) {
    const absl::string_view quoted =
        text.substr(span.key_begin, span.key_end - span.key_begin);
    std::string key;
    if (span.key_escaped) {
      STATELOG_ASSIGN_OR_RETURN(key, UnquoteJsonString(quoted, what));
    } else {
      key.assign(quoted.data() + 1, quoted.size() - 2);
    }
    Member member;
    member.text = text.substr(span.key_begin, span.value_end - span.key_begin);
    member.value_offset = span.value_begin - span.key_begin;
    // Keys arrive sorted when DumpJson wrote the text, and the hint then
    // spares a search; a repeated key keeps its last value, as in ParseJson.
    state.members_.insert_or_assign(state.members_.end(), std::move(key),
                                    member);
  }
  state.text_members_ = state.members_.size();
  return state;
}

absl::StatusOr<TextState> TextState::FromContents(
    std::unique_ptr<FileContents> contents, absl::string_view text,
    absl::string_view what) {
  if (contents->private_copy()) {
    STATELOG_ASSIGN_OR_RETURN(TextState state, FromText(text, what));
    if (!state.whole_) state.contents_ = std::move(contents);
    return state;
  }
  auto owned = std::make_unique<const std::string>(text);
  contents.reset();
  STATELOG_ASSIGN_OR_RETURN(TextState state, FromText(*owned, what));
  if (!state.whole_) state.owned_text_ = std::move(owned);
  return state;
}

absl::Status TextState::Parse(Member* member) {
  if (member->text.empty()) return absl::OkStatus();
  STATELOG_ASSIGN_OR_RETURN(
      member->value,
      ParseJson(member->text.substr(member->value_offset), "state member"));
  member->text = {};
  ++parsed_members_;
  --text_members_;
  return absl::OkStatus();
}

absl::Status TextState::MakeWhole() {
  if (whole_) return absl::OkStatus();
  for (auto& [key, member] : members_) {
    STATELOG_RETURN_IF_ERROR(Parse(&member));
  }
  Json tree = Json::object();
  Json::object_t& object = *tree.get_ptr<Json::object_t*>();
  for (auto& [key, member] : members_) {
    object.emplace_hint(object.end(), key, std::move(member.value));
  }
  members_.clear();
  tree_ = std::move(tree);
  whole_ = true;
  owned_text_.reset();
  contents_.reset();
  return absl::OkStatus();
}

absl::Status TextState::Apply(const Transaction& txn, Validation validation) {
  std::vector<std::string> keys;
  if (!whole_ && !TouchedMembers(txn, &keys)) {
    STATELOG_RETURN_IF_ERROR(MakeWhole());
  }
  if (whole_) return ApplyTransaction(txn, &tree_, validation);
  absl::Status applied = ApplyToMembers(txn, keys, validation);
  // Once every member is parsed, one tree serves better: no per-transaction
  // moving of members, and reads need no preparing.
  if (text_members_ == 0) STATELOG_RETURN_IF_ERROR(MakeWhole());
  return applied;
}

absl::Status TextState::ApplyToMembers(const Transaction& txn,
                                       const std::vector<std::string>& keys,
                                       Validation validation) {
  // The transaction runs on an object of just the members it touches:
  // every pointer it follows starts at one of them, so it cannot tell the
  // difference. Parse them all before moving any, so a failure leaves
  // everything in place.
  std::vector<decltype(members_)::iterator> touched;
  for (const std::string& key : keys) {
    auto it = members_.find(key);
    if (it == members_.end()) continue;
    STATELOG_RETURN_IF_ERROR(Parse(&it->second));
    touched.push_back(it);
  }
  // The values move into `part` and back; the members' entries stay where
  // they are (taking them out and putting them back cost two searches and
  // an allocation each, which on a large state was most of a replay).
  Json part = Json::object();
  Json::object_t& object = *part.get_ptr<Json::object_t*>();
  for (auto it : touched) {
    object.emplace_hint(object.end(), it->first, std::move(it->second.value));
  }
  // On failure ApplyTransaction leaves `part` as it was; either way, `part`
  // holds what the touched members now are.
  absl::Status applied = ApplyTransaction(txn, &part, validation);
  for (auto it : touched) {
    auto now = object.find(it->first);
    if (now == object.end()) {
      members_.erase(it);  // removed by the transaction
      continue;
    }
    it->second.value = std::move(now->second);
    object.erase(now);
  }
  for (auto& [key, value] : object) {  // added by the transaction
    Member& member = members_[key];
    member.text = {};
    member.value = std::move(value);
  }
  return applied;
}

bool TextState::Prepared(const std::vector<std::string>& tokens) const {
  if (whole_) return true;
  if (tokens.empty()) return false;
  auto it = members_.find(tokens.front());
  return it == members_.end() || it->second.text.empty();
}

absl::Status TextState::Prepare(const std::vector<std::string>& tokens) {
  if (whole_) return absl::OkStatus();
  if (tokens.empty()) return MakeWhole();
  auto it = members_.find(tokens.front());
  if (it == members_.end()) return absl::OkStatus();
  STATELOG_RETURN_IF_ERROR(Parse(&it->second));
  if (text_members_ == 0) return MakeWhole();
  return absl::OkStatus();
}

absl::StatusOr<const Json*> TextState::Find(
    const std::vector<std::string>& tokens) const {
  // The walks only read; FindValue takes a mutable pointer because the
  // operations that change the state share it.
  if (whole_) {
    return FindValue(const_cast<Json*>(&tree_), tokens, tokens.size());
  }
  auto it = members_.find(tokens.front());
  if (it == members_.end()) {
    // What ChildSlot finds for a missing member of the root object.
    return absl::NotFoundError(
        absl::StrCat(JoinPointer(tokens, 1), " does not exist"));
  }
  return FindValueBelow(const_cast<Json*>(&it->second.value), tokens, 1,
                        tokens.size());
}

absl::StatusOr<const Json*> TextState::Whole() {
  STATELOG_RETURN_IF_ERROR(MakeWhole());
  return &tree_;
}

absl::StatusOr<std::string> TextState::Dump() const {
  if (whole_) return DumpJson(tree_);
  std::string out;
  out.reserve(text_bytes_ + text_bytes_ / 8 + 2);
  out += '{';
  for (const auto& [key, member] : members_) {
    if (out.size() > 1) out += ',';
    if (!member.text.empty()) {
      out.append(member.text.data(), member.text.size());
      continue;
    }
    // A member's value sits inside the root object: one level down.
    STATELOG_ASSIGN_OR_RETURN(std::string value,
                              DumpJson(member.value, /*base_depth=*/1));
    AppendJsonString(key, &out);  // a key the text or a checked record gave
    out += ':';
    out += value;
  }
  out += '}';
  return out;
}

}  // namespace statelog::internal
