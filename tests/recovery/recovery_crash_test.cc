// tests/recovery/recovery_crash_test.cc
//
// Recovery is idempotent and safe to crash in: a power cut at every
// mutating step of a recovery that has a torn tail to quarantine, followed
// by a second recovery, gives the same state and loses no evidence.

#include <string>

#include "journal/format.h"
#include "statelog/store.h"
#include "tests/testing/mem_env.h"
#include "tests/testing/test_util.h"
#include "util/file_names.h"

namespace statelog {
namespace {

using ::statelog::testing::MemEnv;

TEST(RecoveryCrashTest, PowerCutAtEveryStepOfRecoveryThenRecoverAgain) {
  MemEnv base;
  Json expected;
  {
    Options o;
    o.create_if_missing = true;
    o.env = &base;
    o.segment_bytes = 8192;
    auto r = Store::Open("/s", o);
    ASSERT_OK(r);
    for (int i = 1; i <= 5; ++i) {
      ASSERT_OK(r->store->Apply(Transaction().Set("/i", i)));
      if (i == 4) expected = *r->store->Get("");
    }
  }
  // Tear the last record: flip a byte near the end of its payload.
  const std::string segment = "/s/" + internal::SegmentFileName(1);
  std::string data;
  ASSERT_TRUE(base.GetFile(segment, &data));
  size_t end = data.find_last_not_of('\0');
  ASSERT_NE(end, std::string::npos);
  data[end] ^= 0x20;
  base.PutFile(segment, data);

  int crashes = 0;
  for (int crash_at = 0;; ++crash_at) {
    std::unique_ptr<MemEnv> env = base.CrashImage();
    int ops = 0;
    env->set_fault_hook([&](const std::string& op, const std::string&) {
      if (op == "read") return absl::OkStatus();
      if (ops++ == crash_at) return absl::InternalError("power cut");
      return absl::OkStatus();
    });
    Options o;
    o.env = env.get();
    absl::StatusOr<OpenResult> first = Store::Open("/s", o);
    const bool finished = first.ok();
    if (first.ok()) first->store.reset();
    std::unique_ptr<MemEnv> after = env->CrashImage();
    env->set_fault_hook(nullptr);

    Options again;
    again.env = after.get();
    absl::StatusOr<OpenResult> second = Store::Open("/s", again);
    ASSERT_OK(second) << "power cut at mutating step " << crash_at;
    EXPECT_EQ(second->store->LastSeq(), 4u) << crash_at;
    EXPECT_EQ(*second->store->Get(""), expected) << crash_at;
    // The torn bytes are in quarantine/ after one of the two recoveries.
    absl::StatusOr<std::vector<std::string>> q =
        after->ListDir("/s/quarantine");
    ASSERT_OK(q) << crash_at;
    EXPECT_FALSE(q->empty()) << crash_at;
    if (finished) break;
    ++crashes;
  }
  EXPECT_GE(crashes, 5);
}

}  // namespace
}  // namespace statelog
