// tests/store/out_of_memory_parse_test.cc
//
// Running out of memory while a large value is parsed is an error, not the
// end of the process. Near a memory limit small allocations still succeed
// and large ones fail; nlohmann's destructor of a container allocates room
// for all its children, so dropping a half-built tree of many members
// threw inside a destructor and aborted (verify and recovery of a record
// larger than the memory left did, under `ulimit -v`). Here in store_test,
// which has the allocation hooks (tests/testing/allocation_hooks.h): one
// allocation part way through fails, and every large one after it.

#include <string>

#include "absl/strings/str_cat.h"
#include "recovery/recovery.h"
#include "tests/testing/allocation_hooks.h"
#include "tests/testing/test_util.h"
#include "txn/apply.h"
#include "txn/journal_form.h"
#include "util/json_util.h"

namespace statelog::internal {
namespace {

using ::statelog::testing::FailAllocationIn;
using ::statelog::testing::FailAllocationsOver;

// {"k0":[0,1,{"x":"..."}],...}: many members, each a small tree, so that a
// half-built copy has thousands of members and nested containers.
std::string ManyMembers(int n) {
  std::string text = "{";
  for (int i = 0; i < n; ++i) {
    absl::StrAppend(&text, i == 0 ? "" : ",", "\"k", i, "\":[", i, ",", i + 1,
                    ",{\"x\":\"", std::string(20, 'a' + i % 26), "\"}]");
  }
  return text + "}";
}

// Runs `parse` with the `nth` allocation failing and every allocation over
// 4 KiB failing from the start (the tree's own allocations are all small);
// returns what it returned.
template <typename Parse>
absl::Status ParseNearTheLimit(int nth, const Parse& parse) {
  FailAllocationsOver(4096);
  FailAllocationIn(nth);
  absl::Status status = parse();
  FailAllocationIn(0);
  FailAllocationsOver(0);
  return status;
}

TEST(OutOfMemoryParseTest, AHalfBuiltValueIsDroppedWithoutAborting) {
  const std::string text = ManyMembers(20000);
  for (int nth : {1000, 30000, 90000}) {
    SCOPED_TRACE(nth);
    absl::Status fast =
        ParseNearTheLimit(nth, [&] { return ParseJson(text, "big").status(); });
    EXPECT_EQ(fast.code(), absl::StatusCode::kResourceExhausted) << fast;
    absl::Status slow = ParseNearTheLimit(
        nth, [&] { return ParseJsonWithNlohmann(text, "big").status(); });
    EXPECT_EQ(slow.code(), absl::StatusCode::kResourceExhausted) << slow;
  }
  // With memory back, the same text parses.
  absl::StatusOr<Json> parsed = ParseJson(text, "big");
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->size(), 20000u);
}

TEST(OutOfMemoryParseTest, ARecordWithLargeValuesFailsToDecodeWithoutAborting) {
  const Json big = Json::parse(ManyMembers(5000));
  const std::string payload =
      EncodeJournalForm(Transaction().Set("/a", big).Set("/b", big)).value();
  for (int nth : {2000, 30000, 45000}) {  // in the first value, the second
    SCOPED_TRACE(nth);
    absl::Status decoded = ParseNearTheLimit(
        nth, [&] { return DecodeRecordPayload(payload).status(); });
    EXPECT_EQ(decoded.code(), absl::StatusCode::kResourceExhausted) << decoded;
  }
  absl::StatusOr<Transaction> txn = DecodeRecordPayload(payload);
  ASSERT_OK(txn);
  EXPECT_EQ(txn->ops().size(), 2u);
}

// A merge patch applied with Values::kMoveWithMerges (replay) moves its
// values into the state: a copy of a large array needs one allocation of
// its size, which near a memory limit fails.
TEST(OutOfMemoryParseTest, AMergePatchGivenUpIsMovedNotCopied) {
  Json big = Json::array();
  for (int i = 0; i < 20000; ++i) big.push_back(i);
  Transaction txn;
  txn.Merge(Json{{"big", big}, {"gone", nullptr}, {"o", {{"n", nullptr}}}});
  Json state = {{"gone", 1}, {"kept", 2}};
  FailAllocationsOver(4096);  // the array's 320 KB could not be copied
  const absl::Status applied = ApplyTransaction(
      txn, &state, Validation::kAlreadyValidated, Values::kMoveWithMerges);
  FailAllocationsOver(0);
  ASSERT_OK(applied);
  EXPECT_EQ(state, (Json{{"big", big}, {"kept", 2}, {"o", Json::object()}}));
  // Copied when the transaction stays the caller's.
  Json copy_state = Json::object();
  txn = Transaction().Merge(Json{{"big", big}});
  ASSERT_OK(ApplyTransaction(txn, &copy_state, Validation::kAlreadyValidated,
                             Values::kCopy));
  EXPECT_EQ(txn.ops()[0].value.at("big"), big);
}

// The release itself, on values of every shape, one deeper than the
// containers it remembers on its way down (kMaxNestingDepth + 32).
TEST(OutOfMemoryParseTest, ReleaseWithoutAllocatingEmptiesAnyValue) {
  Json deep = 1;
  for (int i = 0; i < 400; ++i) {
    deep = i % 2 == 0 ? Json::array({deep, i, Json::object()})
                      : Json{{"a", deep}, {"b", "s"}};
  }
  for (Json value : {Json(), Json(3), Json("text"), Json::array(),
                     Json::parse(ManyMembers(100)), deep}) {
    FailAllocationsOver(1);  // nothing of any size may be allocated
    FailAllocationIn(1);
    ReleaseWithoutAllocating(&value);
    const bool allocated = testing::AllocationFailed();
    FailAllocationIn(0);
    FailAllocationsOver(0);
    EXPECT_FALSE(allocated);
    EXPECT_TRUE(value.is_null());
  }
}

}  // namespace
}  // namespace statelog::internal
