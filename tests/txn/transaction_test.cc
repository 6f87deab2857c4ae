// tests/txn/transaction_test.cc

#include "statelog/transaction.h"

#include <cmath>
#include <string>

#include "tests/testing/test_util.h"
#include "util/json_util.h"

namespace statelog {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Json NestedArray(int depth) {
  Json value = 0;
  for (int i = 0; i < depth; ++i) value = Json::array({std::move(value)});
  return value;
}

// One operation of every kind, in the order ToJson is tested with.
Transaction EveryKind() {
  Transaction txn;
  txn.Add("/a", 1)
      .Remove("/b")
      .Replace("/c", "x")
      .Move("/d", "/e")
      .Copy("/f", "/g")
      .Test("/h", nullptr)
      .Merge({{"i", nullptr}})
      .Set("/j/k", {1, 2})
      .Unset("/l");
  return txn;
}

// An Operation built by hand may carry a kind no builder makes.
TEST(TransactionValidateTest, AnUnknownOperationKindIsInvalidArgument) {
  Operation op;
  op.kind = static_cast<OpKind>(99);
  op.path = "/a";
  const absl::Status status = Transaction().Append(op).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find("unknown operation kind 99"),
            std::string::npos)
      << status;
}

TEST(TransactionTest, BuildersAppendOperationsInOrder) {
  Transaction txn = EveryKind();
  ASSERT_EQ(txn.ops().size(), 9u);
  EXPECT_FALSE(txn.empty());
  EXPECT_EQ(txn.ops()[0].kind, OpKind::kAdd);
  EXPECT_EQ(txn.ops()[0].path, "/a");
  EXPECT_EQ(txn.ops()[0].value, 1);
  EXPECT_EQ(txn.ops()[3].kind, OpKind::kMove);
  EXPECT_EQ(txn.ops()[3].from, "/d");
  EXPECT_EQ(txn.ops()[3].path, "/e");
  EXPECT_EQ(txn.ops()[6].kind, OpKind::kMerge);
  EXPECT_EQ(txn.ops()[6].path, "");
  EXPECT_EQ(txn.ops()[6].value, Json({{"i", nullptr}}));
  EXPECT_TRUE(Transaction().empty());
}

TEST(TransactionTest, OpKindNamesAreTheJsonNames) {
  EXPECT_STREQ(OpKindName(OpKind::kAdd), "add");
  EXPECT_STREQ(OpKindName(OpKind::kRemove), "remove");
  EXPECT_STREQ(OpKindName(OpKind::kReplace), "replace");
  EXPECT_STREQ(OpKindName(OpKind::kMove), "move");
  EXPECT_STREQ(OpKindName(OpKind::kCopy), "copy");
  EXPECT_STREQ(OpKindName(OpKind::kTest), "test");
  EXPECT_STREQ(OpKindName(OpKind::kMerge), "merge");
  EXPECT_STREQ(OpKindName(OpKind::kSet), "set");
  EXPECT_STREQ(OpKindName(OpKind::kUnset), "unset");
}

TEST(TransactionTest, ToJsonWritesTheJournalForm) {
  EXPECT_EQ(EveryKind().ToJson(), Json::parse(R"({"ops": [
      {"op": "add", "path": "/a", "value": 1},
      {"op": "remove", "path": "/b"},
      {"op": "replace", "path": "/c", "value": "x"},
      {"op": "move", "from": "/d", "path": "/e"},
      {"op": "copy", "from": "/f", "path": "/g"},
      {"op": "test", "path": "/h", "value": null},
      {"op": "merge", "value": {"i": null}},
      {"op": "set", "path": "/j/k", "value": [1, 2]},
      {"op": "unset", "path": "/l"}]})"));
}

TEST(TransactionTest, JournalFormRoundTrips) {
  Transaction txn = EveryKind();
  absl::StatusOr<Transaction> back = Transaction::FromJson(txn.ToJson());
  ASSERT_OK(back);
  EXPECT_EQ(back->ToJson(), txn.ToJson());
}

