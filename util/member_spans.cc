// util/member_spans.cc
//
// FindMemberSpans: where the members of an object are, in text already
// known to be valid. The slow path of CheckJson (text the fast scanner
// left to nlohmann) uses it after nlohmann accepted the text; trusting the
// text, it only follows strings and brackets.

#include <cstddef>
#include <vector>

#include "util/json_scan.h"

namespace statelog::internal {
namespace {

// Every scanner here trusts the text to be valid JSON.

// `i` is at an opening quote; returns the index after the closing one.
size_t SkipValidString(absl::string_view text, size_t i) {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;  // an escaped character is never the closing quote
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return text.size();
}

// `i` is at the first byte of a value; returns the index after its last.
size_t SkipValidValue(absl::string_view text, size_t i) {
  const char first = text[i];
  if (first == '"') return SkipValidString(text, i);
  if (first == '{' || first == '[') {
    size_t depth = 0;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '"') {
        i = SkipValidString(text, i);
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i + 1;
      }
      ++i;
    }
    return text.size();
  }
  // A number or a literal: up to the next delimiter (or a NUL byte, which
  // nlohmann takes as the end of the input).
  while (i < text.size() && text[i] != ',' && text[i] != '}' &&
         text[i] != ']' && text[i] != ' ' && text[i] != '\t' &&
         text[i] != '\n' && text[i] != '\r' && text[i] != '\0') {
    ++i;
  }
  return i;
}

size_t SkipValidSpace(absl::string_view text, size_t i) {
  while (i < text.size() && (text[i] == ' ' || text[i] == '\n' ||
                             text[i] == '\r' || text[i] == '\t')) {
    ++i;
  }
  return i;
}

}  // namespace

MemberSpans FindMemberSpans(absl::string_view text) {
  MemberSpans members;
  size_t i = SkipValidSpace(text, 0);
  if (i == text.size() || text[i] != '{') return members;
  i = SkipValidSpace(text, i + 1);
  while (i < text.size() && text[i] == '"') {
    MemberSpan span;
    span.key_begin = i;
    span.key_end = SkipValidString(text, i);
    span.key_escaped =
        text.substr(i, span.key_end - i).find('\\') != absl::string_view::npos;
    i = SkipValidSpace(text, span.key_end);  // now at ':'
    span.value_begin = SkipValidSpace(text, i + 1);
    span.value_end = SkipValidValue(text, span.value_begin);
    members.push_back(span);
    i = SkipValidSpace(text, span.value_end);
    if (i < text.size() && text[i] == ',') i = SkipValidSpace(text, i + 1);
  }
  return members;
}

}  // namespace statelog::internal
