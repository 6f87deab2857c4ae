// tests/io/write_window_test.cc
//
// File::MapWrites on the POSIX Env (io/write_window.h): small writes below
// the given end go through a shared mapping, one window at a time; they
// read back through the file, survive the death of the writing process
// and never reach past the file's end; everything else stays a pwrite.

#include "io/write_window.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "statelog/env.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::internal::WriteWindow;
using ::statelog::testing::ReadFileOrDie;
using ::statelog::testing::ScratchDir;
using ::statelog::testing::WriteFileOrDie;

// Bytes of this process's mappings of `path`, one entry per mapping.
std::vector<uint64_t> MappingsOf(const std::string& path) {
  std::vector<uint64_t> sizes;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.size() < path.size() ||
        line.compare(line.size() - path.size(), path.size(), path) != 0) {
      continue;
    }
    std::vector<std::string> range =
        absl::StrSplit(line.substr(0, line.find(' ')), '-');
    sizes.push_back(std::stoull(range[1], nullptr, 16) -
                    std::stoull(range[0], nullptr, 16));
  }
  return sizes;
}

// A record-like piece: `n` bytes that differ with `i`.
std::string Piece(size_t i, size_t n) {
  std::string piece(n, '\0');
  for (size_t j = 0; j < n; ++j) {
    piece[j] = static_cast<char>('a' + (i * 7 + j) % 26);
  }
  return piece;
}

class WriteWindowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!WriteWindow::Supported()) {
      GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE";
    }
    path_ = scratch_.Sub("segment");
  }

  // A preallocated file of `size` zeros, opened for writing.
  std::unique_ptr<File> Preallocated(uint64_t size) {
    WriteFileOrDie(path_, std::string(size, '\0'));
    absl::StatusOr<std::unique_ptr<File>> file =
        Env::Default()->OpenFile(path_, Env::OpenMode::kReadWrite);
    EXPECT_OK(file);
    return file.ok() ? std::move(*file) : nullptr;
  }

  ScratchDir scratch_;
  std::string path_;
};

TEST_F(WriteWindowTest, SmallWritesGoThroughOneWindowAndReadBack) {
  const uint64_t size = 3 * WriteWindow::kMapWindow + 5000;
  std::unique_ptr<File> file = Preallocated(size);
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->MapWrites(size));
  std::string expected(size, '\0');
  uint64_t at = 64;
  size_t i = 0;
  // Records of uneven sizes, so that they straddle pages and windows.
  while (true) {
    const std::string piece = Piece(i, 150 + (i * 37) % 400);
    if (at + piece.size() > size) break;
    ASSERT_OK(file->Write(at, piece));
    expected.replace(at, piece.size(), piece);
    at += piece.size();
    ++i;
    if (i == 10) {
      // The writes went to a mapping, not through pwrite.
      std::vector<uint64_t> maps = MappingsOf(path_);
      ASSERT_EQ(maps.size(), 1u);
      EXPECT_LE(maps[0], WriteWindow::kMapWindow);
    }
  }
  // One window at a time: what the process keeps mapped stays bounded.
  std::vector<uint64_t> maps = MappingsOf(path_);
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_LE(maps[0], WriteWindow::kMapWindow);
  std::string read;
  ASSERT_OK(file->Read(0, size, &read));
  EXPECT_TRUE(read == expected);
  EXPECT_TRUE(ReadFileOrDie(path_) == expected);  // another descriptor
  ASSERT_OK(file->Sync());
  EXPECT_TRUE(MappingsOf(path_).empty()) << "Sync unmaps the window";
  ASSERT_OK(file->Close());
  EXPECT_TRUE(ReadFileOrDie(path_) == expected);
}

TEST_F(WriteWindowTest, WritesGoOnAfterSyncAndMixWithSystemCalls) {
  const uint64_t size = 512 << 10;
  const uint64_t end = 256 << 10;
  std::unique_ptr<File> file = Preallocated(size);
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->MapWrites(end));
  std::string expected(size, '\0');
  auto write = [&](uint64_t at, const std::string& piece) {
    ASSERT_OK(file->Write(at, piece));
    expected.replace(at, piece.size(), piece);
  };
  write(100, Piece(1, 300));
  ASSERT_OK(file->Sync());
  write(400, Piece(2, 300));  // maps and prefaults again after the sync
  EXPECT_EQ(MappingsOf(path_).size(), 1u);
  // Larger than kMaxWrite, or reaching past `end`: pwrite.
  write(1000, Piece(3, WriteWindow::kMaxWrite + 1));
  write(end - 100, Piece(4, 300));
  write(end + 1000, Piece(5, 300));
  // Backwards, into pages prefaulted before.
  write(50, Piece(6, 40));
  // Past the end of the file: pwrite extends it, as without the hint.
  const std::string tail = Piece(7, 77);
  ASSERT_OK(file->Write(size, tail));
  expected += tail;
  std::string read;
  ASSERT_OK(file->Read(0, expected.size() + 10, &read));
  EXPECT_TRUE(read == expected);
  ASSERT_OK(file->Close());
  EXPECT_TRUE(ReadFileOrDie(path_) == expected);
}

TEST_F(WriteWindowTest, AKilledWriterLosesNothingWritten) {
  const uint64_t size = 2 * WriteWindow::kMapWindow;
  std::unique_ptr<File> file = Preallocated(size);
  ASSERT_NE(file, nullptr);
  std::string expected(size, '\0');
  uint64_t at = 0;
  for (size_t i = 0; at + 200 <= size - 4096; ++i, at += 200) {
    expected.replace(at, 200, Piece(i, 200));
  }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // No gtest assertions here: any failure shows as a wrong exit.
    if (!file->MapWrites(size)) ::_exit(3);
    for (uint64_t w = 0; w < at; w += 200) {
      if (!file->Write(w, expected.substr(w, 200)).ok()) ::_exit(4);
    }
    ::kill(::getpid(), SIGKILL);  // no Sync, no Close, no unmap
    ::_exit(5);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status))
      << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_TRUE(ReadFileOrDie(path_) == expected);
}

TEST_F(WriteWindowTest, AFileCutShortIsAnErrorNotASignal) {
  const uint64_t size = 256 << 10;
  std::unique_ptr<File> file = Preallocated(size);
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->MapWrites(size));
  // Someone else truncates the file before its pages are prefaulted:
  // touching them would raise SIGBUS; the prefault reports it instead.
  ASSERT_EQ(::truncate(path_.c_str(), 4096), 0);
  absl::Status s = file->Write(100 << 10, Piece(1, 200));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path_), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("offset 102400"), absl::string_view::npos) << s;
  EXPECT_TRUE(MappingsOf(path_).size() <= 1);
  // Nothing was written: the file is as the truncation left it.
  EXPECT_TRUE(ReadFileOrDie(path_) == std::string(4096, '\0'));
}

TEST_F(WriteWindowTest, WithoutTheHintWritesStaySystemCalls) {
  std::unique_ptr<File> file = Preallocated(64 << 10);
  ASSERT_NE(file, nullptr);
  ASSERT_OK(file->Write(10, Piece(1, 100)));
  EXPECT_TRUE(MappingsOf(path_).empty());
}

}  // namespace
}  // namespace statelog
