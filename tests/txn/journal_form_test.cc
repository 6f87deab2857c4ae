// tests/txn/journal_form_test.cc
//
// EncodeJournalForm must write exactly the bytes of ToJson().dump(): records
// written before it existed and after must read back alike, and the txn
// fuzzer compares them too. FromJson(Json&&) must decode as FromJson(const
// Json&) does.

#include "txn/journal_form.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "statelog/transaction.h"
#include "tests/testing/random_transactions.h"
#include "tests/testing/test_util.h"
#include "txn/pointer_tokens.h"
#include "util/json_util.h"

namespace statelog::internal {
namespace {

std::string DumpOrDie(const Transaction& txn) {
  absl::StatusOr<std::string> text = DumpJson(txn.ToJson());
  EXPECT_OK(text.status());
  return text.ok() ? *text : "";
}

void ExpectSameBytes(const Transaction& txn) {
  ASSERT_OK(txn.Validate());
  absl::StatusOr<std::string> encoded = EncodeJournalForm(txn);
  ASSERT_OK(encoded.status());
  EXPECT_EQ(*encoded, DumpOrDie(txn));
}

TEST(JournalFormTest, EveryKindOfOperation) {
  Transaction txn;
  txn.Add("/a", 1)
      .Remove("/b")
      .Replace("/c", "x")
      .Move("/d", "/e")
      .Copy("/f", "/g")
      .Test("/h", nullptr)
      .Merge({{"i", nullptr}, {"j", {{"k", {1, 2.5, -3}}}}})
      .Set("/j/k", {1, 2})
      .Unset("/l");
  ExpectSameBytes(txn);
  // And the one-operation forms, alone.
  ExpectSameBytes(Transaction().Move("/x", "/y"));
  ExpectSameBytes(Transaction().Merge(Json::object()));
  ExpectSameBytes(Transaction().Set("", Json::array()));
}

TEST(JournalFormTest, StringsAreEscapedAsNlohmannEscapesThem) {
  // Every ASCII byte but NUL alone, then NUL inside a string, in pointers,
  // keys and values alike.
  for (int c = 0; c < 0x80; ++c) {
    const std::string s(1, static_cast<char>(c));
    EXPECT_EQ(
        [&] {
          std::string out;
          AppendJsonString(s, &out);
          return out;
        }(),
        Json(s).dump())
        << "byte " << c;
    ExpectSameBytes(Transaction().Set(JoinPointer({s}, 1), Json{{s, s}}));
    ExpectSameBytes(
        Transaction().Copy(JoinPointer({"from" + s}, 1), JoinPointer({s}, 1)));
  }
  const std::string mixed = std::string("a\0b", 3) + "\"\\/\x1f\x7f é ✓ 😀";
  ExpectSameBytes(Transaction().Set(JoinPointer({mixed, mixed}, 2), mixed));
  ExpectSameBytes(Transaction().Set("/empty", ""));
}

TEST(JournalFormTest, NumbersAreWrittenAsNlohmannWritesThem) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    // Any bit pattern that is a finite double, and random integers.
    const uint64_t bits = rng();
    double x;
    std::memcpy(&x, &bits, sizeof(x));
    if (!std::isfinite(x)) continue;
    for (const Json& value :
         {Json(x), Json(static_cast<int64_t>(bits)), Json(bits)}) {
      std::string out;
      ASSERT_OK(AppendValidatedJson(value, &out));
      ASSERT_EQ(out, value.dump());
    }
  }
  Json numbers = Json::array({0,
                              -1,
                              1,
                              std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max(),
                              std::numeric_limits<uint64_t>::max(),
                              0.1,
                              -0.0,
                              1e300,
                              5e-324,
                              2.5,
                              1.0,
                              123456789.125,
                              1e21,
                              1e-7,
                              1e16,
                              0.30000000000000004,
                              std::numeric_limits<double>::max(),
                              std::numeric_limits<double>::min(),
                              -123.456e-200});
  ExpectSameBytes(Transaction().Set("/n", numbers).Test("/n", numbers));
}

