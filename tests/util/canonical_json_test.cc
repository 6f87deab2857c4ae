// tests/util/canonical_json_test.cc

#include "util/canonical_json.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "statelog/transaction.h"
#include "tests/testing/test_util.h"
#include "util/json_util.h"

namespace statelog::internal {
namespace {

bool Canonical(absl::string_view text) {
  return IsCanonicalJson(text, kMaxNestingDepth);
}

// Readable in a failure message whatever bytes it holds.
std::string Show(absl::string_view text) {
  return absl::StrCat("\"", absl::CEscape(text), "\"");
}

std::string Nested(int depth) {
  return std::string(static_cast<size_t>(depth), '[') +
         std::string(static_cast<size_t>(depth), ']');
}

// {"a":{"a":...{"a":0}...}}, `depth` objects deep.
std::string NestedObjects(int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += "{\"a\":";
  text += '0';
  text += std::string(static_cast<size_t>(depth), '}');
  return text;
}

// The promise IsCanonicalJson makes: when it says true, the text is what
// ParseJson reads and DumpJson writes back, byte for byte (and nlohmann's
// own dump agrees). Returns what it said.
bool HoldsPromise(absl::string_view text) {
  if (!Canonical(text)) return false;
  const absl::StatusOr<Json> parsed = ParseJson(text, "t");
  EXPECT_OK(parsed) << "accepted but ParseJson refuses " << Show(text);
  if (!parsed.ok()) return true;
  const absl::StatusOr<std::string> dumped = DumpJson(*parsed);
  EXPECT_OK(dumped) << Show(text);
  if (!dumped.ok()) return true;
  EXPECT_EQ(*dumped, std::string(text))
      << "accepted but not its own dump: " << Show(text);
  EXPECT_EQ(parsed->dump(), std::string(text))
      << "accepted but not nlohmann's dump: " << Show(text);
  return true;
}

TEST(CanonicalJsonTest, AcceptsCompactDumps) {
  const std::vector<std::string> texts = {
      "null", "true", "false", "0", "-1", "10", "9",
      // The longest integers decided: 18 digits, either sign.
      "123456789012345678", "-123456789012345678", "999999999999999999",
      "-999999999999999999", "\"\"", "\"caf\xC3\xA9\"",
      // 4-byte UTF-8 (U+1F600) and the edges of each encoding length.
      "\"\xF0\x9F\x98\x80\"", "\"\xC2\x80\"", "\"\xED\x9F\xBF\"",
      "\"\xEE\x80\x80\"", "\"\xEF\xBF\xBF\"", "\"\xF4\x8F\xBF\xBF\"",
      // Every short escape nlohmann writes.
      "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\"",
      // DEL is not a JSON control character: nlohmann writes it as it is.
      "\"\x7F\"", "[]", "{}", "[1,[2,{}]]", "[true,false,null]",
      "[\"a\",\"b\"]", "{\"a\":1,\"b\":[true,null]}",
      // std::map order is byte order: upper case, then lower, then
      // non-ASCII (bytes >= 0x80 come after ASCII, unsigned).
      "{\"Z\":1,\"a\":2,\"\xC3\xA9\":3}",
      // A prefix sorts before what it prefixes; the empty key first.
      "{\"\":0,\"a\":1,\"ab\":2}",
      // Each object's keys are ordered on their own: "z" inside does not
      // constrain "b" outside.
      "{\"a\":{\"z\":1},\"b\":2}",
      // A string value (not a key) may hold escapes anywhere in an object.
      "{\"a\":\"\\n\",\"b\":{\"c\":\"\\\"\"}}",
      // Keys that are non-ASCII but need no escape.
      "{\"\xC3\xA9\":{\"\xF0\x9F\x98\x80\":[]}}", Nested(kMaxNestingDepth),
      NestedObjects(kMaxNestingDepth)};
  for (const std::string& text : texts) {
    EXPECT_TRUE(Canonical(text)) << Show(text);
    // Whatever it says, ParseJson takes it and DumpJson writes it back.
    const absl::StatusOr<Json> parsed = ParseJson(text, "t");
    ASSERT_OK(parsed) << Show(text);
    const absl::StatusOr<std::string> dumped = DumpJson(*parsed);
    ASSERT_OK(dumped) << Show(text);
    EXPECT_EQ(*dumped, text) << "the test's list is wrong: " << Show(text);
    HoldsPromise(text);
  }
}

TEST(CanonicalJsonTest, RefusesWhatIsNotItsOwnDump) {
  const std::vector<std::string> texts = {
      // Whitespace anywhere: the dump has none.
      " 1", "1 ", "\t1", "1\r\n", "[1, 2]", "[1,\n2]", "{\"a\": 1}",
      "{\"a\" :1}", "[ ]", "{ }",
      // "-0" reads as the integer 0, written "0".
      "-0", "[0,-0]",
      // Leading zeros and signs are not JSON.
      "01", "-01", "00", "+1",
      // Fractions and exponents: a double, nlohmann's to write.
      "1.0", "0.5", "1e5", "1E5", "1e+5", "-1.5e-3", "1.", ".5",
      // A sign alone.
      "-",
      // 19 digits or more: left to the parser (int64/uint64 limits).
      "1234567890123456789", "-1234567890123456789", "9223372036854775807",
      "-9223372036854775808", "18446744073709551615", "18446744073709551616",
      // \u and \/ escapes: nlohmann writes the character itself.
      "\"\\u0041\"", "\"\\/\"", "\"\\u00e9\"", "\"\\u000a\"", "\"\\u0001\"",
      "\"\\ud83d\\ude00\"",
      // Not escapes at all.
      "\"\\x\"", "\"\\\"", "\"\\",
      // A raw control character in a string: invalid JSON.
      "\"a\x01\"", "\"a\nb\"", "\"a\tb\"", "\"\x1F\"",
      // NUL inside a string, and after a value.
      std::string("\"a\0b\"", 5), std::string("1\0", 2), std::string("\0", 1),
      // Invalid UTF-8: lone continuation, overlong (2, 3 and 4 bytes), an
      // encoded surrogate, above U+10FFFF, bytes never valid, cut short
      // before the closing quote and at the end of the text.
      "\"\x80\"", "\"\xC0\xAF\"", "\"\xC1\xBF\"", "\"\xE0\x80\xAF\"",
      "\"\xF0\x80\x80\xAF\"", "\"\xED\xA0\x80\"", "\"\xED\xBF\xBF\"",
      "\"\xF4\x90\x80\x80\"", "\"\xF5\x80\x80\x80\"", "\"\xFF\"",
      "\"\xE2\x82\"", "\"\xE2\x82", "\"\xF0\x9F\x98\"", "\"\xC3\"",
      "{\"\x80\":1}",
      // A byte order mark: ParseJson skips it, the dump has none.
      "\xEF\xBB\xBF{}",
      // Keys out of order, or repeated (std::map keeps one).
      "{\"b\":1,\"a\":2}", "{\"a\":1,\"a\":2}", "{\"ab\":1,\"a\":2}",
      "{\"a\":1,\"B\":2}",
      // Bytes compared unsigned: U+00E9 sorts after "a", not before.
      "{\"\xC3\xA9\":1,\"a\":2}",
      // The outer object's order is checked against its own previous key,
      // not the last key of a nested object.
      "{\"c\":{\"a\":1},\"b\":2}", "{\"b\":{\"z\":1},\"b\":2}",
      "[{\"a\":1},{\"b\":1,\"a\":2}]",
      // A key holding an escape: left to the parser.
      "{\"a\\nb\":1}", "{\"a\\\"\":1}", "{\"\\\\\":1}", "{\"\\u0041\":1}",
      // Trailing garbage, or two values.
      "1x", "{}{}", "[][]", "1 2", "truex", "nulll", "\"a\"\"b\"", "{}]", "[]]",
      // Cut short or malformed containers.
      "[1,", "[1", "[", "{", "{\"a\"", "{\"a\":", "{\"a\":}", "[1,]",
      "{\"a\":1,}", "{,}", "[,]", "[,1]", "{\"a\"1}", "{\"a\",1}", "{a:1}",
      "{1:2}", "]", "}",
      // Empty text, unterminated string, unfinished literals.
      "", "\"abc", "\"", "tru", "nul", "fals", "True", "NULL"};
  for (const std::string& text : texts) {
    EXPECT_FALSE(Canonical(text)) << Show(text);
    HoldsPromise(text);
  }
}

TEST(CanonicalJsonTest, StopsAtTheEndOfTextCutShort) {
  // Each prefix in a heap buffer of exactly its size, with no NUL after
  // it (a std::string has one) to stop a read past the end: under
  // AddressSanitizer such a read fails the test. No proper prefix of
  // these is JSON (each opens a container or a string).
  const std::vector<std::string> texts = {
      "{\"a\":[1,true,null,false],\"b\":\"x\\n\xC3\xA9\"}",
      "\"\xE2\x82\xAC\xF0\x9F\x98\x80\xC3\xA9\"",
      "[123456789012345678,-1,\"\\\\\"]"};
  int accepted = 0;
  for (const std::string& text : texts) {
    for (size_t size = 0; size <= text.size(); ++size) {
      const std::unique_ptr<char[]> buffer(new char[size == 0 ? 1 : size]);
      std::copy(text.begin(), text.begin() + static_cast<ptrdiff_t>(size),
                buffer.get());
      if (HoldsPromise(absl::string_view(buffer.get(), size))) ++accepted;
    }
  }
  EXPECT_EQ(accepted, 3);
}

TEST(CanonicalJsonTest, RefusesMoreThanMaxDepth) {
  // A scalar is nested 0 deep; "[]" and "{}" 1.
  EXPECT_TRUE(IsCanonicalJson("0", 0));
  EXPECT_TRUE(IsCanonicalJson("\"x\"", 0));
  EXPECT_TRUE(IsCanonicalJson("null", 0));
  EXPECT_FALSE(IsCanonicalJson("[]", 0));
  EXPECT_FALSE(IsCanonicalJson("{}", 0));
  EXPECT_TRUE(IsCanonicalJson("{\"a\":1}", 1));
  EXPECT_FALSE(IsCanonicalJson("{\"a\":[]}", 1));
  EXPECT_FALSE(IsCanonicalJson("[{}]", 1));
  // Depth counts nesting, not containers seen: siblings do not add up.
  EXPECT_TRUE(IsCanonicalJson("[[],[],{\"a\":1}]", 2));
  EXPECT_FALSE(IsCanonicalJson("[[],[[]]]", 2));
  for (int d : {1, 2, 3, 7, 64, kMaxNestingDepth - 1, kMaxNestingDepth}) {
    EXPECT_TRUE(IsCanonicalJson(Nested(d), d)) << d;
    EXPECT_FALSE(IsCanonicalJson(Nested(d + 1), d)) << d;
    EXPECT_TRUE(IsCanonicalJson(NestedObjects(d), d)) << d;
    EXPECT_FALSE(IsCanonicalJson(NestedObjects(d + 1), d)) << d;
    // Less deep than allowed is fine too.
    EXPECT_TRUE(IsCanonicalJson(Nested(d), d + 5)) << d;
  }
  // Beyond ParseJson's own limit it cannot say true.
  EXPECT_FALSE(Canonical(Nested(kMaxNestingDepth + 1)));
  EXPECT_FALSE(Canonical(NestedObjects(kMaxNestingDepth + 1)));
  // Deep enough to overflow a recursive checker's stack if it did not stop
  // at max_depth.
  EXPECT_FALSE(Canonical(Nested(1000000)));
}

// Random JSON values of every kind, with the characters that need
// escapes in strings and keys.
class ValueGenerator {
 public:
  explicit ValueGenerator(uint64_t seed) : rng_(seed) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  Json Value(int depth = 0) {
    switch (Pick(depth >= 4 ? 5 : 8)) {
      case 0:
        return Pick(3) == 0 ? Json(true) : Pick(2) == 0 ? Json(false) : Json();
      case 1:
        return Integer();
      case 2:
        return Pick(4) == 0 ? Double() : Integer();
      case 3:
      case 4:
        return String(Pick(10));
      case 5: {
        Json array = Json::array();
        for (int i = Pick(5); i > 0; --i) array.push_back(Value(depth + 1));
        return array;
      }
      default: {
        Json object = Json::object();
        for (int i = Pick(6); i > 0; --i) {
          object[String(Pick(5))] = Value(depth + 1);
        }
        return object;
      }
    }
  }

