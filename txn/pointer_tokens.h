// txn/pointer_tokens.h
//
// RFC 6901 pointers as the list of reference tokens they name, the form the
// transaction code walks documents with. Internal to statelog.

#ifndef STATELOG_TXN_POINTER_TOKENS_H_
#define STATELOG_TXN_POINTER_TOKENS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace statelog::internal {

// The unescaped reference tokens of `pointer`: "/a~1b/0" gives {"a/b", "0"},
// "" gives none (the whole document). InvalidArgument, as ParsePointer, if
// `pointer` is not a valid pointer.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> SplitPointer(
    const std::string& pointer);

// The number of reference tokens of `pointer` if it is a valid pointer
// (SplitPointer accepts it), nullopt if not. Allocates nothing: validation
// of every operation starts here, and only an invalid pointer needs
// SplitPointer's error message.
std::optional<size_t> PointerDepth(absl::string_view pointer);

// The pointer text naming tokens[0, count), escaped per RFC 6901.
// REQUIRES: count <= tokens.size().
std::string JoinPointer(const std::vector<std::string>& tokens, size_t count);

// Appends "/" and `token`, escaped per RFC 6901, to `pointer`.
void AppendPointerToken(absl::string_view token, std::string* pointer);

}  // namespace statelog::internal

#endif  // STATELOG_TXN_POINTER_TOKENS_H_
