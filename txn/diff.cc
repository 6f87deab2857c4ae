// txn/diff.cc
//
// Transaction::Diff: the operations that turn one JSON value into another,
// for callers that hold their whole state and save it (Store::Save). What
// it journals should be what changed, so that a save costs the size of the
// change, not of the state.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "statelog/transaction.h"
#include "txn/pointer_tokens.h"
#include "util/json_util.h"

namespace statelog {
namespace {

using internal::SameJsonText;

void DiffInto(const Json& from, const Json& to, std::string* path,
              Transaction* txn);

enum class Side { kOld, kNew, kBoth };

// Calls fn(side, old member, new member) for every key of either object,
// in the order their maps keep the keys: both walked once, side by side.
// The member of a side the key is not on is end().
template <typename Fn>
void WalkMembers(const Json::object_t& old_members,
                 const Json::object_t& new_members, const Fn& fn) {
  auto o = old_members.begin();
  auto n = new_members.begin();
  while (o != old_members.end() || n != new_members.end()) {
    if (n == new_members.end() ||
        (o != old_members.end() &&
         old_members.key_comp()(o->first, n->first))) {
      fn(Side::kOld, o++, new_members.end());
    } else if (o == old_members.end() ||
               new_members.key_comp()(n->first, o->first)) {
      fn(Side::kNew, old_members.end(), n++);
    } else {
      fn(Side::kBoth, o++, n++);
    }
  }
}

// Objects: a removal per member gone, an add per member new, and the
// differences inside each member both have, in key order.
void DiffObjects(const Json& from, const Json& to, std::string* path,
                 Transaction* txn) {
  const Json::object_t& old_members = from.get_ref<const Json::object_t&>();
  const Json::object_t& new_members = to.get_ref<const Json::object_t&>();
  using It = Json::object_t::const_iterator;
  // Most members come or go: one replace is about as large, and an add per
  // member would make the record larger than the object (a state saved
  // into a new store could then exceed the record limit that the same
  // state as one value stays under).
  size_t comings_and_goings = 0;
  WalkMembers(old_members, new_members, [&](Side side, It, It) {
    comings_and_goings += side == Side::kBoth ? 0 : 1;
  });
  if (comings_and_goings > 1 &&
      comings_and_goings * 2 >
          std::max(old_members.size(), new_members.size())) {
    txn->Replace(*path, to);
    return;
  }
  const size_t length = path->size();
  WalkMembers(old_members, new_members, [&](Side side, It o, It n) {
    internal::AppendPointerToken(side == Side::kOld ? o->first : n->first,
                                 path);
    switch (side) {
      case Side::kOld:
        txn->Remove(*path);
        break;
      case Side::kNew:
        txn->Add(*path, n->second);
        break;
      case Side::kBoth:
        DiffInto(o->second, n->second, path, txn);
        break;
    }
    path->resize(length);
  });
}

enum class Edit { kKeep, kDelete, kInsert };

// The shortest edit script that turns `a` into `b`, element by element
// (Myers, "An O(ND) difference algorithm and its variations", 1986), or
// nullopt if it takes more than `max_edits` deletions and insertions.
// Time O((N + M) * D) element comparisons for D edits.
std::optional<std::vector<Edit>> ShortestEdit(const Json& a, const Json& b,
                                              size_t max_edits) {
  const long n = static_cast<long>(a.size());
  const long m = static_cast<long>(b.size());
  const long max_d = std::min<long>(n + m, static_cast<long>(max_edits));
  const long offset = max_d + 1;
  // v[offset + k]: the furthest x reached on diagonal k (x - y = k).
  std::vector<long> v(static_cast<size_t>(2 * max_d + 3), 0);
  std::vector<std::vector<long>> trace;
  for (long d = 0; d <= max_d; ++d) {
    trace.push_back(v);
    for (long k = -d; k <= d; k += 2) {
      const bool down =
          k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]);
      long x = down ? v[offset + k + 1] : v[offset + k - 1] + 1;
      long y = x - k;
      while (
          x < n && y < m &&
          SameJsonText(a[static_cast<size_t>(x)], b[static_cast<size_t>(y)])) {
        ++x;
        ++y;
      }
      v[offset + k] = x;
      if (x < n || y < m) continue;
      // Back from (n, m) along the moves that got there.
      std::vector<Edit> edits;
      for (long e = d; e > 0; --e) {
        const std::vector<long>& before = trace[static_cast<size_t>(e)];
        const long kk = x - y;
        const bool came_down =
            kk == -e ||
            (kk != e && before[offset + kk - 1] < before[offset + kk + 1]);
        const long prev_k = came_down ? kk + 1 : kk - 1;
        const long prev_x = before[offset + prev_k];
        const long prev_y = prev_x - prev_k;
        while (x > (came_down ? prev_x : prev_x + 1) &&
               y > (came_down ? prev_y + 1 : prev_y)) {
          edits.push_back(Edit::kKeep);
          --x;
          --y;
        }
        edits.push_back(came_down ? Edit::kInsert : Edit::kDelete);
        x = prev_x;
        y = prev_y;
      }
      while (x > 0 && y > 0) {
        edits.push_back(Edit::kKeep);
        --x;
        --y;
      }
      std::reverse(edits.begin(), edits.end());
      return edits;
    }
  }
  return std::nullopt;
}

