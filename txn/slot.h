// txn/slot.h
//
// Places in a JSON document, found by reference tokens (txn/pointer_tokens.h),
// and the two structural changes made at them: inserting a value and taking
// one out. Everything here works on nlohmann's underlying std::map and
// std::vector, so nothing throws a JSON exception. Internal to statelog.

#ifndef STATELOG_TXN_SLOT_H_
#define STATELOG_TXN_SLOT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "statelog/transaction.h"

namespace statelog::internal {

// One place in a document: the root, a member of an object, or a position in
// an array (possibly at or past its end). Refers to the document and to the
// tokens it was found with, which must outlive it; any change to the parent
// container invalidates it.
struct Slot {
  Json* parent = nullptr;            // nullptr: the slot is the root
  const std::string* key = nullptr;  // *parent is an object: the member name
  size_t index = 0;                  // *parent is an array: the position
  Json* value = nullptr;             // what is there now; nullptr if nothing
};

// An RFC 6901 array index: "0" or digits without a leading zero, in range.
std::optional<size_t> ParseArrayIndex(absl::string_view token);

// The slot that tokens[count - 1] names inside `*parent`, the value at
// tokens[0, count - 1). In an array, "-" names the empty slot after the last
// element and an index past the end names an empty slot at that index.
// NotFound if `*parent` is a scalar (nothing is below it); InvalidArgument
// if it is an array and the token is neither an index nor "-".
// REQUIRES: 1 <= count <= tokens.size().
[[nodiscard]] absl::StatusOr<Slot> ChildSlot(
    Json* parent, const std::vector<std::string>& tokens, size_t count);

// The value at tokens[0, count). NotFound if a member or element on the way
// does not exist or is a scalar; InvalidArgument as ChildSlot.
[[nodiscard]] absl::StatusOr<Json*> FindValue(
    Json* root, const std::vector<std::string>& tokens, size_t count);
// The same walk starting from `node`, the value at tokens[0, depth).
// REQUIRES: depth <= count.
[[nodiscard]] absl::StatusOr<Json*> FindValueBelow(
    Json* node, const std::vector<std::string>& tokens, size_t depth,
    size_t count);

// The slot named by all of `tokens` (the root if there are none). Its parent
// must exist, as for FindValue; the slot itself may be empty.
[[nodiscard]] absl::StatusOr<Slot> FindSlot(
    Json* root, const std::vector<std::string>& tokens);

// `tokens` with the last one written as the slot's array index if the slot
// is in an array ("-" becomes "3"): the form that finds the same place again.
std::vector<std::string> ResolvedPath(const std::vector<std::string>& tokens,
                                      const Slot& slot);

// Removes the value at `slot` and returns it, shifting later array elements
// down. REQUIRES: slot.parent and slot.value are not null.
Json TakeValue(const Slot& slot) noexcept;

// Puts `value` into `slot` as a new member, or as the array element at
// slot.index with later elements shifted up. On an exception (allocation
// only) the document is unchanged and `value` is not consumed.
// REQUIRES: slot.parent is not null; an object slot is empty; an array slot's
// index is at most the array's size.
void InsertValue(const Slot& slot, Json&& value);

}  // namespace statelog::internal

#endif  // STATELOG_TXN_SLOT_H_
