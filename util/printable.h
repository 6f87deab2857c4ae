// util/printable.h
//
// Quoting arbitrary bytes (JSON pointers, object keys, parser excerpts) into
// error messages. Internal to statelog.

#ifndef STATELOG_UTIL_PRINTABLE_H_
#define STATELOG_UTIL_PRINTABLE_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace statelog::internal {

// Returns `bytes` with every byte that is not part of a valid UTF-8
// sequence written as \xNN ("caf\xff"). Error messages end up inside JSON
// reports, which must stay valid UTF-8 whatever input caused the error.
std::string Printable(absl::string_view bytes);

// Printable(bytes), cut after its first kExcerptBytes bytes if longer and
// then followed by "... (N bytes)". A pointer or key quoted in an error
// message can be as long as a record (a user's 200 KB pointer gave a
// 600 KB line); the start names it well enough.
inline constexpr size_t kExcerptBytes = 200;
std::string PrintableExcerpt(absl::string_view bytes);

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_PRINTABLE_H_
