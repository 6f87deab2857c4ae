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

// Readers that take no lock ask whether a writer holds LOCK now
// (recovery/beside_writer.h); the answer comes from /proc/locks.
TEST(PosixEnvTest, MayBeLockedWhileAndOnlyWhileTheLockIsHeld) {
  ScratchDir tmp;
  Env* env = Env::Default();
  const std::string path = tmp.Sub("LOCK");
  EXPECT_FALSE(env->MayBeLocked(path));  // no such file
  {
    absl::StatusOr<std::unique_ptr<FileLock>> lock =
        env->LockFile(path, "test");
    ASSERT_TRUE(lock.ok()) << lock.status();
    EXPECT_TRUE(env->MayBeLocked(path));
  }
  EXPECT_FALSE(env->MayBeLocked(path));  // released, file still there
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

// WriteBack (sync_file_range) leaves the bytes as written, and an error
// from it names the file and the offset.
TEST(PosixEnvTest, WriteBackKeepsTheBytesAndNamesTheFileOnError) {
  ScratchDir scratch;
  const std::string path = scratch.Sub("streamed");
  absl::StatusOr<std::unique_ptr<File>> file =
      Env::Default()->OpenFile(path, Env::OpenMode::kCreateExclusive);
  ASSERT_OK(file);
  const std::string bytes = Pattern((size_t{1} << 20) + 77);
  ASSERT_OK((*file)->Write(0, bytes));
  ASSERT_OK((*file)->WriteBack(0, bytes.size()));
  ASSERT_OK((*file)->WriteBack(4096, 100));  // any range, aligned or not
  std::string back;
  ASSERT_OK((*file)->Read(0, bytes.size(), &back));
  EXPECT_TRUE(back == bytes);
  ASSERT_OK((*file)->Close());
  EXPECT_THAT((*file)->WriteBack(8192, 10),
              StatusIs(absl::StatusCode::kInternal,
                       ::testing::AllOf(::testing::HasSubstr(path),
                                        ::testing::HasSubstr("offset 8192"))));
}

}  // namespace
}  // namespace statelog
