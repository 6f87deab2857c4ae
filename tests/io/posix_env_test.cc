// tests/io/posix_env_test.cc

#include <fcntl.h>
#include <sys/stat.h>
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

// In a process started with stdout closed, a store file must not become
// descriptor 1, where anything printed would land in it: /dev/null takes
// that number, and the file works through another.
TEST(PosixEnvTest, AStoreFileIsNeverDescriptorOneEvenWhenStdoutIsClosed) {
  ScratchDir tmp;
  const std::string path = tmp.Sub("f");
  std::fflush(stdout);
  const int saved = ::dup(1);
  ASSERT_GE(saved, 0);
  ::close(1);
  absl::StatusOr<std::unique_ptr<File>> file =
      Env::Default()->OpenFile(path, Env::OpenMode::kCreateExclusive);
  struct stat one, null;
  const bool one_open = ::fstat(1, &one) == 0;
  ::stat("/dev/null", &null);
  ::dup2(saved, 1);  // stdout back before anything can fail
  ::close(saved);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE(one_open);
  EXPECT_TRUE(S_ISCHR(one.st_mode));
  EXPECT_EQ(one.st_rdev, null.st_rdev);
  ASSERT_TRUE((*file)->Write(0, "bytes").ok());
  std::string read;
  ASSERT_TRUE((*file)->Read(0, 5, &read).ok());
  EXPECT_EQ(read, "bytes");
}

// A lock file deleted while held (by hand, by a cleanup script) does not
// let a second opener in: the directory is locked too.
TEST(PosixEnvTest, DeletingAHeldLockFileDoesNotLetASecondOpenerIn) {
  ScratchDir tmp;
  Env* env = Env::Default();
  const std::string path = tmp.Sub("LOCK");
  absl::StatusOr<std::unique_ptr<FileLock>> first = env->LockFile(path, "one");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(::unlink(path.c_str()), 0);
  absl::StatusOr<std::unique_ptr<FileLock>> second = env->LockFile(path, "two");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition)
      << second.status();
  EXPECT_NE(second.status().message().find("was deleted and made again"),
            std::string::npos)
      << second.status();
  first->reset();
  EXPECT_TRUE(env->LockFile(path, "three").ok());
}

// The lock knows which directory it was taken in: moved away, or
// replaced by another at the same path, the store must stop making files
// there by path.
TEST(PosixEnvTest, ALockSaysWhenItsDirectoryIsNoLongerAtItsPath) {
  ScratchDir tmp;
  Env* env = Env::Default();
  const std::string dir = tmp.Sub("d");
  const std::string away = tmp.Sub("away");
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  absl::StatusOr<std::unique_ptr<FileLock>> lock =
      env->LockFile(dir + "/LOCK", "one");
  ASSERT_TRUE(lock.ok()) << lock.status();
  EXPECT_TRUE((*lock)->CheckInPlace().ok());
  ASSERT_EQ(::rename(dir.c_str(), away.c_str()), 0);
  absl::Status gone = (*lock)->CheckInPlace();
  EXPECT_EQ(gone.code(), absl::StatusCode::kFailedPrecondition) << gone;
  EXPECT_NE(gone.message().find("no longer at " + dir), std::string::npos)
      << gone;
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);  // another directory there now
  EXPECT_EQ((*lock)->CheckInPlace().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(::rmdir(dir.c_str()), 0);
  ASSERT_EQ(::rename(away.c_str(), dir.c_str()), 0);  // back again
  EXPECT_TRUE((*lock)->CheckInPlace().ok());
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