 private:
  // Integers of 1 to 20 digits, either sign, as int64 or uint64, and the
  // edges of the 18-digit limit and of both types.
  Json Integer() {
    switch (Pick(10)) {
      case 0: {
        static const int64_t kEdges[] = {0,
                                         -1,
                                         1,
                                         99999999999999999,
                                         999999999999999999,
                                         -999999999999999999,
                                         1000000000000000000,
                                         -1000000000000000000,
                                         std::numeric_limits<int64_t>::max(),
                                         std::numeric_limits<int64_t>::min()};
        return Json(kEdges[Pick(10)]);
      }
      case 1:
        return Pick(2) == 0 ? Json(std::numeric_limits<uint64_t>::max())
                            : Json(uint64_t{1000000000000000000});
      default: {
        const int digits = 1 + Pick(Pick(3) == 0 ? 20 : 6);
        uint64_t v = 0;
        for (int i = 0; i < digits; ++i) {
          const uint64_t next = v * 10 + static_cast<uint64_t>(Pick(10));
          if (next / 10 != v) break;  // would overflow
          v = next;
        }
        if (Pick(3) == 0 && v <= uint64_t{std::numeric_limits<int64_t>::max()})
          return Json(-static_cast<int64_t>(v));
        if (Pick(2) == 0 && v <= uint64_t{std::numeric_limits<int64_t>::max()})
          return Json(static_cast<int64_t>(v));  // number_integer
        return Json(v);                          // number_unsigned
      }
    }
  }

