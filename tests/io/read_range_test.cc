// tests/io/read_range_test.cc
//
// ReadRange: the bytes of a file range in bounded pieces (the journal
// tail's rewrite at open and a snapshot's read-back check use it).

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "io/atomic_file.h"
#include "statelog/env.h"
#include "tests/testing/mem_env.h"
#include "tests/testing/test_util.h"

namespace statelog::internal {
namespace {

using ::testing::HasSubstr;

class ReadRangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_.resize(600 << 10);
    for (size_t i = 0; i < bytes_.size(); ++i) {
      bytes_[i] = static_cast<char>((i * 131 + i / 4099) & 0xFF);
    }
    ASSERT_OK(WriteFileAtomically(&env_, "/", "f", {bytes_}));
    absl::StatusOr<std::unique_ptr<File>> file =
        env_.OpenFile("/f", Env::OpenMode::kRead);
    ASSERT_OK(file);
    file_ = std::move(*file);
  }

  testing::MemEnv env_;
  std::string bytes_;
  std::unique_ptr<File> file_;
};

TEST_F(ReadRangeTest, GivesTheRangeInBoundedPieces) {
  std::vector<std::string> pieces;
  ASSERT_OK(ReadRange(file_.get(), 100, bytes_.size(), "f", "the data",
                      [&](absl::string_view piece) {
                        pieces.emplace_back(piece);
                        return absl::OkStatus();
                      }));
  ASSERT_EQ(pieces.size(), 3u);
  std::string all;
  for (const std::string& piece : pieces) {
    EXPECT_LE(piece.size(), size_t{256} << 10);
    all += piece;
  }
  EXPECT_TRUE(all == bytes_.substr(100));
  // An empty range gives nothing.
  pieces.clear();
  ASSERT_OK(ReadRange(file_.get(), 7, 7, "f", "the data",
                      [&](absl::string_view piece) {
                        pieces.emplace_back(piece);
                        return absl::OkStatus();
                      }));
  EXPECT_TRUE(pieces.empty());
}

TEST_F(ReadRangeTest, AFileThatEndsFirstIsDataLossNamingWhereItEnded) {
  size_t given = 0;
  const absl::Status status =
      ReadRange(file_.get(), 0, bytes_.size() + 10, "f", "the data",
                [&](absl::string_view piece) {
                  given += piece.size();
                  return absl::OkStatus();
                });
  // The last piece starts at 512 KiB and comes up short.
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss,
                               HasSubstr("f: short read of the data at "
                                         "offset 524288")));
  EXPECT_EQ(given, size_t{512} << 10);
}

TEST_F(ReadRangeTest, StopsAtTheSinksFirstError) {
  int calls = 0;
  const absl::Status status = ReadRange(
      file_.get(), 0, bytes_.size(), "f", "the data", [&](absl::string_view) {
        return ++calls == 2 ? absl::UnavailableError("sink full")
                            : absl::OkStatus();
      });
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("sink full")));
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace statelog::internal
