// tests/util/json_util_test.cc

#include "util/json_util.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tests/testing/test_util.h"

namespace statelog::internal {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// `depth` arrays, one inside the other, around a 0: "[[0]]" for 2.
std::string NestedArrayText(int depth) {
  return std::string(depth, '[') + "0" + std::string(depth, ']');
}

// The same as a value, built without recursion.
Json NestedArray(int depth) {
  Json value = 0;
  for (int i = 0; i < depth; ++i) value = Json::array({std::move(value)});
  return value;
}

TEST(ParseJsonTest, ParsesAValue) {
  absl::StatusOr<Json> parsed =
      ParseJson(R"({"a": [1, 2.5, "x", null, true], "b": {}})", "input");
  ASSERT_OK(parsed);
  EXPECT_EQ(*parsed,
            Json::parse(R"({"a": [1, 2.5, "x", null, true], "b": {}})"));
}

// nlohmann's lexer ends the input at a NUL byte between tokens; the text
// after it must not be dropped silently.
TEST(ParseJsonTest, ANulByteAfterTheValueIsAnErrorNotTheEnd) {
  using namespace std::string_literals;
  for (const std::string& text :
       {"{}\0"s, "{\"a\":1} \0xyz"s, "[1]\0\0"s, "7\0"s}) {
    EXPECT_THAT(ParseJson(text, "input"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("a NUL byte at byte offset")))
        << text.size();
    EXPECT_THAT(
        CheckJson(text, "input", nullptr),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("a NUL byte")));
  }
}

TEST(ParseJsonTest, ParsesScalarsAtTheTop) {
  EXPECT_EQ(*ParseJson("42", "n"), Json(42));
  EXPECT_EQ(*ParseJson("\"s\"", "s"), Json("s"));
  EXPECT_EQ(*ParseJson("null", "z"), Json());
}

TEST(ParseJsonTest, AcceptsNestingOfExactlyTheLimit) {
  absl::StatusOr<Json> parsed =
      ParseJson(NestedArrayText(kMaxNestingDepth), "input");
  ASSERT_OK(parsed);
  EXPECT_EQ(*parsed, NestedArray(kMaxNestingDepth));
}

TEST(ParseJsonTest, RejectsNestingOneBeyondTheLimitNamingTheBracket) {
  EXPECT_THAT(ParseJson(NestedArrayText(kMaxNestingDepth + 1), "snapshot"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("snapshot: "),
                             HasSubstr("nesting deeper than 256"),
                             HasSubstr("at byte 256"))));
}

