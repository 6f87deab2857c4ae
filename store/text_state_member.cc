// store/text_state_member.cc
//
// TextState's ways with a record that puts or removes one whole member:
// found once (Locate), changed where it stands, never parsed.

#include <string>
#include <utility>

#include "store/text_state.h"

namespace statelog::internal {

TextState::MemberSlot TextState::Locate(absl::string_view key) {
  MemberSlot slot;
  slot.text_at = FindText(key);
  // Where the member is or would go among the parsed ones: one descent
  // of the map serves both the lookup and an insertion.
  slot.parsed = parsed_.lower_bound(key);
  slot.is_parsed = slot.parsed != parsed_.end() && slot.parsed->first == key;
  slot.changed = changed_text_.find(key);
  return slot;
}

void TextState::Supersede(const MemberSlot& slot) {
  if (slot.text_at == kNotText) return;
  parsed_flags_[slot.text_at] = true;
  --text_members_;
}

void TextState::PutChangedText(absl::string_view key, absl::string_view text,
                               const MemberSlot& slot) {
  // Copied, not moved: a dumped text grew by doublings, and its spare
  // capacity over the tail of a large state was a megabyte (the fold
  // copies too).
  if (slot.changed == changed_text_.end()) {
    changed_text_.try_emplace(std::string(key), text);
  } else {
    slot.changed->second.assign(text.data(), text.size());
  }
  // Nothing from here allocates: the change is whole or not made.
  if (slot.is_parsed) parsed_.erase(slot.parsed);
}

bool TextState::PutMemberText(const std::string& path,
                              absl::string_view value_text) {
  if (!TakesMemberText()) return false;
  std::string unescaped;
  absl::string_view key;
  if (!NamesOneMember(path, &unescaped, &key)) return false;
  if (whole_) {
    auto it = put_texts_.find(key);
    if (it != put_texts_.end()) {
      // Reuses the old text's buffer when it is large enough; a string's
      // assign that runs out of memory leaves it as it was.
      it->second.assign(value_text.data(), value_text.size());
    } else {
      // Both strings are made before the entry: a failure adds nothing.
      put_texts_.emplace(std::string(key), std::string(value_text));
    }
    return true;
  }
  const MemberSlot slot = Locate(key);
  PutChangedText(key, value_text, slot);
  Supersede(slot);
  return true;
}

bool TextState::ApplyWholeMember(const Transaction& txn, Values values,
                                 absl::string_view value_text) {
  if (txn.ops().size() != 1) return false;
  // Only while some of the source's members are text: a state with none
  // left becomes one tree (Apply), whose puts keep their text in
  // put_texts_ instead.
  const bool given_text = !value_text.empty() && text_members_ > 0;
  const bool as_text = given_text || changed_form_ == ChangedMembers::kText;
  // A small state keeps its changed members as trees a while (see
  // kSmallStateBytes): moving the record's value in is cheaper than
  // dumping it. The record's own text costs nothing to take.
  if (as_text && !given_text && text_bytes_ <= small_state_bytes_) {
    return false;
  }
  const Operation& op = txn.ops().front();
  const MemberChange change = ChangeOfMember(op.kind);
  const bool puts = change == MemberChange::kPut;
  if (change == MemberChange::kOther) {
    return false;
  }
  std::string unescaped;
  absl::string_view key;
  if (!NamesOneMember(op.path, &unescaped, &key)) return false;
  MemberSlot slot = Locate(key);
  const bool exists = slot.text_at != kNotText || slot.is_parsed ||
                      slot.changed != changed_text_.end();
  // What would fail is left to the general path, which says why.
  if (NeedsMember(op.kind) && !exists) {
    return false;
  }
  if (puts && given_text) {
    PutChangedText(key, value_text, slot);
  } else if (puts && as_text) {
    std::string text;
    if (!AppendMemberValue(op.value, &text).ok()) return false;
    PutChangedText(key, text, slot);
  } else if (puts) {
    // What can run out of memory first (the copy, the member's node), so
    // that a failure changes nothing and moves nothing out of `txn`.
    Json copy;
    if (values == Values::kCopy) copy = op.value;
    if (!slot.is_parsed) {
      slot.parsed = parsed_.emplace_hint(slot.parsed, key, Json());
    }
    slot.parsed->second = values != Values::kCopy
                              ? std::move(const_cast<Json&>(op.value))
                              : std::move(copy);
    if (slot.changed != changed_text_.end()) changed_text_.erase(slot.changed);
  } else {
    if (slot.changed != changed_text_.end()) changed_text_.erase(slot.changed);
    if (slot.is_parsed) parsed_.erase(slot.parsed);
  }
  Supersede(slot);
  return true;
}

}  // namespace statelog::internal
