// tests/io/posix_env_test.cc

#include <unistd.h>

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "statelog/env.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::testing::ScratchDir;
using ::statelog::testing::WriteFileOrDie;

std::string Pattern(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>((i * 131 + i / 4099) & 0xFF);
  }
  return bytes;
}

TEST(PosixEnvTest, ReadsALargeFileIntoMemoryOfItsOwn) {
  ScratchDir scratch;
  const std::string path = scratch.Sub("big");
  const std::string bytes = Pattern((size_t{5} << 20) + 123);
  WriteFileOrDie(path, bytes);
  absl::StatusOr<std::unique_ptr<FileContents>> contents =
      Env::Default()->ReadWhole(path);
  ASSERT_OK(contents);
  EXPECT_TRUE((*contents)->private_copy());
  // Truncating the file would make a mapping fault; a copy reads on.
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  EXPECT_TRUE((*contents)->data() == bytes);
}

TEST(PosixEnvTest, MapsASmallFile) {
  ScratchDir scratch;
  const std::string path = scratch.Sub("small");
  const std::string bytes = Pattern(10000);
  WriteFileOrDie(path, bytes);
  absl::StatusOr<std::unique_ptr<FileContents>> contents =
      Env::Default()->ReadWhole(path);
  ASSERT_OK(contents);
  EXPECT_FALSE((*contents)->private_copy());
  EXPECT_TRUE((*contents)->data() == bytes);
}

TEST(PosixEnvTest, ReadsAnEmptyFile) {
  ScratchDir scratch;
  const std::string path = scratch.Sub("empty");
  WriteFileOrDie(path, "");
  absl::StatusOr<std::unique_ptr<FileContents>> contents =
      Env::Default()->ReadWhole(path);
  ASSERT_OK(contents);
  EXPECT_TRUE((*contents)->data().empty());
}

}  // namespace
}  // namespace statelog
