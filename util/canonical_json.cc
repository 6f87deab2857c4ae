// util/canonical_json.cc
//
// One pass over the text, left to right, refusing at the first byte that
// DumpJson would not have written there. Recursion follows the nesting,
// at most kMaxNestingDepth levels.

#include "util/canonical_json.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "statelog/transaction.h"

namespace statelog::internal {
namespace {

// The most digits of an integer decided here: any 18 fit both int64 and
// uint64, so the type ParseJson gives it dumps the same digits.
constexpr int kMaxIntegerDigits = 18;

class Checker {
 public:
  explicit Checker(absl::string_view text)
      : p_(reinterpret_cast<const uint8_t*>(text.data())),
        end_(p_ + text.size()) {}

  bool Whole(int max_depth) { return Value(max_depth) && p_ == end_; }

 private:
  bool Take(uint8_t c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  bool Value(int room) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return Object(room);
      case '[':
        return Array(room);
      case '"': {
        bool escaped = false;
        return String(&escaped);
      }
      case 't':
        return Literal("true", 4);
      case 'f':
        return Literal("false", 5);
      case 'n':
        return Literal("null", 4);
      default:
        return Integer();
    }
  }

  bool Literal(const char* word, size_t size) {
    if (static_cast<size_t>(end_ - p_) < size) return false;
    for (size_t i = 0; i < size; ++i) {
      if (p_[i] != static_cast<uint8_t>(word[i])) return false;
    }
    p_ += size;
    return true;
  }

  // "0", or an optional minus and 1 to 18 digits without a leading zero;
  // "-0" dumps as "0". A fraction or exponent after it is undecided.
  bool Integer() {
    const bool negative = Take('-');
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    if (*p_ == '0') {
      ++p_;
      if (negative) return false;
    } else {
      int digits = 0;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
        ++p_;
        if (++digits > kMaxIntegerDigits) return false;
      }
    }
    return p_ == end_ ||
           (*p_ != '.' && *p_ != 'e' && *p_ != 'E' && (*p_ < '0' || *p_ > '9'));
  }

  // From the opening quote to just past the closing one. `*escaped` says
  // whether it held an escape.
  bool String(bool* escaped) {
    ++p_;  // the opening quote
    while (p_ != end_) {
      const uint8_t c = *p_;
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (end_ - p_ < 2) return false;
        switch (p_[1]) {
          case '"':
          case '\\':
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't':
            break;
          default:
            return false;  // \u and \/ are not how DumpJson writes
        }
        *escaped = true;
        p_ += 2;
      } else if (c < 0x20) {
        return false;  // invalid raw, and DumpJson escapes it
      } else if (c < 0x80) {
        ++p_;
      } else if (!Utf8Sequence()) {
        return false;
      }
    }
    return false;  // no closing quote
  }

  // One multi-byte UTF-8 sequence at p_, strictly: no overlong forms, no
  // surrogates, nothing above U+10FFFF.
  bool Utf8Sequence() {
    const uint8_t c = *p_;
    size_t more;
    uint8_t low = 0x80;
    uint8_t high = 0xBF;  // the range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      more = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      more = 2;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      more = 3;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (static_cast<size_t>(end_ - p_) <= more) return false;
    if (p_[1] < low || p_[1] > high) return false;
    for (size_t i = 2; i <= more; ++i) {
      if ((p_[i] & 0xC0) != 0x80) return false;
    }
    p_ += more + 1;
    return true;
  }

  bool Array(int room) {
    if (room < 1) return false;
    ++p_;
    if (Take(']')) return true;
    do {
      if (!Value(room - 1)) return false;
    } while (Take(','));
    return Take(']');
  }

  bool Object(int room) {
    if (room < 1) return false;
    ++p_;
    if (Take('}')) return true;
    absl::string_view previous;
    bool first = true;
    do {
      if (p_ == end_ || *p_ != '"') return false;
      const uint8_t* const key_begin = p_ + 1;
      bool escaped = false;
      if (!String(&escaped) || escaped) return false;
      const absl::string_view key(reinterpret_cast<const char*>(key_begin),
                                  static_cast<size_t>(p_ - 1 - key_begin));
      // std::map's order: bytes compared as unsigned char.
      if (!first && !(previous < key)) return false;
      previous = key;
      first = false;
      if (!Take(':') || !Value(room - 1)) return false;
    } while (Take(','));
    return Take('}');
  }

  const uint8_t* p_;
  const uint8_t* const end_;
};

}  // namespace

bool IsCanonicalJson(absl::string_view text, int max_depth) {
  // Deeper than ParseJson reads is never decided here; the bound also
  // bounds the recursion.
  if (max_depth < 0) return false;
  return Checker(text).Whole(std::min(max_depth, kMaxNestingDepth));
}

}  // namespace statelog::internal
