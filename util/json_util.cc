// util/json_util.cc
//
// The reading half of json_util.h: parsing, checking and unquoting JSON
// text, and JSON pointers; json_write.cc is the writing half. Every call
// into nlohmann/json that can throw is made in these two files, inside a
// try; the rest of statelog sees only absl::Status.

#include "util/json_util.h"

#include <cmath>
#include <cstdint>
#include <exception>
#include <iterator>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "util/json_dom_builder.h"
#include "util/printable.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

// nlohmann prefixes every message with "[json.exception.<kind>.<id>] ",
// which says nothing to a statelog user.
std::string Describe(absl::string_view text) {
  if (absl::StartsWith(text, "[json.exception.")) {
    const size_t end = text.find("] ");
    if (end != absl::string_view::npos) text.remove_prefix(end + 2);
  }
  return Printable(text);
}

// The offset of the bracket that opens nesting level `limit + 1`. Only called
// after the parser accepted everything before that bracket, so strings there
// are well formed and a bracket inside one is never miscounted.
size_t OffsetOfExcessNesting(absl::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return text.size();
}

absl::Status ParseFailure(absl::string_view text, absl::string_view what,
                          const SaxErrors& builder) {
  if (builder.too_deep()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": nesting deeper than ", kMaxNestingDepth, " levels at byte ",
        OffsetOfExcessNesting(text, kMaxNestingDepth)));
  }
  if (builder.error_id() == 406) {
    // The lexer stops just after the number, so it starts a token earlier.
    const size_t end = builder.error_position();
    const size_t length = builder.error_token().size();
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": number out of range at byte ",
                     end >= length ? end - length : 0, ": ",
                     Printable(builder.error_token())));
  }
  // The reported position counts the offending byte itself.
  size_t offset = builder.error_position();
  if (offset > 0) --offset;
  if (offset > text.size()) offset = text.size();
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": invalid JSON at byte ", offset,
                   offset == text.size() ? " (end of input)" : "", ": ",
                   Describe(builder.error_text())));
}

// Runs `handler` (a SaxErrors) over `text`; every failure, thrown or
// reported, becomes a Status naming `what`. `doing` ("parsing") goes into
// the out-of-memory message.
template <typename Handler>
absl::Status RunSax(absl::string_view text, absl::string_view what,
                    absl::string_view doing, Handler* handler) {
  bool parsed = false;
  try {
    parsed = Json::sax_parse(text.data(), text.data() + text.size(), handler);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat(
        what, ": out of memory ", doing, " ", text.size(), " bytes"));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": invalid JSON (byte offset unknown): ", Describe(e.what())));
  }
  if (!parsed) return ParseFailure(text, what, *handler);
  // nlohmann's lexer takes a NUL byte between tokens for the end of the
  // input (for C strings), so "{}\0anything" parses as "{}". JSON has no
  // raw NUL anywhere (one in a string has failed above).
  if (const size_t nul = text.find('\0'); nul != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": a NUL byte at byte offset ", nul,
                     " (only white space may follow a JSON value)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> ParseJson(absl::string_view text, absl::string_view what) {
  Json result;
  try {
    if (ParseJsonFast(text, kMaxNestingDepth, &result)) return result;
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": out of memory parsing ", text.size(), " bytes"));
  }
  ReleaseWithoutAllocating(&result);  // what the fast path built first
  // Invalid, or valid in a way only nlohmann decides: its verdict and
  // message.
  return ParseJsonWithNlohmann(text, what);
}

absl::StatusOr<Json> ParseJsonWithNlohmann(absl::string_view text,
                                           absl::string_view what) {
  Json result;
  JsonDomBuilder builder(&result, kMaxNestingDepth);
  absl::Status parsed = RunSax(text, what, "parsing", &builder);
  if (!parsed.ok()) {
    ReleaseWithoutAllocating(&result);  // half built, perhaps out of memory
    return parsed;
  }
  return result;
}