TEST(TransactionTest, FromJsonAcceptsAnRfc6902Patch) {
  absl::StatusOr<Transaction> txn = Transaction::FromJson(Json::parse(R"([
      {"op": "test", "path": "/n", "value": 4},
      {"op": "copy", "from": "/n", "path": "/m"}])"));
  ASSERT_OK(txn);
  ASSERT_EQ(txn->ops().size(), 2u);
  EXPECT_EQ(txn->ops()[0].kind, OpKind::kTest);
  EXPECT_EQ(txn->ops()[1].from, "/n");
  EXPECT_EQ(txn->ops()[1].path, "/m");
}

TEST(TransactionTest, FromJsonIgnoresMembersAnOperationDoesNotUse) {
  // RFC 6902 section 4 (and Appendix A.11).
  absl::StatusOr<Transaction> txn = Transaction::FromJson(Json::parse(
      R"([{"op": "add", "path": "/q", "value": 1, "from": "/x", "why": 2}])"));
  ASSERT_OK(txn);
  EXPECT_EQ(txn->ops()[0].from, "");
}

TEST(TransactionTest, FromJsonRefusesAPathOnAMerge) {
  // Ignored, it would merge at the root a patch meant for /p.
  EXPECT_THAT(Transaction::FromJson(Json::parse(
                  R"({"ops":[{"op":"merge","path":"/p","value":{"z":3}}]})")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("takes no \"path\" (got \"/p\")")));
  // The root's pointer says no more than no path.
  EXPECT_OK(Transaction::FromJson(
      Json::parse(R"([{"op":"merge","path":"","value":{"z":3}}])")));
}

TEST(TransactionTest, FromJsonAcceptsAMergePatchOfAnyType) {
  absl::StatusOr<Transaction> txn =
      Transaction::FromJson(Json::parse(R"({"merge": {"a": null}})"));
  ASSERT_OK(txn);
  ASSERT_EQ(txn->ops().size(), 1u);
  EXPECT_EQ(txn->ops()[0].kind, OpKind::kMerge);
  EXPECT_EQ(txn->ops()[0].value, Json({{"a", nullptr}}));
  // A non-object patch replaces the document (RFC 7386).
  EXPECT_OK(Transaction::FromJson(Json::parse(R"({"merge": null})")));
}

// RFC 6902: an empty patch is a patch, one that changes nothing.
TEST(TransactionTest, FromJsonTakesAnEmptyPatch) {
  for (const char* text : {"[]", R"({"ops": []})"}) {
    absl::StatusOr<Transaction> txn = Transaction::FromJson(Json::parse(text));
    ASSERT_OK(txn) << text;
    EXPECT_TRUE(txn->empty()) << text;
  }
}

TEST(TransactionTest, FromJsonRejectsOtherShapes) {
  for (const char* text :
       {"{}", "null", "\"add\"", "7", R"({"ops": {}})",
        R"({"ops": [], "merge": {}})", R"({"merge": {}, "seq": 1})",
        R"({"ops": [{"op": "add", "path": "/a", "value": 1}], "x": 0})",
        R"({"patch": []})"}) {
    EXPECT_THAT(
        Transaction::FromJson(Json::parse(text)),
        StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("transaction")))
        << text;
  }
}

TEST(TransactionTest, FromJsonNamesTheMalformedOperation) {
  struct Case {
    const char* ops;
    const char* message;
  };
  const Case cases[] = {
      {R"([{"op": "add", "path": "/a", "value": 1}, 3])",
       "op 1: expected an object, got a number"},
      {R"([{"path": "/a"}])", R"(op 0: member "op" is missing)"},
      {R"([{"op": 1, "path": "/a"}])",
       R"(op 0: member "op" is a number, not a string)"},
      {R"([{"op": "frobnicate", "path": "/a"}])",
       R"(op 0: unknown op "frobnicate")"},
      {R"([{"op": "ADD", "path": "/a", "value": 1}])",
       R"(op 0: unknown op "ADD")"},
      {R"([{"op": "remove"}])", R"(op 0 (remove): member "path" is missing)"},
      {R"([{"op": "remove", "path": ["a"]}])",
       R"(op 0 (remove): member "path" is an array, not a string)"},
      {R"([{"op": "add", "path": "/a"}])",
       R"(op 0 (add /a): member "value" is missing)"},
      {R"([{"op": "move", "path": "/a"}])",
       R"(op 0 (move /a): member "from" is missing)"},
      {R"([{"op": "copy", "path": "/a", "from": null}])",
       R"(op 0 (copy /a): member "from" is null, not a string)"},
      {R"([{"op": "merge"}])", R"(op 0 (merge): member "value" is missing)"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Transaction::FromJson(Json::parse(c.ops)),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message))
        << c.ops;
  }
}

