// util/json_scan.cc
//
// The grammar is RFC 8259's, with nlohmann's limits on top: strict UTF-8
// (no overlong forms, no encoded surrogates, nothing above U+10FFFF), a
// \u escape of a high surrogate must be followed by one of a low
// surrogate, and a number must be finite as a double.
//
// One file of about 450 lines, past the style guide's 300, on purpose: the
// token scanners (strings, numbers, literals) are the reader's inner loops
// and are inlined into it; in a translation unit of their own they would
// be calls, on the path of every snapshot check and record replay (the
// build has no link-time optimization).

#include "util/json_scan.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <system_error>

#include "util/json_util.h"
#include "util/string_words.h"

namespace statelog::internal {
namespace {

// The bytes of `v` (eight, loaded from memory) that end a run of plain
// string bytes: one that needs an escape, or a byte of a multibyte UTF-8
// sequence, flagged as EscapeBytes flags them (the lowest flag is exact).
inline uint64_t SpecialBytes(uint64_t v) {
  return EscapeBytes(v) | NonAsciiBytes(v);
}

// How many bytes of a word loaded from memory come before the lowest
// flagged one (SpecialBytes(v) != 0); 0 where that is not known.
inline size_t BytesBeforeFlag(uint64_t flags) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return static_cast<size_t>(__builtin_ctzll(flags)) / 8;
#else
  (void)flags;
  return 0;
#endif
}

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

inline const char* SkipSpace(const char* p, const char* end) {
  while (p != end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
    ++p;
  }
  return p;
}

// Four hex digits at `p`, or false.
bool ReadHex4(const char* p, const char* end, uint32_t* out) {
  if (end - p < 4) return false;
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    uint32_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
    value = value * 16 + digit;
  }
  *out = value;
  return true;
}

inline bool IsContinuation(const char* p, const char* end) {
  return p < end && (static_cast<unsigned char>(*p) & 0xC0) == 0x80;
}

// The length of the UTF-8 sequence of two or more bytes at `p`, or 0 if
// it is not one (RFC 3629's table of well-formed sequences).
size_t MultibyteLength(const char* p, const char* end) {
  const auto lead = static_cast<unsigned char>(p[0]);
  auto second_in = [&](unsigned lo, unsigned hi) {
    if (end - p < 2) return false;
    const auto b = static_cast<unsigned char>(p[1]);
    return b >= lo && b <= hi;
  };
  if (lead >= 0xC2 && lead <= 0xDF) return IsContinuation(p + 1, end) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const bool second = lead == 0xE0   ? second_in(0xA0, 0xBF)
                        : lead == 0xED ? second_in(0x80, 0x9F)
                                       : IsContinuation(p + 1, end);
    return second && IsContinuation(p + 2, end) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const bool second = lead == 0xF0   ? second_in(0x90, 0xBF)
                        : lead == 0xF4 ? second_in(0x80, 0x8F)
                                       : IsContinuation(p + 1, end);
    return second && IsContinuation(p + 2, end) && IsContinuation(p + 3, end)
               ? 4
               : 0;
  }
  return 0;
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// `p` is at an opening quote; returns the byte after the closing one, or
// null. Sets *escaped if the string holds a backslash escape. If `out` is
// not null, the string's value is appended to it.
const char* ScanString(const char* p, const char* end, bool* escaped,
                       std::string* out) {
  ++p;
  const char* run = p;  // start of the bytes not yet appended to `out`
  for (;;) {
    while (end - p >= 8) {
      const uint64_t flags = SpecialBytes(LoadWord(p));
      if (flags != 0) {
        p += BytesBeforeFlag(flags);
        break;
      }
      p += 8;
    }
    if (p == end) return nullptr;
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"') {
      if (out != nullptr) out->append(run, static_cast<size_t>(p - run));
      return p + 1;
    }
    if (c >= 0x20 && c < 0x80 && c != '\\') {
      ++p;
      continue;
    }
    if (c < 0x20) return nullptr;
    if (c >= 0x80) {
      const size_t length = MultibyteLength(p, end);
      if (length == 0) return nullptr;
      p += length;
      continue;
    }
    *escaped = true;
    if (out != nullptr) out->append(run, static_cast<size_t>(p - run));
    if (end - p < 2) return nullptr;
    char plain;
    switch (p[1]) {
      case '"':
      case '\\':
      case '/':
        plain = p[1];
        break;
      case 'b':
        plain = '\b';
        break;
      case 'f':
        plain = '\f';
        break;
      case 'n':
        plain = '\n';
        break;
      case 'r':
        plain = '\r';
        break;
      case 't':
        plain = '\t';
        break;
      case 'u':
        plain = 0;
        break;
      default:
        return nullptr;
    }
    if (p[1] != 'u') {
      if (out != nullptr) out->push_back(plain);
      p += 2;
      run = p;
      continue;
    }
    uint32_t unit;
    if (!ReadHex4(p + 2, end, &unit)) return nullptr;
    p += 6;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return nullptr;  // a lone low half
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      uint32_t low;
      if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
          !ReadHex4(p + 2, end, &low) || low < 0xDC00 || low > 0xDFFF) {
        return nullptr;
      }
      p += 6;
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    if (out != nullptr) AppendUtf8(unit, out);
    run = p;
  }
}

