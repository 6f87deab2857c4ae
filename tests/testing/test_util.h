// tests/testing/test_util.h
//
// Shared test helpers: status matchers (this Abseil version has none) and
// scratch directories that clean up after themselves, opening a store.

#ifndef STATELOG_TESTS_TESTING_TEST_UTIL_H_
#define STATELOG_TESTS_TESTING_TEST_UTIL_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "statelog/store.h"

namespace statelog::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// A fresh directory under $TMPDIR (or /tmp), removed with its contents when
// the object dies.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Store::Open; on failure records a test failure and returns null.
std::unique_ptr<Store> OpenOrDie(const std::string& dir, const Options& o);

std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& data);

// Changes the header of the snapshot file at `path` with `edit` and seals it
// again (header_xxh3 recomputed), as a writer that means the change would:
// a newer format's snapshot, say, as opposed to damage.
void EditSnapshotHeader(const std::string& path,
                        const std::function<void(Json*)>& edit);

// Commits Set("/w", i) for i = 0, 1, ... to `store` on a thread of its own,
// as fast as the store takes them, until Stop() (or destruction). The
// constructor returns once three have committed, so that what the test
// does next meets commits from its start (compaction pacing). A failed
// commit is a test failure and ends the thread.
class BackgroundWriter {
 public:
  explicit BackgroundWriter(Store* store);
  ~BackgroundWriter() { Stop(); }
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;
  int committed() const { return committed_.load(); }
  void Stop();

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> committed_{0};
  std::thread thread_;
};

}  // namespace statelog::testing

// Matches an OK Status or StatusOr, printing the error otherwise.
MATCHER(IsOk, "is OK") {
  const absl::Status& s = ::statelog::testing::GetStatus(arg);
  *result_listener << "status is " << s;
  return s.ok();
}

#define EXPECT_OK(expr) EXPECT_THAT(expr, IsOk())
#define ASSERT_OK(expr) ASSERT_THAT(expr, IsOk())

// Matches a Status or StatusOr whose code is `code` and whose message
// matches `message_matcher`.
MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code) +
               " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& s = ::statelog::testing::GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code &&
         ::testing::Value(std::string(s.message()), message_matcher);
}

#endif  // STATELOG_TESTS_TESTING_TEST_UTIL_H_