TEST(TransactionTest, FromJsonAcceptsNullAsAValue) {
  EXPECT_OK(Transaction::FromJson(
      Json::parse(R"([{"op": "add", "path": "/a", "value": null}])")));
}

TEST(TransactionTest, FromJsonValidatesPointersAndValues) {
  EXPECT_THAT(Transaction::FromJson(Json::parse(
                  R"([{"op": "test", "path": "/a", "value": 1},
                      {"op": "remove", "path": "a"}])")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("op 1 (remove a): invalid JSON pointer")));
  Json ops = Json::array({{{"op", "add"}, {"path", "/a"}, {"value", NAN}}});
  EXPECT_THAT(Transaction::FromJson(ops),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "op 0 (add /a): value: number is not finite"));
}

TEST(TransactionTest, ValidateAcceptsWellFormedOperations) {
  EXPECT_OK(EveryKind().Validate());
  EXPECT_OK(Transaction().Add("", {{"whole", "doc"}}).Validate());
  EXPECT_OK(Transaction().Set("/~0~1/", 1).Validate());
}

TEST(TransactionTest, ValidateNamesOperationIndexKindAndPointer) {
  Transaction txn;
  txn.Test("/a", 1).Set("/b", 2).Replace("/a/b", {{"x", "bad\xff"}});
  EXPECT_THAT(txn.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "op 2 (replace /a/b): value at /x: string is not "
                       "valid UTF-8"));
}

TEST(TransactionTest, ValidateRejectsMalformedPointers) {
  for (const char* bad : {"a", "~2", "/~2", "/~", "/x/~3"}) {
    EXPECT_THAT(
        Transaction().Remove(bad).Validate(),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 AllOf(StartsWith(absl::StrCat("op 0 (remove ", bad, "): ")),
                       HasSubstr("invalid JSON pointer"))))
        << bad;
  }
  EXPECT_THAT(Transaction().Move("nope", "/a").Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("op 0 (move /a): from: invalid JSON pointer "
                                  "\"nope\"")));
}

TEST(TransactionTest, TheEmptyPointerIsTheWholeDocument) {
  EXPECT_OK(Transaction().Replace("", 1).Validate());
  EXPECT_THAT(Transaction().Replace("", NAN).Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       R"(op 0 (replace ""): value: number is not finite)"));
}

TEST(TransactionTest, ValidateRejectsInvalidUtf8InPointersAndValues) {
  absl::Status status = Transaction().Set("/k\xff", 1).Validate();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               StartsWith(R"(op 0 (set /k\xff): )")));
  EXPECT_THAT(Transaction().Merge({{"k\xfe", 1}}).Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("op 0 (merge): value: object key")));
}

TEST(TransactionTest, ValidateRejectsNonFiniteNumbers) {
  EXPECT_FALSE(Transaction().Add("/a", INFINITY).Validate().ok());
  EXPECT_FALSE(Transaction().Test("/a", {-INFINITY}).Validate().ok());
  EXPECT_FALSE(Transaction().Merge({{"a", {{"b", NAN}}}}).Validate().ok());
}

TEST(TransactionTest, ValueDepthCountsThePointerTokens) {
  // The value's containers plus one per token must fit in 256.
  EXPECT_OK(Transaction().Set("/a/b/c/d", NestedArray(252)).Validate());
  EXPECT_THAT(Transaction().Set("/a/b/c/d", NestedArray(253)).Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "op 0 (set /a/b/c/d): value: nesting deeper than 256 "
                       "levels (counting 4 levels above it)"));
}