  Json Double() {
    static const double kDoubles[] = {0.0,  -0.0, 1.0,     -1.0,  0.5,
                                      1e20, 1e-7, 123.456, 1e300, 5e-324};
    if (Pick(2) == 0) return Json(kDoubles[Pick(10)]);
    return Json(std::uniform_real_distribution<double>(-1e6, 1e6)(rng_));
  }

  std::string String(int length) {
    std::string s;
    for (int i = 0; i < length; ++i) {
      switch (Pick(12)) {
        case 0: {
          // The bytes that need an escape, or (DEL) look as if they might.
          static const char kSpecial[] = {'"',    '\\',   '\n', '\t',
                                          '\r',   '\b',   '\f', '\x01',
                                          '\x1f', '\x7f', '\0'};
          s += kSpecial[Pick(static_cast<int>(sizeof(kSpecial)))];
          break;
        }
        case 1:
          s += "\xC3\xA9";  // U+00E9
          break;
        case 2:
          s += "\xE2\x82\xAC";  // U+20AC
          break;
        case 3:
          s += "\xF0\x9F\x98\x80";  // U+1F600
          break;
        case 4:
          s += static_cast<char>('A' + Pick(26));
          break;
        default:
          // Few distinct letters, so that keys share prefixes.
          s += static_cast<char>('a' + Pick(4));
          break;
      }
    }
    return s;
  }

