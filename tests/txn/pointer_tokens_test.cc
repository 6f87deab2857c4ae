// tests/txn/pointer_tokens_test.cc
//
// SplitPointer splits valid pointers itself and leaves invalid ones to
// nlohmann (ParsePointer) for the error; both must agree on every pointer.

#include "txn/pointer_tokens.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "tests/testing/test_util.h"
#include "util/json_util.h"

namespace statelog::internal {
namespace {

using Tokens = std::vector<std::string>;

// The tokens as nlohmann's json_pointer sees them.
absl::StatusOr<Tokens> ReferenceSplit(const std::string& pointer) {
  absl::StatusOr<Json::json_pointer> parsed = ParsePointer(pointer);
  if (!parsed.ok()) return parsed.status();
  Tokens tokens;
  for (; !parsed->empty(); parsed->pop_back()) tokens.push_back(parsed->back());
  std::reverse(tokens.begin(), tokens.end());
  return tokens;
}

void ExpectAgrees(const std::string& pointer) {
  absl::StatusOr<Tokens> ours = SplitPointer(pointer);
  absl::StatusOr<Tokens> reference = ReferenceSplit(pointer);
  ASSERT_EQ(ours.status(), reference.status()) << pointer;
  if (ours.ok()) {
    EXPECT_EQ(*ours, *reference) << pointer;
  }
}

TEST(SplitPointerTest, SplitsAndUnescapes) {
  EXPECT_EQ(*SplitPointer(""), Tokens{});
  EXPECT_EQ(*SplitPointer("/"), Tokens{""});
  EXPECT_EQ(*SplitPointer("//"), (Tokens{"", ""}));
  EXPECT_EQ(*SplitPointer("/a/"), (Tokens{"a", ""}));
  EXPECT_EQ(*SplitPointer("/a~1b/0"), (Tokens{"a/b", "0"}));
  // "~01" is "~" then "1", not "~0" then "~1" read again.
  EXPECT_EQ(*SplitPointer("/~01"), Tokens{"~1"});
  EXPECT_EQ(*SplitPointer("/~10"), Tokens{"/0"});
  EXPECT_EQ(*SplitPointer("/é/✓"), (Tokens{"é", "✓"}));
}

TEST(SplitPointerTest, RefusesWhatNlohmannRefusesWithItsMessage) {
  for (const char* bad : {"a", "a/b", "/~", "/~2", "/a~", "/a~/b", "/\xff",
                          "/\xc3", "/ok/\xed\xa0\x80"}) {
    absl::StatusOr<Tokens> split = SplitPointer(bad);
    EXPECT_THAT(split, StatusIs(absl::StatusCode::kInvalidArgument,
                                ::testing::HasSubstr("invalid JSON pointer")))
        << bad;
    ExpectAgrees(bad);
  }
}

TEST(SplitPointerTest, AgreesWithNlohmannOnRandomPointers) {
  static const char* const kPieces[] = {"/", "/", "~",    "0", "1",
                                        "a", "é", "\xff", "2", ""};
  std::mt19937 rng(6901);
  for (int i = 0; i < 20000; ++i) {
    std::string pointer;
    for (int n = std::uniform_int_distribution<int>(0, 8)(rng); n > 0; --n) {
      pointer += kPieces[std::uniform_int_distribution<int>(0, 9)(rng)];
    }
    ExpectAgrees(pointer);
  }
}

TEST(JoinPointerTest, RoundTripsThroughSplitPointer) {
  const Tokens tokens = {"a/b", "~", "", "~1", "0", "é"};
  const std::string pointer = JoinPointer(tokens, tokens.size());
  EXPECT_EQ(pointer, "/a~1b/~0//~01/0/é");
  EXPECT_EQ(*SplitPointer(pointer), tokens);
  EXPECT_EQ(JoinPointer(tokens, 2), "/a~1b/~0");
}

}  // namespace
}  // namespace statelog::internal
