// txn/pointer_tokens.h
//
// RFC 6901 pointers as the list of reference tokens they name, the form the
// transaction code walks documents with. Internal to statelog.

#ifndef STATELOG_TXN_POINTER_TOKENS_H_
#define STATELOG_TXN_POINTER_TOKENS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace statelog::internal {

// The unescaped reference tokens of `pointer`: "/a~1b/0" gives {"a/b", "0"},
// "" gives none (the whole document). InvalidArgument, as ParsePointer, if
// `pointer` is not a valid pointer.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> SplitPointer(
    const std::string& pointer);

// The pointer text naming tokens[0, count), escaped per RFC 6901.
// REQUIRES: count <= tokens.size().
std::string JoinPointer(const std::vector<std::string>& tokens, size_t count);

}  // namespace statelog::internal

#endif  // STATELOG_TXN_POINTER_TOKENS_H_
