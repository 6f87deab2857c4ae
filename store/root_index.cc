// store/root_index.cc

#include "store/root_index.h"

#include <algorithm>
#include <new>
#include <utility>

#include "txn/pointer_tokens.h"

namespace statelog::internal {

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

bool NamesOneEscapedMember(const std::string& path, std::string* unescaped,
                           absl::string_view* key) {
  absl::StatusOr<std::vector<std::string>> tokens = SplitPointer(path);
  if (!tokens.ok() || tokens->size() != 1) return false;
  *unescaped = std::move(tokens->front());
  *key = *unescaped;
  return true;
}

absl::Status RootIndex::Apply(const Transaction& txn, Json* tree,
                              Validation validation, Values values) {
  const bool large = tree->is_object() && tree->size() >= kMinMembers;
  if (!large && built_) Drop(0);
  // A record that puts or removes one whole member skips the general
  // path, whose pointer tokens, undo log and moving of members cost more
  // than the change itself. Its value must have been checked: the
  // shortcut puts it in as it is.
  if (validation == Validation::kAlreadyValidated && txn.ops().size() == 1 &&
      tree->is_object() && (!large || built_)) {
    switch (ApplyWholeMember(txn.ops().front(),
                             tree->get_ptr<Json::object_t*>(), values)) {
      case Shortcut::kApplied:
        return absl::OkStatus();
      case Shortcut::kOutOfMemory:
        return absl::ResourceExhaustedError("out of memory");
      case Shortcut::kNotTaken:
        break;
    }
  }
  if (!large) return ApplyTransaction(txn, tree, validation, values);
  std::vector<std::string> keys;
  std::vector<MemberIt> at;
  Json part;
  try {
    if (!TouchedMembers(txn, &keys)) {
      Drop(tree->size() / 16);
      return ApplyTransaction(txn, tree, validation, values);
    }
    if (!built_) {
      if (unindexed_left_ > 0) {
        --unindexed_left_;
        return ApplyTransaction(txn, tree, validation, values);
      }
      if (!Build(*tree->get_ptr<Json::object_t*>())) {
        return ApplyTransaction(txn, tree, validation, values);
      }
    }
    part = Json::object();
    at.reserve(keys.size());
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory");
  }
  Json::object_t& root = *tree->get_ptr<Json::object_t*>();
  // The touched members move out of the tree into `touched`, map nodes of
  // their own; what the transaction leaves there moves back.
  Json::object_t& touched = *part.get_ptr<Json::object_t*>();
  try {
    for (const std::string& key : keys) {
      auto found = members_.find(key);
      at.push_back(found == members_.end() ? root.end() : found->second);
      // A node that cannot be made (allocation) takes nothing: the value
      // moves in last.
      if (at.back() != root.end()) {
        touched.emplace_hint(touched.end(), key, std::move(at.back()->second));
      }
    }
  } catch (const std::bad_alloc&) {
    // Not PutBack: the member whose node could not be made is still in
    // the tree, not missing from `touched` because a removal took it.
    for (size_t i = 0; i < at.size(); ++i) {
      auto moved = touched.find(keys[i]);
      if (moved != touched.end()) at[i]->second = std::move(moved->second);
    }
    return absl::ResourceExhaustedError("out of memory");
  }
  // On failure ApplyTransaction leaves `part` as it was; either way `part`
  // holds what the touched members now are.
  // The members of a large state are cold in the caches: overwriting a
  // replaced value costs less than freeing it node by node.
  absl::Status applied =
      ApplyTransaction(txn, &part, validation, values, Replaced::kOverwrite);
  PutBack(keys, at, &touched, &root);
  return applied;
}

RootIndex::Shortcut RootIndex::ApplyWholeMember(const Operation& op,
                                                Json::object_t* root,
                                                Values values) {
  const MemberChange change = ChangeOfMember(op.kind);
  const bool puts = change == MemberChange::kPut;
  if (change == MemberChange::kOther) {
    return Shortcut::kNotTaken;
  }
  std::string unescaped;
  absl::string_view key;
  if (!NamesOneMember(op.path, &unescaped, &key)) return Shortcut::kNotTaken;
  // Through the index if built; a small object's map is warm in the caches.
  MemberIt at = root->end();
  if (built_) {
    auto found = members_.find(key);
    if (found != members_.end()) at = found->second;
  } else {
    at = root->find(key);
  }
  const bool exists = at != root->end();
  if (NeedsMember(op.kind) && !exists) {
    return Shortcut::kNotTaken;
  }
  if (!puts) {
    if (exists) {
      if (built_) members_.erase(key);
      root->erase(at);
    }
    return Shortcut::kApplied;
  }
  // The old value is overwritten where it stands if the new one has its
  // shape (the usual checkpoint): nothing is allocated or freed. In a
  // large state it is cold in the caches, and even when the shapes differ
  // overwriting what matches costs less than freeing it node by node.
  if (exists && values == Values::kCopy && CopyInPlace(&at->second, op.value)) {
    return Shortcut::kApplied;
  }
  // What can run out of memory comes first (the copy, the new member's
  // node), so that a failure changes nothing and moves nothing out of the
  // operation.
  Json copy;
  try {
    if (values == Values::kCopy) copy = op.value;
    Json& value = values != Values::kCopy ? const_cast<Json&>(op.value) : copy;
    if (exists) {
      if (built_) {
        AssignInPlace(&at->second, &value);
      } else {
        at->second = std::move(value);
      }
      return Shortcut::kApplied;
    }
    at = root->emplace(std::string(key), std::move(value)).first;
  } catch (const std::bad_alloc&) {
    return Shortcut::kOutOfMemory;
  }
  if (built_) {
    try {
      members_.emplace(at->first, at);
    } catch (const std::bad_alloc&) {
      Drop(0);  // incomplete: built again from the tree next time
    }
  }
  return Shortcut::kApplied;
}

void RootIndex::PutBack(const std::vector<std::string>& keys,
                        const std::vector<MemberIt>& at,
                        Json::object_t* touched, Json::object_t* root) {
  for (size_t i = 0; i < at.size(); ++i) {
    auto now = touched->find(keys[i]);
    if (at[i] != root->end()) {
      if (now != touched->end()) {
        at[i]->second = std::move(now->second);
      } else {  // removed
        members_.erase(keys[i]);
        root->erase(at[i]);
      }
    } else if (now != touched->end()) {  // added
      MemberIt it = root->insert(touched->extract(now)).position;
      if (!built_) continue;
      try {
        members_.emplace(it->first, it);
      } catch (const std::bad_alloc&) {
        Drop(0);  // incomplete: built again from the tree next time
      }
    }
  }
  // Only moved-from nulls are left: dropped here, they spare the caller's
  // object the stack nlohmann's destructor allocates for its members.
  touched->clear();
}

const Json* RootIndex::Find(absl::string_view key) const {
  auto found = members_.find(key);
  return found == members_.end() ? nullptr : &found->second->second;
}

bool RootIndex::Build(Json::object_t& root) {
  try {
    members_.reserve(root.size());
    for (auto it = root.begin(); it != root.end(); ++it) {
      members_.emplace(it->first, it);
    }
  } catch (const std::bad_alloc&) {
    members_ = {};
    return false;
  }
  built_ = true;
  return true;
}

void RootIndex::Drop(size_t wait) {
  members_ = {};
  built_ = false;
  unindexed_left_ = wait;
}

}  // namespace statelog::internal
