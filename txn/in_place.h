// txn/in_place.h
//
// Replacing a JSON value by overwriting the old one where it stands, so
// that a value replaced by one of the same shape frees and allocates
// nothing. The replaced value is usually cold in the caches (one member
// of a large state), and freeing its nodes one by one cost more than the
// rest of a small transaction.

#ifndef STATELOG_TXN_IN_PLACE_H_
#define STATELOG_TXN_IN_PLACE_H_

#include "statelog/transaction.h"

namespace statelog::internal {

// Makes `*to` equal to `*from`, reusing what it can of `*to`'s nodes: the
// members of an object with the same keys, the elements of an array of the
// same length, the buffer of a string long enough. A value replaced by one
// of the same shape (a checkpoint rewritten with new figures) then frees
// and allocates nothing; the old value is usually cold, and freeing its
// nodes one by one cost more than the rest of a small transaction.
// `*from` is left valid but unspecified. Never throws: where reuse fails
// or would allocate, the value is moved in whole.
void AssignInPlace(Json* to, Json* from) noexcept;
// Makes `*to` equal to `from` by overwriting `*to` where it stands, if
// that needs no allocation: every object with the same keys in `from`,
// every array of the same length, every string's buffer long enough, and
// no container replaced by a scalar. Otherwise false, and `*to` is
// unchanged. Spares the copy that AssignInPlace needs: a checkpoint
// rewritten with new figures then allocates and frees nothing at all.
bool CopyInPlace(Json* to, const Json& from) noexcept;

}  // namespace statelog::internal

#endif  // STATELOG_TXN_IN_PLACE_H_