TEST(ParseJsonTest, CountsObjectsAndArraysAlikeAndSkipsBracketsInStrings) {
  std::string text = R"({"s": "[[[{{{", "v": )";
  const size_t first_bracket = text.size();
  for (int i = 1; i < kMaxNestingDepth; ++i) text += "[";
  text += R"({"k": 1})";
  for (int i = 1; i < kMaxNestingDepth; ++i) text += "]";
  text += "}";
  // The outer object, 255 arrays and the inner object: 257 containers.
  EXPECT_THAT(ParseJson(text, "input"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(
                           "at byte ", first_bracket + kMaxNestingDepth - 1))));
}

TEST(ParseJsonTest, RejectsVeryDeepInputWithoutBuildingIt) {
  // A million open brackets would overflow the stack if anything recursed.
  std::string text(1000000, '[');
  EXPECT_THAT(ParseJson(text, "input"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("nesting deeper than 256")));
}

TEST(ParseJsonTest, RejectsInvalidUtf8InAStringValue) {
  absl::StatusOr<Json> parsed = ParseJson("[\"ok\", \"caf\xff\"]", "input");
  EXPECT_THAT(parsed,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("input: "), HasSubstr("at byte 11"))));
  // The message quotes the bad input but must itself stay valid UTF-8.
  EXPECT_TRUE(IsValidUtf8(parsed.status().message()));
}

TEST(ParseJsonTest, RejectsInvalidUtf8InAKey) {
  absl::StatusOr<Json> parsed = ParseJson("{\"k\xc0\xaf\": 1}", "input");
  EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("at byte 3")));
  EXPECT_TRUE(IsValidUtf8(parsed.status().message()));
}

TEST(ParseJsonTest, RejectsEncodedSurrogates) {
  EXPECT_FALSE(ParseJson("\"\xed\xa0\x80\"", "input").ok());
  EXPECT_FALSE(ParseJson(R"("\ud800")", "input").ok());
  EXPECT_EQ(*ParseJson(R"("\ud83d\ude00")", "input"), Json("\xf0\x9f\x98\x80"));
}

TEST(ParseJsonTest, RejectsNumbersThatOverflowADouble) {
  EXPECT_THAT(ParseJson("1e400", "input"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("input: number out of range"),
                             HasSubstr("at byte 0"), HasSubstr("1e400"))));
  EXPECT_THAT(
      ParseJson("[1, -1e400]", "input"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at byte 4")));
}

TEST(ParseJsonTest, AcceptsLargeButFiniteNumbers) {
  EXPECT_EQ(*ParseJson("1e308", "input"), Json(1e308));
  // Too big for any integer type, so it becomes a double.
  EXPECT_TRUE(
      ParseJson("123456789012345678901234567890", "input")->is_number_float());
}

TEST(ParseJsonTest, RejectsNonJsonNumbers) {
  for (const char* text : {"NaN", "Infinity", "-Infinity", "01", "1.", "+1"}) {
    EXPECT_THAT(ParseJson(text, "input"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("byte")))
        << text;
  }
}

TEST(ParseJsonTest, RejectsTrailingGarbage) {
  EXPECT_THAT(
      ParseJson("{} x", "input"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at byte 3")));
  EXPECT_FALSE(ParseJson("1 2", "input").ok());
}

TEST(ParseJsonTest, RejectsEmptyAndTruncatedInputAtTheEnd) {
  EXPECT_THAT(ParseJson("", "input"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at byte 0 (end of input)")));
  EXPECT_THAT(ParseJson("[1,", "input"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at byte 3 (end of input)")));
}

TEST(ParseJsonTest, LaterDuplicateKeyWins) {
  EXPECT_EQ(*ParseJson(R"({"a": 1, "a": 2})", "input"), Json({{"a", 2}}));
}

TEST(ParseJsonTest, ParsesManySiblingObjectsInLinearTime) {
  // nlohmann's callback parser rescans the parent after each child object;
  // at this size that takes minutes instead of milliseconds.
  std::string text = "{";
  for (int i = 0; i < 100000; ++i) {
    absl::StrAppend(&text, i ? "," : "", "\"k", i, "\":{\"v\":", i, "}");
  }
  text += "}";
  absl::StatusOr<Json> parsed = ParseJson(text, "input");
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->size(), 100000u);
  EXPECT_EQ((*parsed)["k99999"]["v"], 99999);
}

TEST(CheckJsonTest, AcceptsAndRefusesExactlyWhatParseJsonDoes) {
  const std::vector<std::string> texts = {
      R"({"a": [1, 2.5, "x"], "b": {}})",
      "42",
      NestedArrayText(kMaxNestingDepth),
      NestedArrayText(kMaxNestingDepth + 1),
      "{\"k\": \"caf\xff\"}",
      "[1e999]",
      "[01]",
      "{\"a\":1} x",
      "",
      "{\"a\":",
  };
  for (const std::string& text : texts) {
    EXPECT_EQ(CheckJson(text, "input", nullptr),
              ParseJson(text, "input").status())
        << text;
  }
}

// The member spans, as (key literal, value text) pairs.
std::vector<std::pair<std::string, std::string>> Members(
    absl::string_view text) {
  MemberSpans spans;
  EXPECT_OK(CheckJson(text, "input", &spans));
  std::vector<std::pair<std::string, std::string>> out;
  for (const MemberSpan& span : spans) {
    out.emplace_back(
        text.substr(span.key_begin, span.key_end - span.key_begin),
        text.substr(span.value_begin, span.value_end - span.value_begin));
  }
  return out;
}

TEST(CheckJsonTest, FindsTopLevelMembersInTextOrderOnly) {
  using Pair = std::pair<std::string, std::string>;
  EXPECT_THAT(
      Members(R"( { "z" : {"inner": 1} , "a\u0041":[{"no": 2}],"z":3 } )"),
      ::testing::ElementsAre(Pair("\"z\"", R"({"inner": 1})"),
                             Pair(R"("a\u0041")", R"([{"no": 2}])"),
                             Pair("\"z\"", "3")));
  EXPECT_TRUE(Members(R"([{"a": 1}])").empty());
  EXPECT_TRUE(Members("{}").empty());
  // Text only nlohmann decides (an underflowing number) gets the same
  // spans from the slow path.
  const std::string underflow("{\"a\":[1],\"b\":-2e-400}");
  EXPECT_THAT(
      Members(underflow),
      ::testing::ElementsAre(Pair("\"a\"", "[1]"), Pair("\"b\"", "-2e-400")));
}

TEST(CheckJsonTest, MarksEscapedKeys) {
  MemberSpans spans;
  ASSERT_OK(
      CheckJson(R"({"plain": 1, "t\u0041b": 2, "q\"": 3})", "input", &spans));
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_FALSE(spans[0].key_escaped);
  EXPECT_TRUE(spans[1].key_escaped);
  EXPECT_TRUE(spans[2].key_escaped);
  absl::StatusOr<std::string> key = UnquoteJsonString(R"("t\u0041b")", "key");
  ASSERT_OK(key);
  EXPECT_EQ(*key, "tAb");
  EXPECT_THAT(UnquoteJsonString("12", "key"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("key: not a JSON string")));
}

TEST(ValidateValueTest, AcceptsOrdinaryValues) {
  EXPECT_OK(
      ValidateValue(Json::parse(R"({"a": [1, 2.5, "é", null]})"), 0, "value"));
  EXPECT_OK(ValidateValue(Json(), 0, "value"));
}

TEST(ValidateValueTest, CountsTheBaseDepth) {
  EXPECT_OK(ValidateValue(NestedArray(kMaxNestingDepth), 0, "value"));
  EXPECT_THAT(ValidateValue(NestedArray(kMaxNestingDepth + 1), 0, "value"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("value: nesting deeper than 256")));
  EXPECT_OK(ValidateValue(NestedArray(kMaxNestingDepth - 2), 2, "value"));
  EXPECT_THAT(ValidateValue(NestedArray(kMaxNestingDepth - 1), 2, "value"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("counting 2 levels above it")));
}

TEST(ValidateValueTest, AScalarNeedsOnlyItsEnclosingContainersToFit) {
  EXPECT_OK(ValidateValue(Json(1), kMaxNestingDepth, "value"));
  EXPECT_FALSE(ValidateValue(Json(1), kMaxNestingDepth + 1, "value").ok());
  EXPECT_FALSE(ValidateValue(Json::array(), kMaxNestingDepth, "value").ok());
}

TEST(ValidateValueTest, HandlesVeryDeepValuesIteratively) {
  Json deep = NestedArray(100000);
  EXPECT_THAT(ValidateValue(deep, 0, "value"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("nesting deeper than 256")));
}

TEST(ValidateValueTest, RejectsInvalidUtf8InAStringNamingWhere) {
  Json value = {{"a", Json::array({"fine", "caf\xff"})}};
  absl::Status status = ValidateValue(value, 0, "value");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               "value at /a/1: string is not valid UTF-8"));
}

TEST(ValidateValueTest, RejectsInvalidUtf8InAKeyNamingWhere) {
  Json value = {{"a~/b", {{"k\xff", 1}}}};
  absl::Status status = ValidateValue(value, 0, "value");
  EXPECT_THAT(
      status,
      StatusIs(absl::StatusCode::kInvalidArgument,
               R"(value at /a~0~1b: object key "k\xff" is not valid UTF-8)"));
  EXPECT_TRUE(IsValidUtf8(status.message()));
}

TEST(ValidateValueTest, RejectsNonFiniteNumbers) {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    EXPECT_THAT(ValidateValue(Json::array({1, bad}), 0, "value"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "value at /1: number is not finite"));
  }
  EXPECT_THAT(ValidateValue(Json(std::nan("")), 0, "patch"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "patch: number is not finite"));
}

TEST(ValidateValueTest, RejectsBinaryValues) {
  EXPECT_THAT(
      ValidateValue(Json{{"b", Json::binary({1, 2})}}, 0, "value"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("binary")));
}

TEST(IsValidUtf8Test, AcceptsWellFormedSequences) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
  EXPECT_TRUE(IsValidUtf8("\xc2\x80"));          // U+0080
  EXPECT_TRUE(IsValidUtf8("\xe0\xa0\x80"));      // U+0800
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf"));      // U+D7FF
  EXPECT_TRUE(IsValidUtf8("\xee\x80\x80"));      // U+E000
  EXPECT_TRUE(IsValidUtf8("\xf0\x90\x80\x80"));  // U+10000
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST(IsValidUtf8Test, RejectsMalformedSequences) {
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xc3\x28"));          // bad continuation
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));          // overlong NUL
  EXPECT_FALSE(IsValidUtf8("\xc1\xbf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xf0\x80\x80\xaf"));  // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xed\xbf\xbf"));      // surrogate U+DFFF
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xf5\x80\x80\x80"));  // lead byte F5
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("ok then \xfe"));
}

// Both functions look at eight bytes at a time: every byte value, at every
// position of strings around that width, must be judged as one byte at a
// time would (nlohmann's dump escapes and checks UTF-8 the same way).
TEST(IsValidUtf8Test, AnyByteAtAnyPositionOfAWordIsJudgedAsNlohmannDoes) {
  for (size_t length = 1; length <= 19; ++length) {
    for (size_t at = 0; at < length; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string text(length, 'a');
        text[at] = static_cast<char>(b);
        bool nlohmann_valid = true;
        std::string expected;
        try {
          expected = Json(text).dump();
        } catch (const Json::exception&) {
          nlohmann_valid = false;
        }
        ASSERT_EQ(IsValidUtf8(text), nlohmann_valid)
            << "byte " << b << " at " << at << " of " << length;
        if (!nlohmann_valid) continue;
        std::string got;
        AppendJsonString(text, &got);
        ASSERT_EQ(got, expected)
            << "byte " << b << " at " << at << " of " << length;
      }
    }
  }
  // A valid multi-byte sequence straddling a word's end.
  for (size_t at = 0; at < 12; ++at) {
    std::string text(16, 'a');
    text.replace(at, 4, "\xf0\x90\x80\x80");
    EXPECT_TRUE(IsValidUtf8(text)) << at;
    text.replace(at, 4, "\xf0\x90\x80\x28");
    EXPECT_FALSE(IsValidUtf8(text)) << at;
  }
}

