// tests/store/text_state_checks.h
//
// Checks the TextState tests share.

#ifndef STATELOG_TESTS_STORE_TEXT_STATE_CHECKS_H_
#define STATELOG_TESTS_STORE_TEXT_STATE_CHECKS_H_

#include <string>
#include <vector>

#include "store/text_state.h"
#include "tests/testing/test_util.h"
#include "txn/pointer_tokens.h"
#include "txn/slot.h"

namespace statelog::internal {

// Find against FindValue on the whole tree: the same value or the same
// error, after Prepare parsed what the pointer reaches into.
inline void ExpectFindsAsTheTree(TextState* state, const Json& tree,
                                 const std::string& pointer) {
  absl::StatusOr<std::vector<std::string>> tokens = SplitPointer(pointer);
  ASSERT_OK(tokens);
  ASSERT_OK(state->Prepare(*tokens));
  ASSERT_TRUE(state->Prepared(*tokens));
  absl::StatusOr<const Json*> got = state->Find(*tokens);
  absl::StatusOr<Json*> expected =
      FindValue(const_cast<Json*>(&tree), *tokens, tokens->size());
  ASSERT_EQ(got.status(), expected.status()) << pointer;
  if (got.ok()) {
    EXPECT_EQ(**got, **expected) << pointer;
  }
}

}  // namespace statelog::internal

#endif  // STATELOG_TESTS_STORE_TEXT_STATE_CHECKS_H_
