// store/text_state.cc

#include "store/text_state.h"

#include <algorithm>
#include <new>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "txn/apply.h"
#include "txn/op_label.h"
#include "txn/pointer_tokens.h"
#include "txn/slot.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {

absl::StatusOr<TextState> TextState::FromText(absl::string_view text,
                                              absl::string_view what) {
  return Build(text, what, nullptr);
}

absl::StatusOr<TextState> TextState::Build(absl::string_view text,
                                           absl::string_view what,
                                           std::shared_ptr<const void> owner) {
  MemberSpans spans;
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
  STATELOG_ASSIGN_OR_RETURN(
      std::shared_ptr<const TextIndex> index,
      TextIndex::Build(text, what, std::move(owner), std::move(spans)));
  state.text_members_ = index->members.size();
  state.parsed_flags_.assign(state.text_members_, false);
  state.index_ = std::move(index);
  return state;
}

absl::StatusOr<TextState> TextState::FromContents(
    std::unique_ptr<FileContents> contents, absl::string_view text,
    absl::string_view what) {
  std::shared_ptr<const void> owner;
  if (contents->private_copy()) {
    owner = std::shared_ptr<const FileContents>(std::move(contents));
  } else {
    auto owned = std::make_shared<const std::string>(text);
    contents.reset();
    text = *owned;
    owner = std::move(owned);
  }
  return Build(text, what, std::move(owner));
}

const std::string& TextState::Source::name() const { return index_->name; }

TextState::Source TextState::source() const {
  if (index_ == nullptr || index_->owner == nullptr) return Source();
  return Source(index_);
}

TextState TextState::FromSource(const Source& source) {
  TextState state;
  state.whole_ = false;
  state.index_ = source.index_;
  state.text_bytes_ = source.index_->text.size();
  state.text_members_ = source.index_->members.size();
  state.parsed_flags_.assign(state.text_members_, false);
  return state;
}

size_t TextState::FindText(absl::string_view key) const {
  if (index_ == nullptr) return kNotText;
  const size_t i = index_->Find(key);
  return i == TextIndex::kNone || parsed_flags_[i] ? kNotText : i;
}

bool TextState::IsText(const std::string& key) const {
  return FindText(key) != kNotText || changed_text_.contains(key);
}

absl::StatusOr<Json> TextState::ParseValue(const TextMember& member) const {
  return ParseJson(
      index_->text.substr(member.value_begin, member.end - member.value_begin),
      "state member");
}

absl::Status TextState::Parse(size_t i) {
  const TextMember& member = index_->members[i];
  STATELOG_ASSIGN_OR_RETURN(Json value, ParseValue(member));
  parsed_.emplace(std::string(index_->Key(member)), std::move(value));
  unfolded_bytes_ += member.end - member.begin;
  parsed_flags_[i] = true;
  ++parsed_members_;
  --text_members_;
  return absl::OkStatus();
}

absl::Status TextState::ParseMember(const std::string& key) {
  if (const size_t i = FindText(key); i != kNotText) return Parse(i);
  auto it = changed_text_.find(key);
  if (it == changed_text_.end()) return absl::OkStatus();
  STATELOG_ASSIGN_OR_RETURN(Json value, ParseJson(it->second, "state member"));
  parsed_.emplace(it->first, std::move(value));
  unfolded_bytes_ += it->first.size() + it->second.size();
  changed_text_.erase(it);
  ++parsed_members_;
  return absl::OkStatus();
}

void TextState::FoldChangesOverBudget(const std::vector<std::string>& kept,
                                      size_t parsed_now) {
  // Members the transactions added were not parsed, and count as 32
  // bytes each.
  const size_t budget = std::max(
      text_bytes_ <= small_state_bytes_ ? small_state_bytes_ : 0, kept_bytes_);
  if (unfolded_bytes_ <= budget &&
      parsed_.size() <= parsed_after_fold_ + budget / 32) {
    return;
  }
  std::string text;
  for (auto it = parsed_.begin(); it != parsed_.end();) {
    // The members the transaction just used are the likeliest to be used
    // again; folding one that every record changes (a large array) would
    // parse and dump it per record. A value that does not dump (past the
    // nesting limit, say) stays a tree; Dump reports it as it would have.
    text.clear();
    if (std::binary_search(kept.begin(), kept.end(), it->first) ||
        !AppendMemberValue(it->second, &text).ok()) {
      ++it;
      continue;
    }
    changed_text_.emplace(it->first, text);
    it = parsed_.erase(it);
  }
  unfolded_bytes_ = 0;
  kept_bytes_ = parsed_now;
  parsed_after_fold_ = parsed_.size();
}

