// tests/util/json_scan_test.cc

#include "util/json_scan.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "statelog/transaction.h"
#include "tests/testing/json_scan_properties.h"
#include "tests/testing/test_util.h"
#include "util/json_util.h"

namespace statelog::internal {
namespace {

using ::statelog::testing::OnlyNlohmannDecides;
using ::statelog::testing::SameTypes;

bool Scan(absl::string_view text) {
  return ScanJson(text, kMaxNestingDepth, nullptr);
}

std::string Nested(int depth) {
  return std::string(static_cast<size_t>(depth), '[') +
         std::string(static_cast<size_t>(depth), ']');
}

TEST(ScanJsonTest, AcceptsValidText) {
  const std::vector<std::string> texts = {
      "{}", "[]", " \t\r\n{ } ", "0", "-0", "1.5", "-12.25e+3", "1E-5", "true",
      "false", "null", R"("")", R"("plain ascii, long enough to span words")",
      R"({"a": [1, {"b": null}, "c"], "d": {"e": []}})",
      R"(["\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00 \u0000"])",
      "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF "
      "\xF4\x8F\xBF\xBF\"",
      // 308 integer digits: below 1e308 without any conversion.
      std::string(308, '9'),
      // 309 digits, converted: 1e308 is finite.
      "1" + std::string(308, '0'), "1.7976931348623157e308", "4.9e-324",
      Nested(kMaxNestingDepth)};
  for (const std::string& text : texts) {
    EXPECT_TRUE(Scan(text)) << text;
    EXPECT_OK(ParseJson(text, "input")) << text;
  }
}

TEST(ScanJsonTest, RefusesInvalidText) {
  const std::vector<std::string> texts = {
      "",
      " ",
      "{",
      "}",
      "[1,]",
      "{\"a\":1,}",
      "{\"a\" 1}",
      "{a:1}",
      "[1 2]",
      "01",
      "-",
      "1.",
      ".5",
      "1e",
      "1e+",
      "+1",
      "0x10",
      "tru",
      "nul",
      "True",
      "\"open",
      "\"tab\there\"",
      "\"\\x\"",
      "\"\\u12\"",
      "\"\\uD83D\"",
      "\"\\uDE00\"",
      "\"\\uD83Dx\"",
      "\"\\uD83D\\u0041\"",
      "\"\xC0\xAF\"",          // overlong '/'
      "\"\xED\xA0\x80\"",      // an encoded surrogate
      "\"\xF4\x90\x80\x80\"",  // above U+10FFFF
      "\"\xE2\x82\"",          // cut short
      "\"\x80\"",
      "\"\xFF\"",
      "[1] [2]",
      "{} x",
      "[1e400]",
      "-1e400",
      "2" + std::string(308, '0'),  // 2e308: not finite
      "1.7976931348623159e308",
      Nested(kMaxNestingDepth + 1)};
  for (const std::string& text : texts) {
    EXPECT_FALSE(Scan(text)) << text;
    EXPECT_FALSE(ParseJson(text, "input").ok()) << text;
  }
}

TEST(ScanJsonTest, LeavesWhatOnlyNlohmannDecidesUndecided) {
  // nlohmann skips a byte order mark and takes an underflowing number as
  // 0. ScanJson leaves both to it.
  const std::vector<std::string> texts = {"\xEF\xBB\xBF{}", "[1e-400]"};
  for (const std::string& text : texts) {
    EXPECT_FALSE(Scan(text)) << text;
    EXPECT_OK(ParseJson(text, "input")) << text;
    EXPECT_OK(CheckJson(text, "input", nullptr)) << text;
  }
  // nlohmann also ends its input at a NUL byte; ParseJson does not let
  // that drop what follows.
  const std::string with_nul("{}\0trailing", 11);
  EXPECT_FALSE(Scan(with_nul));
  EXPECT_FALSE(ParseJson(with_nul, "input").ok());
  EXPECT_FALSE(CheckJson(with_nul, "input", nullptr).ok());
}

// Random JSON text with every kind of value, escape, multibyte character
// and whitespace, and damaged copies of it.
class TextGenerator {
 public:
  explicit TextGenerator(uint64_t seed) : rng_(seed) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string Value() {
    std::string out;
    AppendValue(0, &out);
    return out;
  }

