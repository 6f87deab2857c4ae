// util/json_scan.h
//
// A fast, strict check and parse of JSON text, in front of nlohmann's. Opening
// a store checks its whole snapshot text before indexing it; nlohmann's
// lexer copies every string into a buffer a byte at a time, and that was a
// third of the time to open a 100,000-key store. ScanJson reads the text
// once, eight bytes at a time inside strings, allocates nothing per value,
// and says where the top-level members of an object are.
//
// ParseJsonFast builds the value in the same pass, for records and members
// (nlohmann's parser, through its SAX interface, was most of the cost of
// replaying a record).
//
// Both decide only the common case. True means ParseJson accepts the text;
// false means "not decided here": the text is invalid, or valid in a way
// they leave to nlohmann (a byte order mark, a NUL byte after the value, a
// number with an exponent that under- or overflows), and the caller asks
// nlohmann for the verdict and the error message. So they may refuse more
// than nlohmann does, never less, and what ParseJsonFast builds is what
// nlohmann builds; tests/util/json_scan_test.cc and the json fuzzer hold
// them to that. Internal to statelog.

#ifndef STATELOG_UTIL_JSON_SCAN_H_
#define STATELOG_UTIL_JSON_SCAN_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "statelog/transaction.h"
#include "util/huge_pages.h"

namespace statelog::internal {

// Where one member of a top-level object sits in the text, as byte offsets.
struct MemberSpan {
  size_t key_begin = 0;      // the key's opening quote
  size_t key_end = 0;        // just after its closing quote
  size_t value_begin = 0;    // the value's first byte
  size_t value_end = 0;      // just after its last byte
  bool key_escaped = false;  // the key holds a backslash escape
};

// A list of them: a snapshot's, for 100,000 members, is 4 MB
// (util/huge_pages.h says why its own allocator).
using MemberSpans = std::vector<MemberSpan, HugePageAllocator<MemberSpan>>;

// True if `text` is one JSON value, nested at most `max_depth` containers
// deep, that ParseJson accepts. If it is an object and `members` is not
// null, appends its members in text order (repeated keys included). On
// false, `*members` holds a partial list.
bool ScanJson(absl::string_view text, int max_depth, MemberSpans* members);

// Parses `text` into `*out` if ScanJson accepts it, with the value and
// the number types ParseJson gives; false otherwise (and `*out` is then
// unspecified). Objects are built with a hint at their end, so keys that
// arrive sorted (as DumpJson writes them) cost no search.
bool ParseJsonFast(absl::string_view text, int max_depth, Json* out);

// The same for the one value at `p` (whitespace before it is skipped),
// which more text may follow: returns the byte just after the value, or
// null when not decided here.
const char* ParseJsonValueFast(const char* p, const char* end, int max_depth,
                               Json* out);

// The string whose opening quote is at `p`, unescaped and appended to
// `*out`: returns the byte after its closing quote, or null when not
// decided here (not a string, or one ParseJson refuses).
const char* ParseJsonStringFast(const char* p, const char* end,
                                std::string* out);

// The members of the object in `text`, in text order, if its first byte
// after whitespace is '{'; none otherwise. REQUIRES: ParseJson accepts
// `text` (the scan trusts every string to be closed and every bracket to
// be matched).
MemberSpans FindMemberSpans(absl::string_view text);

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_JSON_SCAN_H_