absl::Status TextState::MakeWhole() {
  if (whole_) return absl::OkStatus();
  // Everything is parsed before anything moves, so a failure leaves the
  // state as it was.
  std::vector<Json> values;
  values.reserve(text_members_);
  const TextMembers& members = index_->members;
  for (size_t i = 0; i < members.size(); ++i) {
    if (parsed_flags_[i]) continue;
    STATELOG_ASSIGN_OR_RETURN(Json value, ParseValue(members[i]));
    values.push_back(std::move(value));
  }
  std::vector<Json> changed;
  changed.reserve(changed_text_.size());
  for (const auto& [key, text] : changed_text_) {
    STATELOG_ASSIGN_OR_RETURN(Json value, ParseJson(text, "state member"));
    changed.push_back(std::move(value));
  }
  size_t c = 0;
  for (auto& [key, text] : changed_text_) {
    parsed_.emplace(key, std::move(changed[c++]));
  }
  parsed_members_ += changed_text_.size();
  changed_text_.clear();
  // Both sequences are sorted by key: merged, every member goes in at the
  // end of the tree's object, without a search.
  Json tree = Json::object();
  Json::object_t& object = *tree.get_ptr<Json::object_t*>();
  auto next_parsed = parsed_.begin();
  auto take_parsed_below = [&](const absl::string_view* key) {
    while (next_parsed != parsed_.end() &&
           (key == nullptr || next_parsed->first < *key)) {
      object.insert(object.end(), parsed_.extract(next_parsed++));
    }
  };
  size_t v = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    if (parsed_flags_[i]) continue;
    const TextMember& member = members[i];
    const absl::string_view key = index_->Key(member);
    take_parsed_below(&key);
    object.emplace_hint(object.end(), std::string(key), std::move(values[v++]));
  }
  take_parsed_below(nullptr);
  parsed_members_ += v;
  text_members_ = 0;
  tree_ = std::move(tree);
  whole_ = true;
  parsed_.clear();
  index_.reset();
  parsed_flags_ = std::vector<bool>();
  return absl::OkStatus();
}

absl::Status TextState::Apply(const Transaction& txn, Validation validation,
                              Values values, absl::string_view value_text) {
  if (whole_) {
    if (PutText(txn, validation, value_text)) return absl::OkStatus();
    if (!put_texts_.empty()) {
      std::vector<std::string> keys;
      STATELOG_RETURN_IF_ERROR(TouchedMembers(txn, &keys) ? Settle(&keys)
                                                          : Settle(nullptr));
    }
    return root_index_.Apply(txn, &tree_, validation, values);
  }
  absl::Status applied;
  if (validation != Validation::kAlreadyValidated ||
      !ApplyWholeMember(txn, values, value_text)) {
    std::vector<std::string> keys;
    if (!TouchedMembers(txn, &keys)) {
      STATELOG_RETURN_IF_ERROR(MakeWhole());
      return root_index_.Apply(txn, &tree_, validation, values);
    }
    const size_t unfolded_before = unfolded_bytes_;
    applied = ApplyToMembers(txn, keys, validation, values);
    if (changed_form_ == ChangedMembers::kText) {
      FoldChangesOverBudget(keys, unfolded_bytes_ - unfolded_before);
    }
  }
  // Once every member is parsed, one tree serves better: no per-transaction
  // moving of members, and reads need no preparing. With nothing left to
  // parse, only memory can fail it, before it has moved anything; the
  // transaction stands either way.
  if (text_members_ == 0 && changed_text_.empty()) {
    try {
      (void)MakeWhole();
    } catch (const std::bad_alloc&) {
    }
  }
  return applied;
}

absl::Status TextState::ApplyToMembers(const Transaction& txn,
                                       const std::vector<std::string>& keys,
                                       Validation validation, Values values) {
  // The transaction runs on the object of the parsed members: every
  // pointer it follows starts at one of the members it touches, and those
  // are all parsed first (before anything changes, so a failure to parse
  // leaves everything in place), so it cannot tell the difference from the
  // whole state. The map moves into a Json and back, its nodes untouched.
  for (const std::string& key : keys) {
    STATELOG_RETURN_IF_ERROR(ParseMember(key));
  }
  Json part(std::move(parsed_));
  // On failure ApplyTransaction leaves `part` as it was; either way, `part`
  // holds what the parsed members now are (the removed ones are gone, the
  // added ones new).
  absl::Status applied = ApplyTransaction(txn, &part, validation, values);
  parsed_ = std::move(*part.get_ptr<Json::object_t*>());
  return applied;
}

bool TextState::Prepared(const std::vector<std::string>& tokens) const {
  if (whole_) {
    return put_texts_.empty() ||
           (!tokens.empty() && !put_texts_.contains(tokens.front()));
  }
  if (tokens.empty()) return false;
  return !IsText(tokens.front());
}

absl::Status TextState::Prepare(const std::vector<std::string>& tokens) {
  if (whole_) {
    if (tokens.empty()) return Settle(nullptr);
    const std::vector<std::string> first(1, tokens.front());
    return Settle(&first);
  }
  if (tokens.empty()) return MakeWhole();
  if (!IsText(tokens.front())) return absl::OkStatus();
  STATELOG_RETURN_IF_ERROR(ParseMember(tokens.front()));
  if (text_members_ == 0 && changed_text_.empty()) return MakeWhole();
  return absl::OkStatus();
}

absl::StatusOr<const Json*> TextState::Find(
    const std::vector<std::string>& tokens) const {
  // The walks only read; FindValue takes a mutable pointer because the
  // operations that change the state share it.
  const Json* member = nullptr;
  if (whole_) {
    if (!root_index_.built() || tokens.empty()) {
      return FindValue(const_cast<Json*>(&tree_), tokens, tokens.size());
    }
    member = root_index_.Find(tokens.front());
  } else if (auto it = parsed_.find(tokens.front()); it != parsed_.end()) {
    member = &it->second;
  }
  if (member == nullptr) {
    // What ChildSlot finds for a missing member of the root object.
    return absl::NotFoundError(
        absl::StrCat(ShownPointer(JoinPointer(tokens, 1)), " does not exist"));
  }
  return FindValueBelow(const_cast<Json*>(member), tokens, 1, tokens.size());
}

absl::StatusOr<const Json*> TextState::Whole() {
  STATELOG_RETURN_IF_ERROR(MakeWhole());
  STATELOG_RETURN_IF_ERROR(Settle(nullptr));
  return &tree_;
}

}  // namespace statelog::internal