  // `text` with one byte changed, inserted or removed, or cut short.
  std::string Damage(std::string text) {
    static constexpr char kBytes[] = "\"\\{}[]:,.-+eE0159 \t\nu/\x00\x1f";
    auto byte = [&]() -> char {
      if (Pick(3) == 0) return static_cast<char>(Pick(256));
      return kBytes[Pick(sizeof(kBytes) - 1)];
    };
    const size_t at =
        text.empty() ? 0
                     : static_cast<size_t>(Pick(static_cast<int>(text.size())));
    switch (Pick(4)) {
      case 0:
        if (!text.empty()) text[at] = byte();
        break;
      case 1:
        text.insert(text.begin() + static_cast<ptrdiff_t>(at), byte());
        break;
      case 2:
        if (!text.empty()) text.erase(at, 1);
        break;
      default:
        text.resize(at);
        break;
    }
    return text;
  }

 private:
  void Space(std::string* out) {
    static const char* const kSpaces[] = {"", "", " ", "\n  ", "\t", "\r\n"};
    *out += kSpaces[Pick(6)];
  }

  void AppendValue(int depth, std::string* out) {
    switch (Pick(depth > 3 ? 4 : 6)) {
      case 0:
        *out += Pick(3) == 0 ? "true" : Pick(2) == 0 ? "false" : "null";
        return;
      case 1:
        AppendNumber(out);
        return;
      case 2:
      case 3:
        AppendString(out);
        return;
      case 4:
        *out += '[';
        for (int i = Pick(5); i > 0; --i) {
          Space(out);
          AppendValue(depth + 1, out);
          Space(out);
          if (i > 1) *out += ',';
        }
        *out += ']';
        return;
      default:
        *out += '{';
        for (int i = Pick(6); i > 0; --i) {
          Space(out);
          AppendString(out);
          Space(out);
          *out += ':';
          Space(out);
          AppendValue(depth + 1, out);
          Space(out);
          if (i > 1) *out += ',';
        }
        *out += '}';
        return;
    }
  }

  void AppendDigits(int count, std::string* out) {
    for (int i = 0; i < count; ++i) *out += static_cast<char>('0' + Pick(10));
  }

  void AppendNumber(std::string* out) {
    if (Pick(3) == 0) *out += '-';
    if (Pick(4) == 0) {
      *out += '0';
    } else {
      *out += static_cast<char>('1' + Pick(9));
      AppendDigits(Pick(4) == 0 ? Pick(25) : Pick(4), out);
    }
    if (Pick(3) == 0) {
      *out += '.';
      AppendDigits(1 + Pick(6), out);
    }
    if (Pick(5) == 0) {
      *out += Pick(2) == 0 ? 'e' : 'E';
      if (Pick(2) == 0) *out += Pick(2) == 0 ? '+' : '-';
      AppendDigits(1 + Pick(2), out);  // finite, whatever the mantissa
    }
  }

  void AppendString(std::string* out) {
    *out += '"';
    for (int i = Pick(8); i > 0; --i) {
      switch (Pick(8)) {
        case 0: {
          static const char* const kEscapes[] = {"\\\"", "\\\\", "\\/", "\\b",
                                                 "\\f",  "\\n",  "\\r", "\\t"};
          *out += kEscapes[Pick(8)];
          break;
        }
        case 1: {
          // A \u escape: a character of the BMP or a surrogate pair.
          const int unit = Pick(0xD800);
          *out += Pick(4) == 0
                      ? absl::StrCat("\\ud83d\\uDE", Pick(10), "0")
                      : absl::StrCat("\\u", absl::Hex(unit, absl::kZeroPad4));
          break;
        }
        case 2:
          AppendUtf8(out);
          break;
        case 3:
          // Long enough to go through the eight-byte path.
          *out += std::string(static_cast<size_t>(8 + Pick(30)),
                              static_cast<char>('a' + Pick(26)));
          break;
        default:
          *out += static_cast<char>(' ' + Pick(95));
          if (out->back() == '"' || out->back() == '\\') out->back() = '_';
          break;
      }
    }
    *out += '"';
  }