bool SameJsonText(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_number_float() || b.is_number_float()) {
      if (!a.is_number_float() || !b.is_number_float()) return false;
      const double x = a.get<double>();
      const double y = b.get<double>();
      return x == y && std::signbit(x) == std::signbit(y);
    }
    // Integers, signed or not: the same value, whatever the type says.
    const bool a_negative = a.is_number_integer() && !a.is_number_unsigned() &&
                            a.get<int64_t>() < 0;
    const bool b_negative = b.is_number_integer() && !b.is_number_unsigned() &&
                            b.get<int64_t>() < 0;
    if (a_negative || b_negative) {
      return a_negative && b_negative && a.get<int64_t>() == b.get<int64_t>();
    }
    return a.get<uint64_t>() == b.get<uint64_t>();
  }
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    auto bi = b.begin();
    for (auto ai = a.begin(); ai != a.end(); ++ai, ++bi) {
      if (ai.key() != bi.key() || !SameJsonText(*ai, *bi)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameJsonText(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

void ReleaseWithoutAllocating(Json* value) noexcept {
  // A container being emptied, and how far its children have been looked
  // at (from the back): each child that is a container with something in
  // it is emptied first, then the container is cleared at once, all its
  // children now scalars or empty.
  struct Level {
    Json* container = nullptr;
    size_t array_left = 0;               // elements not looked at yet
    Json::object_t::iterator object_at;  // members before it: not yet
  };
  auto enter = [](Json* container) {
    Level level;
    level.container = container;
    if (auto* array = container->get_ptr<Json::array_t*>()) {
      level.array_left = array->size();
    } else if (auto* object = container->get_ptr<Json::object_t*>()) {
      level.object_at = object->end();
    }
    return level;
  };
  // Deeper than statelog's values nest; past it, the walk starts again
  // from the top once the deepest container is empty.
  constexpr size_t kPath = kMaxNestingDepth + 32;
  Level path[kPath];
  size_t depth = 0;
  bool lost_path = false;
  Level at = enter(value);
  for (;;) {
    Json* down = nullptr;
    if (auto* array = at.container->get_ptr<Json::array_t*>()) {
      while (down == nullptr && at.array_left > 0) {
        Json& child = (*array)[--at.array_left];
        if (child.is_structured() && !child.empty()) down = &child;
      }
      if (down == nullptr) array->clear();
    } else if (auto* object = at.container->get_ptr<Json::object_t*>()) {
      while (down == nullptr && at.object_at != object->begin()) {
        Json& child = (--at.object_at)->second;
        if (child.is_structured() && !child.empty()) down = &child;
      }
      if (down == nullptr) object->clear();
    }
    if (down != nullptr) {
      if (depth < kPath) {
        path[depth++] = at;
      } else {
        lost_path = true;
      }
      at = enter(down);
      continue;
    }
    if (depth == 0 && !lost_path) break;  // `value` is empty
    if (lost_path) {
      depth = 0;
      lost_path = false;
      at = enter(value);
    } else {
      at = path[--depth];
    }
  }
  *value = nullptr;
}

absl::Status CheckJson(absl::string_view text, absl::string_view what,
                       MemberSpans* members) {
  const size_t members_before = members != nullptr ? members->size() : 0;
  try {
    if (ScanJson(text, kMaxNestingDepth, members)) return absl::OkStatus();
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": out of memory checking ", text.size(), " bytes"));
  }
  if (members != nullptr) members->resize(members_before);
  JsonChecker checker(kMaxNestingDepth);
  STATELOG_RETURN_IF_ERROR(RunSax(text, what, "checking", &checker));
  if (members != nullptr) {
    try {
      MemberSpans found = FindMemberSpans(text);
      members->insert(members->end(), found.begin(), found.end());
    } catch (const std::bad_alloc&) {
      return absl::ResourceExhaustedError(absl::StrCat(
          what, ": out of memory indexing ", text.size(), " bytes"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> UnquoteJsonString(absl::string_view literal,
                                              absl::string_view what) {
  STATELOG_ASSIGN_OR_RETURN(Json value, ParseJson(literal, what));
  if (!value.is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": not a JSON string: ", Printable(literal)));
  }
  return std::move(*value.get_ptr<std::string*>());
}

absl::StatusOr<Json::json_pointer> ParsePointer(const std::string& pointer) {
  // Its tokens become object keys, which must be valid UTF-8 to be dumped.
  if (!IsValidUtf8(pointer)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON pointer \"",
                                                   PrintableExcerpt(pointer),
                                                   "\": not valid UTF-8"));
  }
  try {
    return Json::json_pointer(pointer);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory parsing a JSON pointer");
  } catch (const std::exception& e) {
    // nlohmann's message ends by quoting the pointer again, whole.
    std::string why = Describe(e.what());
    if (const size_t was = why.find(" - was: '"); was != std::string::npos) {
      why.resize(was);
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid JSON pointer \"", PrintableExcerpt(pointer), "\": ", why));
  }
}

}  // namespace statelog::internal
