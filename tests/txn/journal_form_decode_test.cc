// tests/txn/journal_form_decode_test.cc
//
// DecodeJournalFormFast decides only what the general path (ParseJson, then
// Transaction::FromJson, which validates) decides the same way: it must
// decode every record this build writes, build exactly the transaction the
// general path builds, and give up on anything else, damaged or merely
// written another way, so that the general path gives the verdict.

#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include "recovery/recovery.h"
#include "statelog/transaction.h"
#include "tests/testing/json_scan_properties.h"
#include "tests/testing/random_transactions.h"
#include "tests/testing/test_util.h"
#include "txn/journal_form.h"
#include "txn/op_kind.h"
#include "txn/pointer_tokens.h"
#include "util/json_util.h"

namespace statelog::internal {
namespace {

absl::StatusOr<Transaction> DecodeGenerally(absl::string_view payload) {
  absl::StatusOr<Json> json = ParseJson(payload, "payload");
  if (!json.ok()) return json.status();
  return Transaction::FromJson(std::move(*json));
}

std::string Encode(const Transaction& txn) {
  absl::StatusOr<std::string> encoded = EncodeJournalForm(txn);
  EXPECT_OK(encoded.status());
  return encoded.ok() ? *encoded : "";
}

// If the fast decoder takes `payload`, the general path takes it too and
// builds the same transaction. Returns whether the fast decoder took it.
bool ExpectFastAgrees(absl::string_view payload) {
  Transaction fast;
  if (!DecodeJournalFormFast(payload, &fast)) return false;
  absl::StatusOr<Transaction> general = DecodeGenerally(payload);
  EXPECT_OK(general.status()) << "the fast decoder took what the general "
                                 "path refuses: "
                              << payload;
  if (general.ok()) {
    EXPECT_TRUE(testing::SameOperations(fast, *general)) << payload;
  }
  return true;
}

TEST(DecodeJournalFormFastTest, DecodesEveryRandomTransactionAsTheGeneralPath) {
  testing::RandomTransactions random(20261206);
  for (int i = 0; i < 3000; ++i) {
    const std::string payload = Encode(random.Next());
    SCOPED_TRACE(payload);
    EXPECT_TRUE(ExpectFastAgrees(payload));
  }
}

TEST(DecodeJournalFormFastTest, NumbersGetTheTypesParsingGives) {
  // Unsigned when not negative, signed when negative, double with a
  // fraction or exponent, as nlohmann's parser types them.
  const Transaction txn = Transaction().Set(
      "/n", Json::array({0, -1, -0.0, 1.0, 18446744073709551615u,
                         -9223372036854775807 - 1, 1e300, 0.1}));
  const std::string payload = Encode(txn);
  Transaction fast;
  ASSERT_TRUE(DecodeJournalFormFast(payload, &fast)) << payload;
  ASSERT_EQ(fast.ops().size(), 1u);
  const Json& n = fast.ops()[0].value;
  EXPECT_EQ(n, txn.ops()[0].value);
  EXPECT_TRUE(n[0].is_number_unsigned());
  EXPECT_TRUE(n[1].is_number_integer() && !n[1].is_number_unsigned());
  EXPECT_TRUE(n[2].is_number_float() && std::signbit(n[2].get<double>()));
  EXPECT_TRUE(n[3].is_number_float());
  EXPECT_EQ(n[4].get<uint64_t>(), 18446744073709551615u);
  EXPECT_EQ(n[5].get<int64_t>(), -9223372036854775807 - 1);
  EXPECT_TRUE(n[6].is_number_float() && n[7].is_number_float());
  EXPECT_TRUE(ExpectFastAgrees(payload));
}

TEST(DecodeJournalFormFastTest, DamagedCopiesAreNeverDecodedDifferently) {
  testing::RandomTransactions random(99);
  std::mt19937 rng(4);
  int taken = 0;
  int total = 0;
  for (int i = 0; i < 600; ++i) {
    const std::string payload = Encode(random.Next());
    for (int d = 0; d < 12; ++d) {
      std::string damaged = payload;
      const size_t at = rng() % damaged.size();
      switch (rng() % 4) {
        case 0:
          damaged[at] = static_cast<char>(rng());
          break;
        case 1:
          damaged.erase(at, 1 + rng() % 3);
          break;
        case 2:
          damaged.insert(at, 1, "\"\\{}[],: 0e-~/\x80"[rng() % 15]);
          break;
        default:
          damaged.resize(at);
          break;
      }
      ++total;
      if (ExpectFastAgrees(damaged)) ++taken;
    }
  }
  // Most damage leaves no valid record; some (a digit for a digit) does.
  EXPECT_LT(taken, total / 2);
}

TEST(DecodeJournalFormFastTest, LeavesOtherLayoutsToTheGeneralPath) {
  for (const char* payload :
       {// Valid transactions, but not as EncodeJournalForm writes them.
        R"({"ops": [{"op":"set","path":"/a","value":1}]})",
        R"({"ops":[{"path":"/a","op":"set","value":1}]})",
        R"({"ops":[{"op":"set","path":"/a","value":1,"x":2}]})",
        R"({"ops":[{"op":"remove","path":"/a","value":1}]})",
        R"({"ops":[{"from":"/b","op":"set","path":"/a","value":1}]})",
        R"({"ops":[{"op":"set","p\u0061th":"/a","value":1}]})",
        R"({"ops":[{"op":"s\u0065t","path":"/a","value":1}]})",
        R"([{"op":"set","path":"/a","value":1}])", R"({"merge":{"a":1}})",
        R"({"ops":[{"op":"set","path":"/a","value":1}]} )",
        // Not transactions at all, or invalid ones.
        R"({"ops":[]})", R"({"ops":[{"op":"set","path":"a","value":1}]})",
        R"({"ops":[{"op":"set","path":"/~2","value":1}]})",
        R"({"from":"/~","op":"move","path":"/a"})",
        R"({"ops":[{"from":"/~","op":"move","path":"/a"}]})",
        R"({"ops":[{"op":"frob","path":"/a"}]})",
        R"({"ops":[{"op":"set","path":"/a","value":1e999}]})",
        R"({"ops":[{"op":"set","path":"/a","value":"\ud800"}]})",
        R"({"ops":[{"op":"set","path":"/a","value":1}]}x)", ""}) {
    Transaction txn;
    EXPECT_FALSE(DecodeJournalFormFast(payload, &txn)) << payload;
  }
  // The valid ones still replay, through the general path.
  absl::StatusOr<Transaction> txn =
      DecodeRecordPayload(R"({"ops": [{"op":"set","path":"/a","value":1}]})");
  ASSERT_OK(txn.status());
  EXPECT_EQ(txn->ToJson(), Transaction().Set("/a", 1).ToJson());
}

// A value `levels` containers deep: [[...[0]...]].
Json Nested(int levels) {
  Json value = 0;
  for (int i = 0; i < levels; ++i) value = Json::array({value});
  return value;
}

std::string PointerOfDepth(int tokens) {
  return JoinPointer(std::vector<std::string>(tokens, "k"), tokens);
}

TEST(DecodeJournalFormFastTest, NestingLimitIsTheGeneralPathsToTheLevel) {
  // The value sits under max(pointer depth, 3) levels; with it, at most
  // kMaxNestingDepth. Build the payloads by hand: Validate would refuse to
  // encode the ones one level too deep.
  for (int pointer_depth : {0, 1, 3, 4, 10, kMaxNestingDepth - 1,
                            kMaxNestingDepth, kMaxNestingDepth + 1}) {
    const int above = std::max(pointer_depth, 3);
    for (int levels :
         {kMaxNestingDepth - above, kMaxNestingDepth - above + 1}) {
      if (levels < 0) continue;
      std::string payload = R"({"ops":[{"op":"set","path":)";
      AppendJsonString(PointerOfDepth(pointer_depth), &payload);
      payload += R"(,"value":)" + Nested(levels).dump() + "}]}";
      SCOPED_TRACE(absl::StrCat("pointer depth ", pointer_depth, ", value ",
                                levels, " levels"));
      Transaction fast;
      const bool decoded = DecodeJournalFormFast(payload, &fast);
      const absl::StatusOr<Transaction> general = DecodeGenerally(payload);
      EXPECT_EQ(decoded, general.ok()) << general.status();
      EXPECT_EQ(decoded, above + levels <= kMaxNestingDepth);
    }
  }
  // Without a value, a pointer of any depth is fine.
  const std::string remove =
      Encode(Transaction().Remove(PointerOfDepth(kMaxNestingDepth + 5)));
  EXPECT_TRUE(ExpectFastAgrees(remove));
}

// If PeekMemberPut takes `payload`, the fast decoder takes it too, as one
// set or add of the same pointer whose value is what the value text parses
// to. Returns whether PeekMemberPut took it.
bool ExpectPeekAgrees(absl::string_view payload) {
  MemberPutText put;
  if (!PeekMemberPut(payload, &put)) return false;
  Transaction fast;
  EXPECT_TRUE(DecodeJournalFormFast(payload, &fast)) << payload;
  EXPECT_TRUE(ExpectFastAgrees(payload));
  if (fast.ops().size() != 1) {
    ADD_FAILURE() << "not one operation: " << payload;
    return true;
  }
  const Operation& op = fast.ops()[0];
  EXPECT_TRUE(op.kind == OpKind::kSet || op.kind == OpKind::kAdd) << payload;
  EXPECT_EQ(op.path, put.path);
  absl::StatusOr<Json> parsed = ParseJson(put.value_text, "value");
  EXPECT_OK(parsed.status()) << payload;
  if (parsed.ok()) {
    EXPECT_EQ(op.value, *parsed) << payload;
  }
  return true;
}

TEST(PeekMemberPutTest, TakesOneWholeMemberPutWithTheValueAsWritten) {
  const Json value = {{"note", "é \"q\" \u0001"}, {"n", -0.0}, {"l", {1, 2.5}}};
  for (const Transaction& txn :
       {Transaction().Set("/k", value), Transaction().Add("/k", 1),
        Transaction().Set("/a~1b", "s"), Transaction().Set("/m~0n", nullptr),
        Transaction().Set("/", Json::object())}) {
    const std::string payload = Encode(txn);
    SCOPED_TRACE(payload);
    MemberPutText put;
    ASSERT_TRUE(PeekMemberPut(payload, &put));
    EXPECT_EQ(put.path, txn.ops()[0].path);
    // The bytes a dump of the value gives: what compaction would write.
    absl::StatusOr<std::string> dumped = DumpJson(txn.ops()[0].value);
    ASSERT_OK(dumped.status());
    EXPECT_EQ(put.value_text, *dumped);
    EXPECT_TRUE(ExpectPeekAgrees(payload));
  }
  // Anything else is left to decoding and applying.
  for (const Transaction& txn :
       {Transaction().Replace("/k", 1), Transaction().Remove("/k"),
        Transaction().Unset("/k"), Transaction().Set("/k/x", 1),
        Transaction().Set("", 1), Transaction().Set("/k", 1).Set("/j", 2),
        Transaction().Merge({{"k", 1}}), Transaction().Test("/k", 1)}) {
    MemberPutText put;
    EXPECT_FALSE(PeekMemberPut(Encode(txn), &put)) << Encode(txn);
  }
  for (
      const char* payload :
      {R"({"ops":[{"op":"set","path":"/a","value": 1}]})",
       R"({"ops":[{"op":"set","path":"/a","value":1 }]})",
       R"({"ops":[{"op":"set","path":"/a","value":1}]} )",
       R"({"ops":[{"op":"set","path":"/a","value":1}, {"op":"set","path":"/b","value":2}]})",
       R"({"ops":[{"op":"set","path":"/a","value":1},{"op":"set","path":"/b","value":2}]})",
       R"({"ops":[{"op":"set","path":"/a","value":[1}]}]})",
       R"({"ops":[{"op":"set","path":"/a","value":1e999}]})",
       R"({"ops":[{"op":"set","path":"/a","value":"\ud800"}]})",
       R"({"ops":[{"op":"set","path":"/~2","value":1}]})",
       R"({"ops":[{"op":"set","path":"a","value":1}]})", "}]}", ""}) {
    MemberPutText put;
    EXPECT_FALSE(PeekMemberPut(payload, &put)) << payload;
  }
}

TEST(PeekMemberPutTest, NestingLimitIsTheFastDecodersToTheLevel) {
  for (int levels : {kMaxNestingDepth - 3, kMaxNestingDepth - 2}) {
    std::string payload = R"({"ops":[{"op":"set","path":"/k","value":)";
    payload += Nested(levels).dump() + "}]}";
    Transaction fast;
    MemberPutText put;
    EXPECT_EQ(PeekMemberPut(payload, &put),
              DecodeJournalFormFast(payload, &fast))
        << levels;
    EXPECT_EQ(PeekMemberPut(payload, &put), levels == kMaxNestingDepth - 3);
  }
}

TEST(PeekMemberPutTest, RandomAndDamagedRecordsAreNeverTakenDifferently) {
  testing::RandomTransactions random(7);
  std::mt19937 rng(11);
  int taken = 0;
  for (int i = 0; i < 600; ++i) {
    Transaction txn = random.Next();
    // Half of them one whole-member put, the usual record, with the value
    // of the first operation that has one.
    if (i % 2 == 0) {
      Json value = i;
      for (const Operation& op : txn.ops()) {
        if (HasValue(op.kind)) {
          value = op.value;
          break;
        }
      }
      txn = Transaction().Set("/k" + std::to_string(i % 7), value);
    }
    const std::string payload = Encode(txn);
    if (ExpectPeekAgrees(payload)) ++taken;
    for (int d = 0; d < 8; ++d) {
      std::string damaged = payload;
      const size_t at = rng() % damaged.size();
      if (rng() % 2 == 0) {
        damaged[at] = "\"\\{}[],: 0e-~/\x80"[rng() % 15];
      } else {
        damaged.erase(at, 1 + rng() % 3);
      }
      ExpectPeekAgrees(damaged);
    }
    if (HasFailure()) return;
  }
  EXPECT_GT(taken, 250);
}

TEST(PointerDepthTest, AgreesWithSplitPointer) {
  for (const char* pointer :
       {"", "/", "//", "/a", "/a/b", "/a~0b", "/a~1b/~0", "a", "/~", "/~2",
        "/a~", "/a~/b", "~0", "/\xff", "/é/😀", "/0/-"}) {
    const absl::StatusOr<std::vector<std::string>> split =
        SplitPointer(pointer);
    const std::optional<size_t> depth = PointerDepth(pointer);
    EXPECT_EQ(depth.has_value(), split.ok()) << pointer;
    if (depth.has_value() && split.ok()) {
      EXPECT_EQ(*depth, split->size()) << pointer;
    }
  }
}

}  // namespace
}  // namespace statelog::internal