TEST(JournalFormTest, RandomTransactionsGiveTheSameBytes) {
  testing::RandomTransactions random(20261205);
  for (int i = 0; i < 3000; ++i) {
    const Transaction txn = random.Next();
    SCOPED_TRACE(DumpOrDie(txn));
    ExpectSameBytes(txn);
    // And they decode back to the same transaction.
    absl::StatusOr<std::string> encoded = EncodeJournalForm(txn);
    ASSERT_OK(encoded.status());
    absl::StatusOr<Json> parsed = ParseJson(*encoded, "journal form");
    ASSERT_OK(parsed.status());
    absl::StatusOr<Transaction> back = Transaction::FromJson(*parsed);
    ASSERT_OK(back.status());
    EXPECT_EQ(back->ToJson(), txn.ToJson());
  }
}

// Where the value of a one-operation transaction sits in its bytes: the
// text a store keeps for a member put (store/text_state.h).
TEST(JournalFormTest, SaysWhereTheOnlyValueIs) {
  const Json value = {
      {"s", "a\"b/c"}, {"n", {1, 2.5, -3}}, {"e", Json::object()}};
  for (const Transaction& txn :
       {Transaction().Set("/k", value), Transaction().Add("/a~1b/-", value),
        Transaction().Replace("/q\"q", value), Transaction().Test("", value),
        Transaction().Merge(value), Transaction().Set("/k", 1)}) {
    size_t value_at = 0;
    absl::StatusOr<std::string> encoded = EncodeJournalForm(txn, &value_at);
    ASSERT_OK(encoded.status());
    absl::StatusOr<std::string> dumped = DumpJson(txn.ops().front().value);
    ASSERT_OK(dumped.status());
    EXPECT_EQ(OnlyValueText(*encoded, value_at), *dumped) << *encoded;
  }
  // No value, or more than one operation: none.
  for (const Transaction& txn :
       {Transaction().Remove("/k"), Transaction().Move("/a", "/b"),
        Transaction().Set("/a", 1).Set("/b", 2),
        Transaction().Remove("/a").Set("/b", 2)}) {
    size_t value_at = 0;
    absl::StatusOr<std::string> encoded = EncodeJournalForm(txn, &value_at);
    ASSERT_OK(encoded.status());
    EXPECT_EQ(value_at, std::string::npos) << *encoded;
    EXPECT_EQ(OnlyValueText(*encoded, value_at), "");
  }
  // EncodeRecordPayload passes it on.
  size_t value_at = 0;
  absl::StatusOr<std::string> payload =
      EncodeRecordPayload(Transaction().Set("/k", value), 1 << 20, &value_at);
  ASSERT_OK(payload.status());
  EXPECT_EQ(OnlyValueText(*payload, value_at), *DumpJson(value));
}

TEST(FromJsonTest, TakingTheJsonDecodesAsCopyingIt) {
  testing::RandomTransactions random(7);
  for (int i = 0; i < 500; ++i) {
    const Json form = random.Next().ToJson();
    absl::StatusOr<Transaction> copied = Transaction::FromJson(form);
    absl::StatusOr<Transaction> taken = Transaction::FromJson(Json(form));
    ASSERT_OK(copied.status());
    ASSERT_OK(taken.status());
    EXPECT_EQ(taken->ToJson(), copied->ToJson());
  }
  // The other accepted forms, and the errors, are the same too.
  for (const char* text :
       {R"([{"op":"add","path":"/a","value":1}])", R"({"merge":{"a":null}})",
        R"({"ops":[{"op":"add","path":"/a"}]})", R"({"ops":[]})", R"(3)",
        R"({"ops":[{"op":"set","path":"/a","value":1}],"x":1})"}) {
    const Json json = Json::parse(text);
    absl::StatusOr<Transaction> copied = Transaction::FromJson(json);
    absl::StatusOr<Transaction> taken = Transaction::FromJson(Json(json));
    EXPECT_EQ(taken.status(), copied.status()) << text;
    if (copied.ok() && taken.ok()) {
      EXPECT_EQ(taken->ToJson(), copied->ToJson()) << text;
    }
  }
}

TEST(AppendValidatedJsonTest, RefusesWhatCannotBeWrittenInsteadOfThrowing) {
  std::string out;
  EXPECT_THAT(AppendValidatedJson(Json{{"a", std::nan("")}}, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("not finite")));
  out.clear();
  EXPECT_THAT(AppendValidatedJson(Json::binary({1, 2}), &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("binary")));
  Json deep = 0;
  for (int i = 0; i < kMaxNestingDepth + 1; ++i) deep = Json::array({deep});
  out.clear();
  EXPECT_THAT(AppendValidatedJson(deep, &out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("nested deeper than 256")));
}

}  // namespace
}  // namespace statelog::internal
