// fuzz/replay_main.cc
//
// The plain (non-libFuzzer) main of a fuzz target: replays every file of
// the given corpus directories (or the given files) through
// LLVMFuzzerTestOneInput, each in a child process, so that a failing input
// (a violated property aborts; a sanitizer report exits nonzero) is
// counted and named and the others still run. Prints one summary line:
//
//   fuzz(journal): 1,234 corpus inputs replayed, 0 failures
//
// and exits nonzero if any input failed or none was found. ctest runs one
// of these per target; see docs/testing.md ("Fuzzing").
//
// Usage: <target>_fuzz_replay <label> <dir or file>...

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fault/fault_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> InputFiles(int argc, char** argv) {
  std::vector<std::string> files;
  for (int i = 2; i < argc; ++i) {
    const std::filesystem::path path = argv[i];
    if (!std::filesystem::is_directory(path)) {
      files.push_back(path.string());
      continue;
    }
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(path)) {
      if (entry.is_regular_file()) files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Runs one input in a child; returns whether it passed.
bool Replay(const std::string& file) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    return false;
  }
  if (pid == 0) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", file.c_str());
      std::_Exit(2);
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                           bytes.size());
    // exit, not _Exit: LeakSanitizer checks at exit in sanitizer builds.
    std::exit(0);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return false;
    }
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <label> <corpus dir or file>...\n",
                 argv[0]);
    return 2;
  }
  const std::string label = argv[1];
  const std::vector<std::string> files = InputFiles(argc, argv);
  uint64_t failures = 0;
  for (const std::string& file : files) {
    if (!Replay(file)) {
      ++failures;
      std::fprintf(stderr, "fuzz(%s): FAILED on %s\n", label.c_str(),
                   file.c_str());
    }
  }
  std::printf("fuzz(%s): %s corpus inputs replayed, %s failures\n",
              label.c_str(), statelog::fault::WithCommas(files.size()).c_str(),
              statelog::fault::WithCommas(failures).c_str());
  if (files.empty()) {
    std::fprintf(stderr, "fuzz(%s): no corpus inputs found\n", label.c_str());
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
