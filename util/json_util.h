// util/json_util.h
//
// The one adapter between statelog and nlohmann/json's exceptions: parsing,
// dumping and validating JSON values without letting an exception escape.
// Internal to statelog.

#ifndef STATELOG_UTIL_JSON_UTIL_H_
#define STATELOG_UTIL_JSON_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "statelog/transaction.h"
#include "util/json_scan.h"

namespace statelog::internal {

// Parses `text` as one JSON value. Rejects nesting deeper than
// kMaxNestingDepth (before building the deep part), invalid UTF-8, numbers
// that do not fit a double, and trailing garbage. InvalidArgument whose
// message starts with `what` and names the byte offset.
[[nodiscard]] absl::StatusOr<Json> ParseJson(absl::string_view text,
                                             absl::string_view what);

// ParseJson through nlohmann's parser alone, without the fast path
// (util/json_scan.h): for the tests and benchmarks that hold the two side
// by side.
[[nodiscard]] absl::StatusOr<Json> ParseJsonWithNlohmann(
    absl::string_view text, absl::string_view what);

// Accepts and rejects exactly what ParseJson does, with the same messages,
// but builds nothing. If `members` is not null and the text's first byte
// after whitespace is '{', appends where its members are (text order,
// repeats included; see json_scan.h). Valid text takes ScanJson's fast
// path; text it leaves undecided goes through nlohmann.
[[nodiscard]] absl::Status CheckJson(absl::string_view text,
                                     absl::string_view what,
                                     MemberSpans* members);

// The string a JSON string literal (quotes included) stands for.
// InvalidArgument naming `what` if it is not one.
[[nodiscard]] absl::StatusOr<std::string> UnquoteJsonString(
    absl::string_view literal, absl::string_view what);

// Checks that `value`, placed at depth `base_depth`, nests at most
// kMaxNestingDepth deep, that every key and string is valid UTF-8, and that
// every number is finite. Iterative: safe on any input. InvalidArgument whose
// message starts with `what`.
[[nodiscard]] absl::Status ValidateValue(const Json& value, int base_depth,
                                         absl::string_view what);

// Makes `*value` null, freeing what it held without allocating. nlohmann's
// destructor of a container first allocates room for all its children (to
// free a deep tree without recursion); when memory has run out, the one
// time a half-built value is dropped, that allocation throws inside a
// destructor and ends the process. This frees the tree from its leaves
// up, so every value destroyed is a scalar or an empty container.
void ReleaseWithoutAllocating(Json* value) noexcept;

// Whether `a` and `b` have the same compact JSON text. nlohmann's ==
// takes 1 and 1.0, 0.0 and -0.0, and 2^64-1 and -1 as equal, though they
// are written, and read back, differently: a comparison that decides what
// changed (Transaction::Diff, history) must not. Recursive.
bool SameJsonText(const Json& a, const Json& b);

// Strict UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool IsValidUtf8(absl::string_view s);

// Compact serialization. InvalidArgument (never an exception) if the value
// cannot be serialized or, placed at depth `base_depth`, would nest deeper
// than kMaxNestingDepth (see ValidateValue).
[[nodiscard]] absl::StatusOr<std::string> DumpJson(const Json& value,
                                                   int base_depth = 0);

// Appends the compact serialization of `value` to `*out`, byte for byte
// what value.dump() gives (the same escapes, nlohmann's number formatting),
// without an intermediate string, without validating strings, and with a
// faster string escaper than nlohmann's (which decodes UTF-8 as it goes).
// REQUIRES: ValidateValue(value, ...) is OK. A value that is not may get
// InvalidArgument (too deep, not finite, binary) with a partial text in
// *out, or, for invalid UTF-8, be written as it is.
[[nodiscard]] absl::Status AppendValidatedJson(const Json& value,
                                               std::string* out);

// Appends `text` as a JSON string literal, escaped exactly as nlohmann's
// dump() escapes it. REQUIRES: IsValidUtf8(text).
void AppendJsonString(absl::string_view text, std::string* out);

// Parses an RFC 6901 pointer. InvalidArgument naming `pointer`.
[[nodiscard]] absl::StatusOr<Json::json_pointer> ParsePointer(
    const std::string& pointer);

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_JSON_UTIL_H_