// A pointer of more tokens than the limit said "counting 257 levels above
// it" whatever its length (headers audit, stop 23).
TEST(TransactionTest, APointerDeeperThanTheLimitIsSaidToBeSo) {
  std::string path;
  for (int i = 0; i < 300; ++i) path += "/a";
  EXPECT_THAT(Transaction().Set(path, 1).Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("nesting deeper than 256 levels (its pointer "
                                 "alone is deeper than that)")));
  // A pointer of exactly 256 tokens takes a scalar, not a container.
  path.resize(2 * 256);
  EXPECT_OK(Transaction().Set(path, 1).Validate());
  EXPECT_THAT(Transaction().Set(path, Json::object()).Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("counting 256 levels above it")));
}

TEST(TransactionTest, ValueDepthCountsTheJournalRecordAroundIt) {
  // {"ops":[{"value": ...}]} puts every value three levels down, so a value
  // at a shallower pointer is held to the same limit as one three deep.
  for (const char* path : {"", "/a", "/a/b", "/a/b/c"}) {
    EXPECT_OK(Transaction().Set(path, NestedArray(253)).Validate()) << path;
    EXPECT_FALSE(Transaction().Set(path, NestedArray(254)).Validate().ok())
        << path;
  }
  EXPECT_OK(Transaction().Merge(NestedArray(253)).Validate());
  EXPECT_FALSE(Transaction().Merge(NestedArray(254)).Validate().ok());
}

TEST(TransactionTest, EveryValidTransactionSurvivesTheJournalForm) {
  Transaction txn;
  txn.Set("", NestedArray(253))
      .Merge(NestedArray(253))
      .Add("/a/b/c/d/e", NestedArray(251))
      .Test("/k", "\u00e9\xf0\x9f\x98\x80");
  ASSERT_OK(txn.Validate());
  absl::StatusOr<std::string> text = internal::DumpJson(txn.ToJson());
  ASSERT_OK(text);
  absl::StatusOr<Json> parsed = internal::ParseJson(*text, "record");
  ASSERT_OK(parsed);
  absl::StatusOr<Transaction> back = Transaction::FromJson(*parsed);
  ASSERT_OK(back);
  EXPECT_EQ(back->ToJson(), txn.ToJson());
}

TEST(TransactionTest, APointerDeeperThanTheLimitCannotHoldAValue) {
  std::string deep;
  for (int i = 0; i < kMaxNestingDepth + 1; ++i) deep += "/k";
  EXPECT_FALSE(Transaction().Set(deep, 1).Validate().ok());
  EXPECT_OK(Transaction().Set(deep.substr(2), 1).Validate());
}

// Append takes any operation the builders make, and makes the same one:
// members its kind does not use are dropped, as the builders leave them.
TEST(TransactionTest, AppendMakesWhatTheBuildersMake) {
  const Json v = {{"k", 1}};
  Transaction built;
  built.Add("/a", v)
      .Remove("/b")
      .Replace("/c", v)
      .Move("/d", "/e")
      .Copy("/f", "/g")
      .Test("/h", v)
      .Merge(v)
      .Set("/i", v)
      .Unset("/j");
  Transaction appended;
  for (const Operation& op : built.ops()) {
    // Every member filled in, used or not.
    appended.Append(Operation{op.kind, op.path.empty() ? "/x" : op.path,
                              op.from.empty() ? "/y" : op.from,
                              op.value.is_null() ? Json(7) : op.value});
  }
  ASSERT_EQ(appended.ops().size(), built.ops().size());
  for (size_t i = 0; i < built.ops().size(); ++i) {
    const Operation& a = appended.ops()[i];
    const Operation& b = built.ops()[i];
    EXPECT_EQ(a.kind, b.kind) << i;
    EXPECT_EQ(a.path, b.path) << i;
    EXPECT_EQ(a.from, b.from) << i;
    EXPECT_EQ(a.value, b.value) << i;
  }
  EXPECT_EQ(appended.ToJson(), built.ToJson());
  EXPECT_OK(appended.Validate());
}

}  // namespace
}  // namespace statelog