// `p` is at '-' or a digit; returns the byte after the number, or null.
// If `out` is not null, the number goes there as nlohmann's lexer types
// it: an integer without fraction or exponent that fits is unsigned if
// positive and signed if negative (-0 included), anything else a double.
const char* ScanNumber(const char* p, const char* end, Json* out) {
  const char* const start = p;
  const bool negative = *p == '-';
  if (negative) ++p;
  if (p == end || !IsDigit(*p)) return nullptr;
  const char* const integer = p;
  if (*p == '0') {
    ++p;
  } else {
    while (p != end && IsDigit(*p)) ++p;
  }
  const char* const integer_end = p;
  const size_t integer_digits = static_cast<size_t>(p - integer);
  bool fraction = false;
  if (p != end && *p == '.') {
    fraction = true;
    ++p;
    if (p == end || !IsDigit(*p)) return nullptr;
    while (p != end && IsDigit(*p)) ++p;
  }
  bool exponent = false;
  if (p != end && (*p == 'e' || *p == 'E')) {
    exponent = true;
    ++p;
    if (p != end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !IsDigit(*p)) return nullptr;
    while (p != end && IsDigit(*p)) ++p;
  }
  if (out != nullptr && !fraction && !exponent && integer_digits <= 20) {
    uint64_t magnitude = 0;
    bool fits = true;
    for (const char* d = integer; d != integer_end; ++d) {
      const auto digit = static_cast<uint64_t>(*d - '0');
      if (magnitude > (UINT64_MAX - digit) / 10) {
        fits = false;
        break;
      }
      magnitude = magnitude * 10 + digit;
    }
    if (fits && !negative) {
      *out = Json(static_cast<Json::number_unsigned_t>(magnitude));
      return p;
    }
    if (fits && magnitude <= (uint64_t{1} << 63)) {
      // Two's complement: 2^63 becomes the smallest int64_t.
      *out = Json(static_cast<Json::number_integer_t>(0 - magnitude));
      return p;
    }
  }
  // Without an exponent, fewer than 309 integer digits is below 1e308 and
  // so finite. Anything else is converted; a result out of range (overflow,
  // which ParseJson refuses, or underflow, which it takes as 0) is left to
  // nlohmann.
  if (out == nullptr && !exponent && integer_digits <= 308) return p;
  double value;
  const std::from_chars_result result = std::from_chars(start, p, value);
  if (result.ec != std::errc() || result.ptr != p) return nullptr;
  if (out != nullptr) *out = Json(static_cast<Json::number_float_t>(value));
  return p;
}

// `p` is at the first letter of `word`; returns the byte after it, or null.
const char* ScanLiteral(const char* p, const char* end, const char* word,
                        size_t length) {
  if (static_cast<size_t>(end - p) < length ||
      std::memcmp(p, word, length) != 0) {
    return nullptr;
  }
  return p + length;
}

