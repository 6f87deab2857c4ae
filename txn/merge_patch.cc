// txn/merge_patch.cc

#include "txn/merge_patch.h"

#include <string>
#include <utility>
#include <vector>

namespace statelog::internal {
namespace {

// What merging `patch` into nothing gives: `patch` without its null object
// members, at any depth. Arrays are values in a merge patch, kept as is.
Json WithoutNullMembers(const Json& patch) {
  const auto* members = patch.get_ptr<const Json::object_t*>();
  if (members == nullptr) return patch;
  Json::object_t result;
  for (const auto& [key, value] : *members) {
    if (!value.is_null()) result.emplace(key, WithoutNullMembers(value));
  }
  return Json(std::move(result));
}

// Erases the null object members of `*patch`, at any depth, in place.
void EraseNullMembers(Json* patch) {
  auto* members = patch->get_ptr<Json::object_t*>();
  if (members == nullptr) return;
  for (auto it = members->begin(); it != members->end();) {
    if (it->second.is_null()) {
      it = members->erase(it);
    } else {
      EraseNullMembers(&it->second);
      ++it;
    }
  }
}

// WithoutNullMembers(*patch), made of `*patch` itself with `take` (moved
// out, nothing allocated), else a copy.
Json MergedValue(const Json& patch, bool take) {
  if (!take) return WithoutNullMembers(patch);
  Json& own = const_cast<Json&>(patch);
  EraseNullMembers(&own);
  return std::move(own);
}

// Every change is made as: build what may allocate, reserve the undo entry,
// change the document (all or nothing), record. An exception thus never
// leaves a change unrecorded.
void MergeMembers(const Json::object_t& patch, bool take,
                  Json::object_t* target, std::vector<std::string>* path,
                  UndoLog* undo) {
  for (const auto& [key, patch_value] : patch) {
    auto it = target->find(key);
    if (patch_value.is_null()) {
      if (it == target->end()) continue;
      std::vector<std::string> where = *path;
      where.push_back(key);
      undo->Reserve();
      Json old = std::move(it->second);
      target->erase(it);
      undo->RecordRemove(std::move(where), std::move(old));
      continue;
    }
    if (it != target->end() && patch_value.is_object() &&
        it->second.is_object()) {
      path->push_back(key);
      MergeMembers(*patch_value.get_ptr<const Json::object_t*>(), take,
                   it->second.get_ptr<Json::object_t*>(), path, undo);
      path->pop_back();
      continue;
    }
    Json value = MergedValue(patch_value, take);
    std::vector<std::string> where = *path;
    where.push_back(key);
    undo->Reserve();
    if (it == target->end()) {
      target->emplace(key, std::move(value));
      undo->RecordInsert(std::move(where));
    } else {
      std::swap(it->second, value);
      undo->RecordReplace(std::move(where), std::move(value));
    }
  }
}

}  // namespace

void ApplyMergePatch(const Json& patch, bool take, Json* state, UndoLog* undo) {
  const auto* members = patch.get_ptr<const Json::object_t*>();
  auto* target = state->get_ptr<Json::object_t*>();
  if (members != nullptr && target != nullptr) {
    std::vector<std::string> path;
    MergeMembers(*members, take, target, &path, undo);
    return;
  }
  // A non-object patch replaces the state; an object patch onto a
  // non-object state merges into an empty object, i.e. drops its nulls.
  Json value = MergedValue(patch, take);
  undo->Reserve();
  std::swap(*state, value);
  undo->RecordReplace({}, std::move(value));
}

}  // namespace statelog::internal
