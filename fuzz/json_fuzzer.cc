// fuzz/json_fuzzer.cc
//
// Fuzz target: the fast JSON check (util/json_scan.h) against nlohmann's
// parser. Input: any bytes, taken as JSON text. Properties:
//   - ScanJson never accepts what ParseJson refuses, ParseJsonFast
//     accepts what ScanJson does and builds what nlohmann's parser
//     builds (the same types at every node, the same dump), and ParseJson
//     gives nlohmann's status;
//   - valid text it leaves undecided holds a byte order mark or a number
//     with an exponent (the cases it leaves to nlohmann); text holding a
//     NUL byte is never valid;
//   - CheckJson gives exactly ParseJson's status;
//   - IsCanonicalJson says true only of text ParseJson accepts and
//     DumpJson writes back byte for byte;
//   - for a valid object (text starting with a brace), ScanJson's member spans
//   are FindMemberSpans'
//     (the slow path's), and the members CheckJson finds, each key
//     unquoted and each value parsed on its own, make up the parsed object.

#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "statelog/transaction.h"
#include "tests/testing/json_scan_properties.h"
#include "util/canonical_json.h"
#include "util/json_scan.h"
#include "util/json_util.h"

namespace statelog::fuzz {
namespace {

using internal::MemberSpan;
using internal::MemberSpans;

bool SameSpan(const MemberSpan& a, const MemberSpan& b) {
  return a.key_begin == b.key_begin && a.key_end == b.key_end &&
         a.value_begin == b.value_begin && a.value_end == b.value_end &&
         a.key_escaped == b.key_escaped;
}

// Equal, with the same type at every node and the same dump (so the same
// double, sign of zero included).
bool SameJson(const Json& a, const Json& b) {
  return testing::SameTypes(a, b) && a.dump() == b.dump();
}

void CheckText(absl::string_view text) {
  MemberSpans scanned_spans;
  const bool scanned =
      internal::ScanJson(text, kMaxNestingDepth, &scanned_spans);
  const absl::StatusOr<Json> parsed = internal::ParseJson(text, "input");
  MemberSpans spans;
  const absl::Status checked = internal::CheckJson(text, "input", &spans);
  STATELOG_FUZZ_CHECK(checked == parsed.status(), "CheckJson says ",
                      checked.ToString(), ", ParseJson ",
                      parsed.status().ToString());
  if (internal::IsCanonicalJson(text, kMaxNestingDepth)) {
    STATELOG_FUZZ_CHECK(parsed.ok(), "IsCanonicalJson accepted what ",
                        "ParseJson refuses: ", parsed.status().ToString());
    const absl::StatusOr<std::string> dumped = internal::DumpJson(*parsed);
    STATELOG_FUZZ_CHECK(dumped.ok() && *dumped == text,
                        "IsCanonicalJson accepted text that is not its dump");
  }
  STATELOG_FUZZ_CHECK(
      !scanned || parsed.ok(),
      "ScanJson accepted what ParseJson refuses: ", parsed.status().ToString());
  Json fast;
  const bool fast_parsed =
      internal::ParseJsonFast(text, kMaxNestingDepth, &fast);
  STATELOG_FUZZ_CHECK(fast_parsed == scanned, "ScanJson says ", scanned,
                      ", ParseJsonFast ", fast_parsed);
  const absl::StatusOr<Json> slow =
      internal::ParseJsonWithNlohmann(text, "input");
  STATELOG_FUZZ_CHECK(slow.status() == parsed.status(), "ParseJson says ",
                      parsed.status().ToString(), ", nlohmann alone ",
                      slow.status().ToString());
  if (fast_parsed) {
    STATELOG_FUZZ_CHECK(SameJson(fast, *slow), "ParseJsonFast built ",
                        fast.dump(), ", nlohmann ", slow->dump());
  }
  STATELOG_FUZZ_CHECK(
      !parsed.ok() || text.find('\0') == absl::string_view::npos,
      "text with a NUL byte was taken as JSON");
  if (!parsed.ok()) return;
  STATELOG_FUZZ_CHECK(scanned || testing::OnlyNlohmannDecides(text),
                      "ScanJson left ordinary valid text undecided");
  // Spans are found only when the text starts with '{' (after whitespace;
  // nlohmann also takes an object after a byte order mark).
  const size_t first = text.find_first_not_of(" \t\n\r");
  if (first == absl::string_view::npos || text[first] != '{') {
    STATELOG_FUZZ_CHECK(spans.empty(), "spans found outside an object");
    return;
  }
  if (scanned) {
    const MemberSpans found = internal::FindMemberSpans(text);
    STATELOG_FUZZ_CHECK(found.size() == scanned_spans.size(), "ScanJson found ",
                        scanned_spans.size(), " members, FindMemberSpans ",
                        found.size());
    for (size_t i = 0; i < found.size(); ++i) {
      STATELOG_FUZZ_CHECK(SameSpan(found[i], scanned_spans[i]), "member ", i,
                          " is placed differently");
    }
  }
  Json rebuilt = Json::object();
  for (const MemberSpan& span : spans) {
    absl::StatusOr<std::string> key = internal::UnquoteJsonString(
        text.substr(span.key_begin, span.key_end - span.key_begin), "key");
    absl::StatusOr<Json> value = internal::ParseJson(
        text.substr(span.value_begin, span.value_end - span.value_begin),
        "value");
    STATELOG_FUZZ_CHECK(key.ok() && value.ok(), "a member span does not ",
                        "hold a key and a value");
    rebuilt[*key] = std::move(*value);
  }
  STATELOG_FUZZ_CHECK(rebuilt == *parsed,
                      "the member spans do not make up the parsed object");
}

}  // namespace
}  // namespace statelog::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return statelog::fuzz::Guarded([&] {
    statelog::fuzz::CheckText(
        absl::string_view(reinterpret_cast<const char*>(data), size));
  });
}