// The one reader behind ScanJson and the ParseJson*Fast functions: checks
// `text` and, if `root` is not null, builds its value there. If `stop` is
// null the value must be all of `text` (whitespace aside); if not, the
// text may go on after it, and *stop is set to the byte after the value.
bool ReadJsonUnguarded(absl::string_view text, int max_depth,
                       MemberSpans* members, Json* root, const char** stop) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const size_t limit = max_depth < 0 ? 0 : static_cast<size_t>(max_depth);
  std::string open;  // '{' or '[' per open container, outermost first
  // When building: the open containers, and where the next value of the
  // innermost open object goes. Only the innermost container ever grows,
  // so the pointers to the others stay good.
  std::vector<Json*> containers;
  Json* member = nullptr;
  std::string key;
  Json scalar;
  // Puts `value` where the text is; returns where it went.
  auto place = [&](Json&& value) -> Json* {
    if (containers.empty()) {
      *root = std::move(value);
      return root;
    }
    if (open.back() == '[') {
      Json::array_t& array = *containers.back()->get_ptr<Json::array_t*>();
      array.push_back(std::move(value));
      return &array.back();
    }
    *member = std::move(value);
    return member;
  };
  const char* p = begin;
  // What the text holds next: a value, an object's key, or (after a value
  // ended) a comma, a closing bracket or the end.
  enum class Next { kValue, kKey, kAfterValue } next = Next::kValue;
  for (;;) {
    if (next == Next::kAfterValue && open.empty()) {
      if (stop == nullptr) return SkipSpace(p, end) == end;
      *stop = p;
      return true;
    }
    p = SkipSpace(p, end);
    if (next == Next::kAfterValue) {
      if (p == end) return false;
      const char c = *p++;
      if (c == ',') {
        next = open.back() == '{' ? Next::kKey : Next::kValue;
      } else if ((c == '}' && open.back() == '{') ||
                 (c == ']' && open.back() == '[')) {
        open.pop_back();
        if (root != nullptr) containers.pop_back();
        if (members != nullptr && open.size() == 1 && open[0] == '{') {
          members->back().value_end = static_cast<size_t>(p - begin);
        }
      } else {
        return false;
      }
      continue;
    }
    if (p == end) return false;
    if (next == Next::kKey) {
      const char* const key_begin = p;
      bool escaped = false;
      key.clear();
      if (*p != '"' ||
          (p = ScanString(p, end, &escaped,
                          root != nullptr ? &key : nullptr)) == nullptr) {
        return false;
      }
      const char* const key_end = p;
      p = SkipSpace(p, end);
      if (p == end || *p != ':') return false;
      p = SkipSpace(p + 1, end);
      if (root != nullptr) {
        // A repeated key keeps its last value, as in nlohmann. Keys that
        // arrive sorted (DumpJson's) go in at the end without a search.
        Json::object_t& object = *containers.back()->get_ptr<Json::object_t*>();
        member = &object.insert_or_assign(object.end(), std::move(key), Json())
                      ->second;
        key = std::string();
      }
      if (members != nullptr && open.size() == 1) {
        MemberSpan span;
        span.key_begin = static_cast<size_t>(key_begin - begin);
        span.key_end = static_cast<size_t>(key_end - begin);
        span.key_escaped = escaped;
        span.value_begin = static_cast<size_t>(p - begin);
        members->push_back(span);
      }
      next = Next::kValue;
      continue;
    }
    // A value.
    const char c = *p;
    if (c == '{' || c == '[') {
      if (open.size() >= limit) return false;
      if (root != nullptr) {
        containers.push_back(place(
            Json(c == '{' ? Json::value_t::object : Json::value_t::array)));
      }
      open.push_back(c);
      p = SkipSpace(p + 1, end);
      if (p != end && *p == (c == '{' ? '}' : ']')) {
        open.pop_back();
        if (root != nullptr) containers.pop_back();
        ++p;
      } else {
        next = c == '{' ? Next::kKey : Next::kValue;
        continue;
      }
    } else {
      if (c == '"') {
        bool escaped = false;
        std::string* const value =
            root != nullptr
                ? place(Json(Json::value_t::string))->get_ptr<std::string*>()
                : nullptr;
        p = ScanString(p, end, &escaped, value);
      } else {
        if (c == '-' || IsDigit(c)) {
          p = ScanNumber(p, end, root != nullptr ? &scalar : nullptr);
        } else if (c == 't') {
          p = ScanLiteral(p, end, "true", 4);
          scalar = true;
        } else if (c == 'f') {
          p = ScanLiteral(p, end, "false", 5);
          scalar = false;
        } else if (c == 'n') {
          p = ScanLiteral(p, end, "null", 4);
          scalar = nullptr;
        } else {
          return false;
        }
        if (p != nullptr && root != nullptr) place(std::move(scalar));
      }
    }
    if (p == nullptr) return false;
    if (members != nullptr && open.size() == 1 && open[0] == '{') {
      members->back().value_end = static_cast<size_t>(p - begin);
    }
    next = Next::kAfterValue;
  }
}

// ReadJsonUnguarded, dropping a half-built value without allocating when
// memory runs out (ReleaseWithoutAllocating says why), before the
// exception goes on.
bool ReadJson(absl::string_view text, int max_depth, MemberSpans* members,
              Json* root, const char** stop) {
  try {
    return ReadJsonUnguarded(text, max_depth, members, root, stop);
  } catch (const std::bad_alloc&) {
    if (root != nullptr) ReleaseWithoutAllocating(root);
    throw;
  }
}

}  // namespace

bool ScanJson(absl::string_view text, int max_depth, MemberSpans* members) {
  return ReadJson(text, max_depth, members, nullptr, nullptr);
}

bool ParseJsonFast(absl::string_view text, int max_depth, Json* out) {
  return ReadJson(text, max_depth, nullptr, out, nullptr);
}

const char* ParseJsonValueFast(const char* p, const char* end, int max_depth,
                               Json* out) {
  const char* after = nullptr;
  if (p == end || !ReadJson(absl::string_view(p, static_cast<size_t>(end - p)),
                            max_depth, nullptr, out, &after)) {
    return nullptr;
  }
  return after;
}

const char* ParseJsonStringFast(const char* p, const char* end,
                                std::string* out) {
  if (p == end || *p != '"') return nullptr;
  bool escaped = false;
  return ScanString(p, end, &escaped, out);
}

}  // namespace statelog::internal
