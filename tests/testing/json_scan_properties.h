// tests/testing/json_scan_properties.h
//
// What the unit tests and the fuzzers hold the fast JSON reader
// (util/json_scan.h) and the fast journal-form decoder (txn/journal_form.h)
// to. Header only, so that the fuzz build, which does not link
// statelog_testing, can use it too.

#ifndef STATELOG_TESTS_TESTING_JSON_SCAN_PROPERTIES_H_
#define STATELOG_TESTS_TESTING_JSON_SCAN_PROPERTIES_H_

#include <cstddef>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "statelog/transaction.h"

namespace statelog::testing {

// What ScanJson may leave to nlohmann although it is valid: a byte order
// mark, a number with an exponent (an underflow). (A NUL byte, nlohmann's
// end of input, makes any text invalid: util/json_util.cc.)
inline bool OnlyNlohmannDecides(absl::string_view text) {
  if (absl::StartsWith(text, "\xEF")) return true;
  for (size_t i = 1; i < text.size(); ++i) {
    if ((text[i] == 'e' || text[i] == 'E') && text[i - 1] >= '0' &&
        text[i - 1] <= '9') {
      return true;
    }
  }
  return false;
}

// Whether `a` and `b` have the same type at every node (nlohmann's ==
// takes 1 and 1.0, or unsigned and signed 0, as equal).
inline bool SameTypes(const Json& a, const Json& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  if (a.is_object()) {
    for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt) {
      if (it.key() != jt.key() || !SameTypes(*it, *jt)) return false;
    }
  } else if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameTypes(a[i], b[i])) return false;
    }
  }
  return true;
}

// Whether two transactions hold the same operations with the same values,
// types included: what the fast journal-form decoder must build.
inline bool SameOperations(const Transaction& a, const Transaction& b) {
  if (a.ops().size() != b.ops().size()) return false;
  for (size_t i = 0; i < a.ops().size(); ++i) {
    const Operation& x = a.ops()[i];
    const Operation& y = b.ops()[i];
    if (x.kind != y.kind || x.path != y.path || x.from != y.from ||
        x.value != y.value || !SameTypes(x.value, y.value)) {
      return false;
    }
  }
  return true;
}

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_JSON_SCAN_PROPERTIES_H_