  std::mt19937_64 rng_;
};

// Whether a control character in `s` is dumped as \u00XX.
bool HasUEscape(const std::string& s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 && c != '\b' && c != '\f' && c != '\n' && c != '\r' &&
        c != '\t') {
      return true;
    }
  }
  return false;
}

// Whether the dump of `s` holds any escape at all.
bool HasEscape(const std::string& s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

// Whether the header has IsCanonicalJson decide the dump of `value`: no
// floating-point number, no integer of more than 18 digits, no \u escape,
// no escape in a key.
bool Decided(const Json& value) {
  switch (value.type()) {
    case Json::value_t::number_float:
      return false;
    case Json::value_t::number_integer: {
      const int64_t v = value.get<int64_t>();
      return std::to_string(v).size() - (v < 0 ? 1 : 0) <= 18;
    }
    case Json::value_t::number_unsigned:
      return std::to_string(value.get<uint64_t>()).size() <= 18;
    case Json::value_t::string:
      return !HasUEscape(value.get_ref<const std::string&>());
    case Json::value_t::array:
      for (const Json& element : value) {
        if (!Decided(element)) return false;
      }
      return true;
    case Json::value_t::object:
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (HasEscape(it.key()) || !Decided(it.value())) return false;
      }
      return true;
    default:
      return true;
  }
}