// The edit script as operations, walking the array as it changes: a run
// of deletions and insertions between kept elements changes elements in
// place pair by pair (so one field changed in one element is one small
// operation), then removes or adds the rest.
void ApplyEdits(const Json& from, const Json& to,
                const std::vector<Edit>& edits, std::string* path,
                Transaction* txn) {
  const size_t length = path->size();
  size_t at = 0;              // index in the array as it is now
  size_t size = from.size();  // its size now
  size_t i = 0;               // next element of `from`
  size_t j = 0;               // next element of `to`
  auto element = [&](size_t index) {
    path->resize(length);
    absl::StrAppend(path, "/", index);
  };
  for (size_t e = 0; e < edits.size();) {
    if (edits[e] == Edit::kKeep) {
      ++at, ++i, ++j, ++e;
      continue;
    }
    size_t deletions = 0;
    size_t insertions = 0;
    for (; e < edits.size() && edits[e] != Edit::kKeep; ++e) {
      (edits[e] == Edit::kDelete ? deletions : insertions) += 1;
    }
    for (; deletions > 0 && insertions > 0; --deletions, --insertions) {
      element(at);
      DiffInto(from[i++], to[j++], path, txn);
      ++at;
    }
    for (; deletions > 0; --deletions, ++i, --size) {
      element(at);
      txn->Remove(*path);
    }
    for (; insertions > 0; --insertions, ++at, ++size) {
      path->resize(length);
      if (at == size) {
        *path += "/-";
      } else {
        absl::StrAppend(path, "/", at);
      }
      txn->Add(*path, to[j++]);
    }
  }
  path->resize(length);
}

// Arrays, in the ways states' arrays change: appended to (a log), cut at
// either end (a queue, a window), an element inserted, removed, moved or
// changed. The shortest edit script finds these. An array whose script
// needs more than kMaxArrayEdits edits, or would write (insert, or change
// in place) more than half of the new array's elements, is replaced whole:
// that record is about as large, and one operation.
constexpr size_t kMaxArrayEdits = 64;

void DiffArrays(const Json& from, const Json& to, std::string* path,
                Transaction* txn) {
  std::optional<std::vector<Edit>> edits =
      ShortestEdit(from, to, std::min(kMaxArrayEdits, from.size() + to.size()));
  // Each insertion writes an element, paired with a deletion (a change in
  // place) or not.
  size_t written = 0;
  if (edits.has_value()) {
    written = static_cast<size_t>(
        std::count(edits->begin(), edits->end(), Edit::kInsert));
  }
  if (!edits.has_value() || (to.size() > 1 && written * 2 > to.size())) {
    txn->Replace(*path, to);
    return;
  }
  ApplyEdits(from, to, *edits, path, txn);
}

void DiffInto(const Json& from, const Json& to, std::string* path,
              Transaction* txn) {
  // Containers are compared as they are walked: comparing them whole first
  // would walk every level again at each level below.
  if (from.is_object() && to.is_object())
    return DiffObjects(from, to, path, txn);
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
