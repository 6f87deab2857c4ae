// util/hex.h
//
// Lowercase hex for byte strings (store ids in JSON files).

#ifndef STATELOG_UTIL_HEX_H_
#define STATELOG_UTIL_HEX_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace statelog::internal {

std::string ToHex(absl::string_view bytes);
// nullopt unless `hex` is an even number of lowercase hex digits.
std::optional<std::string> FromHex(absl::string_view hex);

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_HEX_H_
