// tests/store/text_index_test.cc
//
// TextIndex: the members of a state's text, found by key whatever order
// and spelling the text gives them. TextState's tests (text_state_test.cc)
// hold the index to ParseJson through every lookup a state makes.

#include "store/text_index.h"

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/test_util.h"
#include "util/json_scan.h"

namespace statelog::internal {
namespace {

std::shared_ptr<const TextIndex> IndexOrDie(const std::string& text) {
  absl::StatusOr<std::shared_ptr<const TextIndex>> index =
      TextIndex::Build(text, "snap", nullptr, FindMemberSpans(text));
  EXPECT_OK(index);
  return index.ok() ? *index : nullptr;
}

// The text of the member's value.
absl::string_view ValueOf(const TextIndex& index, size_t i) {
  const TextMember& member = index.members[i];
  return index.text.substr(member.value_begin, member.end - member.value_begin);
}

TEST(TextIndexTest, FindsEveryMemberOfSortedTextInItsPlace) {
  std::string text = "{";
  for (int i = 0; i < 1000; ++i) {
    // Keys of 12 bytes that share their first 8 (and sort as they come).
    absl::StrAppend(&text, i == 0 ? "" : ",", "\"prefixed", 1000 + i, "\":", i);
  }
  text += "}";
  std::shared_ptr<const TextIndex> index = IndexOrDie(text);
  ASSERT_NE(index, nullptr);
  ASSERT_EQ(index->members.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    const std::string key = absl::StrCat("prefixed", 1000 + i);
    const size_t at = index->Find(key);
    ASSERT_EQ(at, static_cast<size_t>(i)) << key;
    EXPECT_EQ(index->Key(index->members[at]), key);
    EXPECT_EQ(ValueOf(*index, at), absl::StrCat(i));
  }
  EXPECT_EQ(index->Find("prefixed"), TextIndex::kNone);
  EXPECT_EQ(index->Find("prefixed2000"), TextIndex::kNone);
  EXPECT_EQ(index->Find(""), TextIndex::kNone);
}

// Keys of 1 to 12 bytes from a three-letter alphabet: many share their
// 8-byte prefix, in runs long and short, and absent keys fall between
// present ones everywhere.
TEST(TextIndexTest, FindsWhatASortedListFinds) {
  std::mt19937 rng(7);
  auto random_key = [&rng] {
    std::string key(1 + rng() % 12, 'a');
    for (char& c : key) c = static_cast<char>('a' + rng() % 3);
    return key;
  };
  std::set<std::string> keys;
  while (keys.size() < 5000) keys.insert(random_key());
  std::string text = "{";
  for (const std::string& key : keys) {
    absl::StrAppend(&text, text.size() == 1 ? "" : ",", "\"", key, "\":0");
  }
  text += "}";
  std::shared_ptr<const TextIndex> index = IndexOrDie(text);
  ASSERT_NE(index, nullptr);
  ASSERT_EQ(index->members.size(), keys.size());
  const std::vector<std::string> sorted(keys.begin(), keys.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    ASSERT_EQ(index->Find(sorted[i]), i) << sorted[i];
  }
  for (int probe = 0; probe < 20000; ++probe) {
    const std::string key = random_key();
    const auto it = std::lower_bound(sorted.begin(), sorted.end(), key);
    const size_t expected = it != sorted.end() && *it == key
                                ? static_cast<size_t>(it - sorted.begin())
                                : TextIndex::kNone;
    ASSERT_EQ(index->Find(key), expected) << key;
  }
  EXPECT_EQ(index->Find(""), TextIndex::kNone);
  EXPECT_EQ(index->Find("d"), TextIndex::kNone);
}

TEST(TextIndexTest, SortsTextFromElsewhereAndKeepsARepeatedKeysLastValue) {
  const std::string text = R"({ "b" : 1, "a": 2, "c": [3], "a": {"x": 4} })";
  std::shared_ptr<const TextIndex> index = IndexOrDie(text);
  ASSERT_NE(index, nullptr);
  ASSERT_EQ(index->members.size(), 3u);
  EXPECT_EQ(index->Key(index->members[0]), "a");
  EXPECT_EQ(index->Key(index->members[1]), "b");
  EXPECT_EQ(index->Key(index->members[2]), "c");
  EXPECT_EQ(ValueOf(*index, index->Find("a")), R"({"x": 4})");
  EXPECT_EQ(ValueOf(*index, index->Find("c")), "[3]");
}

TEST(TextIndexTest, EscapedKeysAreFoundUnescaped) {
  const std::string text =
      R"({"a\/b": 1, "\u00e9": 2, "q\"uote": 3, "plain": 4, "t\tab": 5})";
  std::shared_ptr<const TextIndex> index = IndexOrDie(text);
  ASSERT_NE(index, nullptr);
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"a/b", "1"},
                                                        {"\xc3\xa9", "2"},
                                                        {"q\"uote", "3"},
                                                        {"plain", "4"},
                                                        {"t\tab", "5"}}) {
    const size_t at = index->Find(key);
    ASSERT_NE(at, TextIndex::kNone) << key;
    EXPECT_EQ(index->Key(index->members[at]), key);
    EXPECT_EQ(ValueOf(*index, at), value);
  }
  EXPECT_EQ(index->Find("a\\/b"), TextIndex::kNone);  // the spelling
}

TEST(TextIndexTest, AnEscapedKeyThatDoesNotUnquoteNamesTheText) {
  // A lone surrogate: valid JSON to the scanner's span finder, refused by
  // the unquoting (ParseJson refuses it too).
  const std::string text = R"({"\ud800": 1})";
  absl::StatusOr<std::shared_ptr<const TextIndex>> index =
      TextIndex::Build(text, "snap-7.json", nullptr, FindMemberSpans(text));
  EXPECT_THAT(index, StatusIs(absl::StatusCode::kInvalidArgument,
                              ::testing::HasSubstr("snap-7.json")));
}

}  // namespace
}  // namespace statelog::internal
