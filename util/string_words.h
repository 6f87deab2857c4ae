// util/string_words.h
//
// Eight bytes of a string tested at once, as one machine word: the plain
// runs of JSON strings (no escape needed, ASCII) are most of a state's
// text, and the scanner, the UTF-8 check and the string writer all skip
// them this way. Internal to statelog.

#ifndef STATELOG_UTIL_STRING_WORDS_H_
#define STATELOG_UTIL_STRING_WORDS_H_

#include <cstdint>
#include <cstring>

namespace statelog::internal {

inline constexpr uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// The eight bytes at `p`, in memory order.
inline uint64_t LoadWord(const void* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// The bytes of `v` that a JSON string must escape: a control character,
// '"' or '\\'. Each such byte has its high bit set in the result. A byte
// above one of these can be flagged wrongly (a borrow runs into it), never
// one below, so the lowest flag is exact, and so is "none".
inline uint64_t EscapeBytes(uint64_t v) {
  const uint64_t quote = v ^ (kOnes * '"');
  const uint64_t backslash = v ^ (kOnes * '\\');
  return (((v - kOnes * 0x20) & ~v) | ((quote - kOnes) & ~quote) |
          ((backslash - kOnes) & ~backslash)) &
         kHighBits;
}

// The bytes of `v` that are not ASCII (part of a multibyte UTF-8
// sequence), high bit set in the result.
inline uint64_t NonAsciiBytes(uint64_t v) { return v & kHighBits; }

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_STRING_WORDS_H_