  void AppendUtf8(std::string* out) {
    static const uint32_t kRanges[][2] = {
        {0x80, 0x7FF}, {0x800, 0xD7FF}, {0xE000, 0xFFFF}, {0x10000, 0x10FFFF}};
    const auto& range = kRanges[Pick(4)];
    const uint32_t c =
        range[0] +
        static_cast<uint32_t>(Pick(static_cast<int>(range[1] - range[0] + 1)));
    if (c < 0x800) {
      *out += static_cast<char>(0xC0 | (c >> 6));
    } else if (c < 0x10000) {
      *out += static_cast<char>(0xE0 | (c >> 12));
      *out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (c >> 18));
      *out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    }
    *out += static_cast<char>(0x80 | (c & 0x3F));
  }

  std::mt19937_64 rng_;
};

// Holds ScanJson and ParseJsonFast to nlohmann on `text`; returns whether
// it was valid.
bool CheckAgainstNlohmann(absl::string_view text) {
  MemberSpans spans;
  const bool scanned = ScanJson(text, kMaxNestingDepth, &spans);
  const absl::StatusOr<Json> parsed = ParseJson(text, "input");
  MemberSpans checked;
  EXPECT_EQ(CheckJson(text, "input", &checked), parsed.status()) << text;
  if (scanned) {
    EXPECT_OK(parsed) << text;
  } else if (parsed.ok()) {
    EXPECT_TRUE(OnlyNlohmannDecides(text))
        << "valid text left undecided: " << text;
  }
  Json fast;
  EXPECT_EQ(ParseJsonFast(text, kMaxNestingDepth, &fast), scanned) << text;
  const absl::StatusOr<Json> slow = ParseJsonWithNlohmann(text, "input");
  EXPECT_EQ(slow.status(), parsed.status()) << text;
  if (scanned && slow.ok()) {
    EXPECT_TRUE(SameTypes(fast, *slow)) << text;
    EXPECT_EQ(fast.dump(), slow->dump()) << text;
  }
  if (!parsed.ok()) return false;
  const size_t first = text.find_first_not_of(" \t\n\r");
  if (first == absl::string_view::npos || text[first] != '{') {
    EXPECT_TRUE(checked.empty()) << text;
    return true;
  }
  // Every span holds its key and a value equal to the parsed member (a
  // repeated key: its last value).
  if (scanned) {
    const MemberSpans found = FindMemberSpans(text);
    EXPECT_EQ(spans.size(), found.size()) << text;
    for (size_t i = 0; i < spans.size() && i < found.size(); ++i) {
      EXPECT_EQ(spans[i].key_begin, found[i].key_begin) << text;
      EXPECT_EQ(spans[i].key_end, found[i].key_end) << text;
      EXPECT_EQ(spans[i].value_begin, found[i].value_begin) << text;
      EXPECT_EQ(spans[i].value_end, found[i].value_end) << text;
      EXPECT_EQ(spans[i].key_escaped, found[i].key_escaped) << text;
    }
  }
  Json rebuilt = Json::object();
  for (const MemberSpan& span : checked) {
    absl::StatusOr<std::string> key = UnquoteJsonString(
        text.substr(span.key_begin, span.key_end - span.key_begin), "key");
    absl::StatusOr<Json> value = ParseJson(
        text.substr(span.value_begin, span.value_end - span.value_begin),
        "value");
    EXPECT_OK(key) << text;
    EXPECT_OK(value) << text;
    if (key.ok() && value.ok()) rebuilt[*key] = *value;
  }
  EXPECT_EQ(rebuilt, *parsed) << text;
  return true;
}

TEST(ScanJsonTest, AgreesWithNlohmannOnRandomAndDamagedText) {
  TextGenerator gen(20261206);
  int valid = 0;
  int damaged_valid = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string text = gen.Value();
    if (CheckAgainstNlohmann(text)) ++valid;
    EXPECT_TRUE(Scan(text) || OnlyNlohmannDecides(text)) << text;
    std::string damaged = text;
    for (int j = 0; j < 6; ++j) {
      damaged = gen.Damage(j % 3 == 0 ? text : damaged);
      if (CheckAgainstNlohmann(damaged)) ++damaged_valid;
    }
  }
  // The generator writes valid text, and damage leaves some of it valid.
  EXPECT_EQ(valid, 3000);
  EXPECT_GT(damaged_valid, 1000);
}

