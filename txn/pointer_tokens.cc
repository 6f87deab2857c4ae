// txn/pointer_tokens.cc

#include "txn/pointer_tokens.h"

#include <algorithm>
#include <utility>

#include "absl/strings/string_view.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {

namespace {

// Splits a pointer that is valid (starts with '/', every '~' followed by '0'
// or '1', valid UTF-8); false, with nothing to rely on in *tokens, if not.
bool SplitValidPointer(absl::string_view pointer,
                       std::vector<std::string>* tokens) {
  if (pointer.empty()) return true;
  if (pointer[0] != '/' || !IsValidUtf8(pointer)) return false;
  size_t start = 1;
  while (true) {
    const size_t end = std::min(pointer.find('/', start), pointer.size());
    std::string& token = tokens->emplace_back();
    token.reserve(end - start);
    for (size_t i = start; i < end; ++i) {
      if (pointer[i] != '~') {
        token.push_back(pointer[i]);
        continue;
      }
      if (i + 1 == end || (pointer[i + 1] != '0' && pointer[i + 1] != '1')) {
        return false;
      }
      token.push_back(pointer[++i] == '0' ? '~' : '/');
    }
    if (end == pointer.size()) return true;
    start = end + 1;
  }
}

}  // namespace

std::optional<size_t> PointerDepth(absl::string_view pointer) {
  if (pointer.empty()) return 0;
  if (pointer[0] != '/' || !IsValidUtf8(pointer)) return std::nullopt;
  size_t tokens = 0;
  for (size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] == '/') {
      ++tokens;
    } else if (pointer[i] == '~' &&
               (i + 1 == pointer.size() ||
                (pointer[i + 1] != '0' && pointer[i + 1] != '1'))) {
      return std::nullopt;
    }
  }
  return tokens;
}

absl::StatusOr<std::vector<std::string>> SplitPointer(
    const std::string& pointer) {
  std::vector<std::string> tokens;
  if (SplitValidPointer(pointer, &tokens)) return tokens;
  // Not valid: nlohmann parses it again for the error, so there is one
  // definition of the messages (and, should the two ever disagree about a
  // pointer, of what it means).
  STATELOG_ASSIGN_OR_RETURN(Json::json_pointer parsed, ParsePointer(pointer));
  tokens.clear();
  while (!parsed.empty()) {
    tokens.push_back(parsed.back());
    parsed.pop_back();
  }
  std::reverse(tokens.begin(), tokens.end());
  return tokens;
}

std::string JoinPointer(const std::vector<std::string>& tokens, size_t count) {
  std::string pointer;
  for (size_t i = 0; i < count; ++i) AppendPointerToken(tokens[i], &pointer);
  return pointer;
}

void AppendPointerToken(absl::string_view token, std::string* pointer) {
  *pointer += '/';
  for (const char c : token) {
    if (c == '~') {
      *pointer += "~0";
    } else if (c == '/') {
      *pointer += "~1";
    } else {
      *pointer += c;
    }
  }
}

}  // namespace statelog::internal
