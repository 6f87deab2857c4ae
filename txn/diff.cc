// txn/diff.cc
//
// Transaction::Diff: the operations that turn one JSON value into another,
// for callers that hold their whole state and save it (Store::Save). What
// it journals should be what changed, so that a save costs the size of the
// change, not of the state.

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "statelog/transaction.h"
#include "txn/pointer_tokens.h"
#include "util/json_util.h"

namespace statelog {
namespace {

using internal::SameJsonText;

void DiffInto(const Json& from, const Json& to, std::string* path,
              Transaction* txn);

// Objects: a removal per member gone, an add per member new, and the
// differences inside each member both have, in key order. Both are
// walked once, side by side, in the order their maps keep the keys.
void DiffObjects(const Json& from, const Json& to, std::string* path,
                 Transaction* txn) {
  const Json::object_t& old_members = from.get_ref<const Json::object_t&>();
  const Json::object_t& new_members = to.get_ref<const Json::object_t&>();
  const size_t length = path->size();
  auto o = old_members.begin();
  auto n = new_members.begin();
  while (o != old_members.end() || n != new_members.end()) {
    const bool only_old =
        n == new_members.end() ||
        (o != old_members.end() && old_members.key_comp()(o->first, n->first));
    const bool only_new =
        !only_old &&
        (o == old_members.end() || new_members.key_comp()(n->first, o->first));
    internal::AppendPointerToken(only_old ? o->first : n->first, path);
    if (only_old) {
      txn->Remove(*path);
      ++o;
    } else if (only_new) {
      txn->Add(*path, n->second);
      ++n;
    } else {
      DiffInto(o->second, n->second, path, txn);
      ++o;
      ++n;
    }
    path->resize(length);
  }
}

// Arrays, in the ways states' arrays change: appended to (a log), cut from
// the end, cut from the front (a queue), or a few elements changed. An
// array most of whose elements differ is replaced whole: that record is
// about as large, and one operation.
void DiffArrays(const Json& from, const Json& to, std::string* path,
                Transaction* txn) {
  const size_t length = path->size();
  auto element = [&](size_t i) {
    path->resize(length);
    absl::StrAppend(path, "/", i);
    return *path;
  };
  if (to.size() < from.size()) {
    const size_t cut = from.size() - to.size();
    bool front = true;
    for (size_t i = 0; i < to.size() && front; ++i) {
      front = SameJsonText(from[cut + i], to[i]);
    }
    if (front) {
      for (size_t i = 0; i < cut; ++i) txn->Remove(element(0));
      path->resize(length);
      return;
    }
  }
  const size_t common = std::min(from.size(), to.size());
  size_t differ = 0;
  for (size_t i = 0; i < common; ++i) differ += SameJsonText(from[i], to[i]) ? 0 : 1;
  if (differ * 2 > common && common > 1) {
    path->resize(length);
    txn->Replace(*path, to);
    return;
  }
  // From the end backwards, so that each index is still the element meant.
  for (size_t i = from.size(); i > to.size(); --i) txn->Remove(element(i - 1));
  for (size_t i = 0; i < common; ++i) {
    if (SameJsonText(from[i], to[i])) continue;
    element(i);
    DiffInto(from[i], to[i], path, txn);
  }
  path->resize(length);
  for (size_t i = common; i < to.size(); ++i) {
    txn->Add(*path + "/-", to[i]);
  }
}

void DiffInto(const Json& from, const Json& to, std::string* path,
              Transaction* txn) {
  // Containers are compared as they are walked: comparing them whole first
  // would walk every level again at each level below.
  if (from.is_object() && to.is_object()) return DiffObjects(from, to, path, txn);
  if (from.is_array() && to.is_array()) return DiffArrays(from, to, path, txn);
  if (!SameJsonText(from, to)) txn->Replace(*path, to);
}

}  // namespace

Transaction Transaction::Diff(const Json& from, const Json& to) {
  Transaction txn;
  std::string path;
  DiffInto(from, to, &path, &txn);
  return txn;
}

}  // namespace statelog