TEST(DumpJsonTest, WritesCompactJsonThatParsesBack) {
  Json value = Json::parse(R"({"b": [1, 2.5, "x\"y"], "a": null})");
  absl::StatusOr<std::string> text = DumpJson(value);
  ASSERT_OK(text);
  EXPECT_EQ(*text, R"({"a":null,"b":[1,2.5,"x\"y"]})");
  EXPECT_EQ(*ParseJson(*text, "dumped"), value);
}

TEST(DumpJsonTest, RejectsInvalidUtf8InsteadOfThrowing) {
  EXPECT_THAT(DumpJson(Json{{"k", "caf\xff"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not valid UTF-8")));
  EXPECT_FALSE(DumpJson(Json{{"k\xff", 1}}).ok());
}

TEST(DumpJsonTest, RejectsWhatWouldNotReadBack) {
  // nlohmann would write NaN as null, and ParseJson refuses the deep value.
  EXPECT_FALSE(DumpJson(Json(std::nan(""))).ok());
  EXPECT_FALSE(DumpJson(NestedArray(kMaxNestingDepth + 1)).ok());
  EXPECT_OK(DumpJson(NestedArray(kMaxNestingDepth)));
}

TEST(DumpJsonTest, CountsTheBaseDepth) {
  // A value that will sit inside `base_depth` containers of a larger text.
  EXPECT_OK(DumpJson(NestedArray(kMaxNestingDepth - 1), 1));
  EXPECT_THAT(DumpJson(NestedArray(kMaxNestingDepth), 1),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("deeper than 256")));
}

TEST(ParsePointerTest, ParsesValidPointers) {
  ASSERT_OK(ParsePointer(""));
  EXPECT_TRUE(ParsePointer("")->empty());
  EXPECT_EQ(ParsePointer("/a/0")->to_string(), "/a/0");
  EXPECT_EQ(ParsePointer("/~01")->back(), "~1");
  EXPECT_EQ(ParsePointer("/a~1b")->back(), "a/b");
  EXPECT_EQ(ParsePointer("/")->back(), "");
}

TEST(ParsePointerTest, RejectsMalformedPointersNamingThem) {
  for (const char* bad : {"a", "~2", "/~2", "/~", "/a~"}) {
    EXPECT_THAT(ParsePointer(bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat("\"", bad, "\""))))
        << bad;
  }
}

TEST(ParsePointerTest, RejectsInvalidUtf8) {
  absl::StatusOr<Json::json_pointer> parsed = ParsePointer("/k\xff");
  EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr(R"("/k\xff")")));
}

}  // namespace
}  // namespace statelog::internal
