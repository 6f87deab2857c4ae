// util/canonical_json.h
//
// Whether JSON text is already in the form statelog journals values in: the
// compact dump (DumpJson) of the value ParseJson reads from it. Text in that
// form can go into a record as it is, with no tree built and no dump made
// (Store::SetJsonText); a journal written that way holds the same bytes as
// one written from the tree. Internal to statelog.

#ifndef STATELOG_UTIL_CANONICAL_JSON_H_
#define STATELOG_UTIL_CANONICAL_JSON_H_

#include "absl/strings/string_view.h"

namespace statelog::internal {

// True only if `text` is one JSON value that ParseJson accepts, nested at
// most `max_depth` containers deep, and DumpJson of what ParseJson builds
// from it is `text`, byte for byte. False means "not decided here": the
// caller parses the text (which gives the verdict and the error) and dumps
// it.
//
// It decides the common case and leaves the rest undecided: literals;
// integers of at most 18 digits (no "-0", no fraction, no exponent: a
// floating-point number's shortest form is nlohmann's to say); strings of
// valid UTF-8 with no control characters, whose escapes are only the
// short ones nlohmann writes (\" \\ \b \f \n \r \t, never \u or \/);
// arrays; objects whose keys hold no escapes and come in strictly
// increasing byte order (as std::map orders them, so no repeats); and no
// whitespace anywhere. tests/util/canonical_json_test.cc and the json
// fuzzer hold it to "true means dump(parse(text)) == text".
bool IsCanonicalJson(absl::string_view text, int max_depth);

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_CANONICAL_JSON_H_