TEST(ParseJsonFastTest, TypesNumbersAsNlohmannDoes) {
  struct Case {
    const char* text;
    Json::value_t type;
  };
  const Case cases[] = {
      {"0", Json::value_t::number_unsigned},
      {"-0", Json::value_t::number_integer},
      {"18446744073709551615", Json::value_t::number_unsigned},
      {"18446744073709551616", Json::value_t::number_float},
      {"-9223372036854775808", Json::value_t::number_integer},
      {"-9223372036854775809", Json::value_t::number_float},
      {"1.0", Json::value_t::number_float},
      {"1e2", Json::value_t::number_float},
      {"-0.0", Json::value_t::number_float}};
  for (const Case& c : cases) {
    Json fast;
    ASSERT_TRUE(ParseJsonFast(c.text, kMaxNestingDepth, &fast)) << c.text;
    absl::StatusOr<Json> slow = ParseJsonWithNlohmann(c.text, "input");
    ASSERT_OK(slow);
    EXPECT_EQ(fast.type(), c.type) << c.text;
    EXPECT_EQ(slow->type(), c.type) << c.text;
    EXPECT_EQ(fast.dump(), slow->dump()) << c.text;
  }
  Json min;
  ASSERT_TRUE(ParseJsonFast("-9223372036854775808", kMaxNestingDepth, &min));
  EXPECT_EQ(min.get<int64_t>(), std::numeric_limits<int64_t>::min());
}

TEST(ParseJsonFastTest, DecodesEscapesAndKeepsTheLastOfRepeatedKeys) {
  Json fast;
  ASSERT_TRUE(ParseJsonFast(
      R"({"b": 1, "a\u00e9": "x\ty\ud83d\ude00\"\\\/", "b": [true, null]})",
      kMaxNestingDepth, &fast));
  const Json expected = {{"a\xC3\xA9", "x\ty\xF0\x9F\x98\x80\"\\/"},
                         {"b", {true, nullptr}}};
  EXPECT_EQ(fast, expected);
}

TEST(ScanJsonTest, FindsMembersOfTheTopLevelObjectOnly) {
  const std::string text = R"({"a":{"x":1},"b\n":[2,{"y":3}] , "c":"}"})";
  MemberSpans spans;
  ASSERT_TRUE(ScanJson(text, kMaxNestingDepth, &spans));
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(
      text.substr(spans[1].key_begin, spans[1].key_end - spans[1].key_begin),
      R"("b\n")");
  EXPECT_TRUE(spans[1].key_escaped);
  EXPECT_EQ(text.substr(spans[1].value_begin,
                        spans[1].value_end - spans[1].value_begin),
            R"([2,{"y":3}])");
  EXPECT_EQ(text.substr(spans[2].value_begin,
                        spans[2].value_end - spans[2].value_begin),
            R"("}")");
  spans.clear();
  ASSERT_TRUE(ScanJson(R"([{"a":1}])", kMaxNestingDepth, &spans));
  EXPECT_TRUE(spans.empty());
}

}  // namespace
}  // namespace statelog::internal