// `text` with one byte changed, inserted or removed, two bytes swapped,
// or cut short.
std::string Damage(ValueGenerator* gen, std::string text) {
  static constexpr char kBytes[] =
      "\"\\{}[]:,.-+eE019 \nu/\x01\x7f\xC3\xA9\x80";
  auto byte = [&]() -> char {
    if (gen->Pick(4) == 0) return static_cast<char>(gen->Pick(256));
    return kBytes[gen->Pick(static_cast<int>(sizeof(kBytes)) - 1)];
  };
  if (text.empty()) return std::string(1, byte());
  const auto at = static_cast<size_t>(gen->Pick(static_cast<int>(text.size())));
  switch (gen->Pick(5)) {
    case 0:
      text[at] = byte();
      break;
    case 1:
      text.insert(text.begin() + static_cast<ptrdiff_t>(at), byte());
      break;
    case 2:
      text.erase(at, 1);
      break;
    case 3:
      std::swap(
          text[at],
          text[static_cast<size_t>(gen->Pick(static_cast<int>(text.size())))]);
      break;
    default:
      text.resize(at);
      break;
  }
  return text;
}

TEST(CanonicalJsonTest, DecidesDumpsOfRandomValues) {
  ValueGenerator gen(20261207);
  int decided = 0;
  int undecided = 0;
  int objects_decided = 0;
  for (int i = 0; i < 4000; ++i) {
    const Json value = gen.Value();
    const absl::StatusOr<std::string> dumped = DumpJson(value);
    ASSERT_OK(dumped) << value.dump();
    // nlohmann's dump is the ground truth DumpJson follows.
    ASSERT_EQ(*dumped, value.dump());
    const bool expected = Decided(value);
    EXPECT_EQ(Canonical(*dumped), expected) << Show(*dumped);
    HoldsPromise(*dumped);
    if (expected) {
      ++decided;
      if (value.is_object() && !value.empty()) ++objects_decided;
    } else {
      ++undecided;
    }
  }
  // The generator makes plenty of both kinds.
  EXPECT_GT(decided, 1000);
  EXPECT_GT(undecided, 400);
  EXPECT_GT(objects_decided, 200);
}

TEST(CanonicalJsonTest, SaysTrueOnlyOfItsOwnDumpOnDamagedText) {
  // Dumps with a byte changed: most are invalid or dump differently, and
  // any it still takes must be its own dump.
  ValueGenerator gen(20261208);
  int still_accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    const Json value = gen.Value();
    const absl::StatusOr<std::string> dumped = DumpJson(value);
    ASSERT_OK(dumped);
    std::string damaged = *dumped;
    for (int j = 0; j < 6; ++j) {
      damaged = Damage(&gen, j % 3 == 0 ? *dumped : damaged);
      if (HoldsPromise(damaged)) ++still_accepted;
    }
  }
  // Some damage leaves canonical text (a digit or letter changed), so the
  // promise was checked on accepted text too.
  EXPECT_GT(still_accepted, 500);
}

}  // namespace
}  // namespace statelog::internal
