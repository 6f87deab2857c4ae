// tests/cli/cli_fixture.h
//
// Runs the built `statelog` binary (STATELOG_CLI_PATH) as a child process,
// with stdin from a file, and collects its exit code, stdout and stderr, as
// a script would. Shared by the CLI's test files.

#ifndef STATELOG_TESTS_CLI_CLI_FIXTURE_H_
#define STATELOG_TESTS_CLI_CLI_FIXTURE_H_

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/test_util.h"

namespace statelog {

using Json = nlohmann::json;

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

inline Json ParseOrDie(const std::string& text) { return Json::parse(text); }

inline std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return argv;
}

inline int WaitForExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

class CliTest : public ::testing::Test {
 protected:
  // Runs `statelog args...` with `input` on stdin; waits for it. Its
  // stdout goes to `stdout_file` if given (then `out` is empty).
  CliResult Run(std::vector<std::string> args, const std::string& input = "",
                const std::string& stdout_file = "") {
    const std::string base = scratch_.Sub(absl::StrCat("run", runs_++));
    const std::string in_path = base + ".in";
    const std::string out_path =
        stdout_file.empty() ? base + ".out" : stdout_file;
    const std::string err_path = base + ".err";
    testing::WriteFileOrDie(in_path, input);
    args.insert(args.begin(), STATELOG_CLI_PATH);
    std::vector<char*> argv = Argv(args);
    pid_t pid = fork();
    if (pid == 0) {  // only async-signal-safe calls until exec
      int in = open(in_path.c_str(), O_RDONLY);
      int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      execv(argv[0], argv.data());
      _exit(127);
    }
    CliResult result;
    result.exit_code = WaitForExit(pid);
    if (stdout_file.empty()) result.out = testing::ReadFileOrDie(out_path);
    result.err = testing::ReadFileOrDie(err_path);
    return result;
  }

  // A new, empty store; returns its directory.
  std::string InitStore() {
    const std::string dir = scratch_.Sub("store");
    CliResult init = Run({"init", dir});
    EXPECT_EQ(init.exit_code, 0) << init.err;
    return dir;
  }

  // The whole state, as `statelog get` prints it.
  Json GetState(const std::string& dir) {
    CliResult get = Run({"get", dir});
    EXPECT_EQ(get.exit_code, 0) << get.err;
    return get.exit_code == 0 ? ParseOrDie(get.out) : Json();
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = scratch_.Sub(name);
    testing::WriteFileOrDie(path, text);
    return path;
  }

  testing::ScratchDir scratch_;
  int runs_ = 0;
};

}  // namespace statelog

#endif  // STATELOG_TESTS_CLI_CLI_FIXTURE_H_
