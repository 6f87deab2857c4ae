// txn/pointer_tokens.cc

#include "txn/pointer_tokens.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_replace.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {

absl::StatusOr<std::vector<std::string>> SplitPointer(
    const std::string& pointer) {
  // nlohmann does the parsing and unescaping, so there is one definition of
  // what a valid pointer is; its tokens are only reachable from the back.
  STATELOG_ASSIGN_OR_RETURN(Json::json_pointer parsed, ParsePointer(pointer));
  std::vector<std::string> tokens;
  while (!parsed.empty()) {
    tokens.push_back(parsed.back());
    parsed.pop_back();
  }
  std::reverse(tokens.begin(), tokens.end());
  return tokens;
}

std::string JoinPointer(const std::vector<std::string>& tokens, size_t count) {
  std::string pointer;
  for (size_t i = 0; i < count; ++i) {
    pointer += '/';
    pointer += absl::StrReplaceAll(tokens[i], {{"~", "~0"}, {"/", "~1"}});
  }
  return pointer;
}

}  // namespace statelog::internal
