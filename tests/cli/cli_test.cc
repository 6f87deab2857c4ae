// tests/cli/cli_test.cc
//
// End-to-end tests of the `statelog` command: each test runs the built
// binary (STATELOG_CLI_PATH) as a child process with stdin from a file and
// checks its exit code, stdout and stderr, as a script would.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/cli/cli_fixture.h"
#include "tests/testing/battery.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A `statelog` process whose stdin is a pipe the test writes to and whose
// stdout the test reads line by line, for tests that need the command to be
// running (and holding the store) while something else happens.
class BackgroundCli {
 public:
  BackgroundCli(std::vector<std::string> args, const std::string& err_path) {
    args.insert(args.begin(), STATELOG_CLI_PATH);
    std::vector<char*> argv = Argv(args);
    // A child that dies early must fail the test, not kill it with SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) abort();
    pid_ = fork();
    if (pid_ == 0) {
      int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(err, 2);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_fd_ = in[1];
    stdout_fd_ = out[0];
  }
  ~BackgroundCli() {
    CloseStdin();
    if (stdout_fd_ >= 0) close(stdout_fd_);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      WaitForExit(pid_);
    }
  }

  void Write(const std::string& text) {
    ASSERT_EQ(write(stdin_fd_, text.data(), text.size()),
              static_cast<ssize_t>(text.size()));
  }
  void CloseStdin() {
    if (stdin_fd_ >= 0) close(stdin_fd_);
    stdin_fd_ = -1;
  }
  // The next line of stdout, or "" after 30 s or at end of output.
  std::string ReadLine() {
    for (;;) {
      size_t newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      pollfd pfd = {stdout_fd_, POLLIN, 0};
      if (poll(&pfd, 1, 30000) <= 0) return "";
      char chunk[512];
      ssize_t n = read(stdout_fd_, chunk, sizeof(chunk));
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  int Wait() {
    CloseStdin();
    int code = WaitForExit(pid_);
    pid_ = -1;
    return code;
  }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

TEST_F(CliTest, InitApplyGetRoundTrip) {
  const std::string dir = InitStore();
  EXPECT_EQ(GetState(dir), Json::object());

  CliResult apply =
      Run({"apply", dir},
          R"([{"op":"add","path":"/agent","value":{"step":1,"tags":["a"]}}])"
          "\n"
          R"({"merge":{"agent":{"step":2},"status":"running"}})"
          "\n"
          R"({"ops":[{"op":"add","path":"/agent/tags/-","value":"b"}]})"
          "\n");
  ASSERT_EQ(apply.exit_code, 0) << apply.err;

  EXPECT_EQ(GetState(dir), Json::parse(R"({"agent":{"step":2,"tags":["a","b"]},
                                           "status":"running"})"));
}

TEST_F(CliTest, ApplyPrintsOneSeqPerTransactionAndSkipsBlankLines) {
  const std::string dir = InitStore();
  CliResult apply = Run({"apply", dir, "-"},
                        "[{\"op\":\"add\",\"path\":\"/a\",\"value\":1}]\n"
                        "\n"
                        "   \n"
                        "{\"merge\":{\"b\":2}}\r\n"
                        "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":3}]");
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_THAT(Lines(apply.out),
              ElementsAre(R"({"seq":1})", R"({"seq":2})", R"({"seq":3})"));
  EXPECT_EQ(apply.err, "");
  EXPECT_EQ(GetState(dir), Json::parse(R"({"a":3,"b":2})"));
}

// RFC 6902: an empty patch is a patch that changes nothing. It takes no
// sequence number; apply answers with the newest one.
TEST_F(CliTest, AnEmptyPatchChangesNothingAndPrintsTheNewestSeq) {
  const std::string dir = InitStore();
  CliResult apply = Run({"apply", dir},
                        R"([]
{"merge":{"a":1}}
{"ops":[]}
[]
{"merge":{"b":2}}
)");
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_THAT(Lines(apply.out),
              ElementsAre(R"({"seq":0})", R"({"seq":1})", R"({"seq":1})",
                          R"({"seq":1})", R"({"seq":2})"));
  EXPECT_EQ(GetState(dir), Json::parse(R"({"a":1,"b":2})"));
  CliResult verify = Run({"verify", dir});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  // Two records: the empty patches wrote none.
  EXPECT_EQ(Json::parse(verify.out)["journal"]["records"], 2) << verify.out;
}

TEST_F(CliTest, ApplyReadsTransactionsFromAFileWithTheChosenDurability) {
  const std::string dir = InitStore();
  const std::string input =
      WriteFile("txns.jsonl", "{\"merge\":{\"x\":1}}\n{\"merge\":{\"y\":2}}\n");
  CliResult apply = Run({"apply", dir, input, "--durability", "none"});
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_THAT(Lines(apply.out), ElementsAre(R"({"seq":1})", R"({"seq":2})"));
  EXPECT_EQ(GetState(dir), Json::parse(R"({"x":1,"y":2})"));
}

// The three ways a line can be bad: each stops apply at that line, names it,
// and leaves exactly the transactions of the earlier lines in the store.
struct BadLineCase {
  const char* name;
  const char* line;
  const char* message;  // expected in stderr
};

void PrintTo(const BadLineCase& bad_line, std::ostream* os) {
  *os << bad_line.name;
}

class ApplyBadLineTest : public CliTest,
                         public ::testing::WithParamInterface<BadLineCase> {};

TEST_P(ApplyBadLineTest, StopsAtTheBadLineNamingItAndKeepsEarlierLines) {
  const std::string dir = InitStore();
  const std::string input =
      absl::StrCat("[{\"op\":\"add\",\"path\":\"/step\",\"value\":1}]\n",
                   "\n",  // blank lines count in the numbering
                   "{\"merge\":{\"step\":2,\"list\":[1]}}\n", GetParam().line,
                   "\n", "{\"merge\":{\"after\":true}}\n");
  CliResult apply = Run({"apply", dir}, input);

  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_THAT(apply.err,
              AllOf(HasSubstr("line 4"), HasSubstr(GetParam().message)));
  EXPECT_THAT(Lines(apply.out), ElementsAre(R"({"seq":1})", R"({"seq":2})"));
  EXPECT_EQ(GetState(dir), Json::parse(R"({"step":2,"list":[1]})"));
}

INSTANTIATE_TEST_SUITE_P(
    BadLines, ApplyBadLineTest,
    ::testing::Values(
        BadLineCase{"MalformedJson", R"({"merge": {"step": )", "line 4"},
        BadLineCase{"FailedTestOp",
                    R"([{"op":"add","path":"/x","value":1},)"
                    R"({"op":"test","path":"/step","value":41}])",
                    "/step"},
        BadLineCase{"MissingPath",
                    R"([{"op":"add","path":"/x","value":1},)"
                    R"({"op":"remove","path":"/no/such/key"}])",
                    "/no"},
        BadLineCase{"UnknownOperation", R"([{"op":"frobnicate","path":"/x"}])",
                    "line 4"}),
    [](const ::testing::TestParamInfo<BadLineCase>& info) {
      return std::string(info.param.name);
    });

TEST_F(CliTest, ApplyToAMissingStoreExits2) {
  CliResult apply =
      Run({"apply", scratch_.Sub("nowhere")}, "{\"merge\":{\"a\":1}}\n");
  EXPECT_EQ(apply.exit_code, 2);
  EXPECT_EQ(apply.out, "");
  EXPECT_THAT(apply.err, HasSubstr("statelog apply"));
}

TEST_F(CliTest, GetOfAMissingStoreExits2) {
  CliResult get = Run({"get", scratch_.Sub("nowhere")});
  EXPECT_EQ(get.exit_code, 2);
  EXPECT_EQ(get.out, "");
  EXPECT_THAT(get.err, HasSubstr("statelog get"));
}

TEST_F(CliTest, GetWithAPointerPrintsTheValueThere) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, R"({"merge":{"agent":{"step":7,"name":"a/b"}}})"
                                "\n")
                .exit_code,
            0);

  CliResult step = Run({"get", dir, "/agent/step"});
  EXPECT_EQ(step.exit_code, 0) << step.err;
  EXPECT_EQ(step.out, "7\n");

  CliResult agent = Run({"get", dir, "/agent"});
  EXPECT_EQ(agent.out, "{\"name\":\"a/b\",\"step\":7}\n");

  CliResult pretty = Run({"get", dir, "/agent", "--pretty"});
  EXPECT_EQ(pretty.exit_code, 0);
  EXPECT_EQ(pretty.out, "{\n  \"name\": \"a/b\",\n  \"step\": 7\n}\n");
}

TEST_F(CliTest, GetOfAMissingPointerExits1) {
  const std::string dir = InitStore();
  CliResult missing = Run({"get", dir, "/no/such/key"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "");
  EXPECT_THAT(missing.err, HasSubstr("/no/such"));

  CliResult malformed = Run({"get", dir, "no-leading-slash"});
  EXPECT_EQ(malformed.exit_code, 1);
}

TEST_F(CliTest, InitFromAFileSetsTheInitialState) {
  const std::string from =
      WriteFile("initial.json", R"({"agent":{"step":0},"list":[1,2,3]})");
  const std::string dir = scratch_.Sub("store");
  CliResult init = Run({"init", dir, "--from", from});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(ParseOrDie(init.out)["seq"], 1);
  EXPECT_EQ(GetState(dir),
            Json::parse(R"({"agent":{"step":0},"list":[1,2,3]})"));
  // The import is compacted: later opens start from its snapshot.
  EXPECT_TRUE(
      std::filesystem::exists(dir + "/snapshot-00000000000000000001.json"));
}

// apply appends merge lines without building the state; the first line
// that needs the state sees the imported state and every merge before it.
TEST_F(CliTest, ApplyMergesThenAPatchThatNeedsTheState) {
  const std::string from =
      WriteFile("initial.json", R"({"agent":{"step":0},"list":[1,2,3]})");
  const std::string dir = scratch_.Sub("store");
  ASSERT_EQ(Run({"init", dir, "--from", from}).exit_code, 0);
  CliResult apply = Run(
      {"apply", dir},
      R"({"merge":{"agent":{"step":1},"status":"running"}})"
      "\n"
      R"({"merge":{"agent":{"step":2}}})"
      "\n"
      R"([{"op":"test","path":"/agent/step","value":2},{"op":"remove","path":"/list/0"}])"
      "\n"
      R"([{"op":"test","path":"/agent/step","value":1}])"
      "\n");
  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_THAT(Lines(apply.out),
              ElementsAre(R"({"seq":2})", R"({"seq":3})", R"({"seq":4})"));
  EXPECT_THAT(apply.err, HasSubstr("line 4"));
  EXPECT_EQ(GetState(dir), Json::parse(R"({"agent":{"step":2},"list":[2,3],
                                           "status":"running"})"));
}

TEST_F(CliTest, InitAcceptsAnyJsonValueAsTheInitialState) {
  const std::string dir = scratch_.Sub("store");
  ASSERT_EQ(Run({"init", dir, "--from", "-"}, "[1, \"two\", null]").exit_code,
            0);
  EXPECT_EQ(GetState(dir), Json::parse(R"([1,"two",null])"));
}

TEST_F(CliTest, InitOfAnExistingStoreExits1AndKeepsIt) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, "{\"merge\":{\"a\":1}}\n").exit_code, 0);
  CliResult again = Run({"init", dir});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(GetState(dir), Json::parse(R"({"a":1})"));
}

TEST_F(CliTest, InitFromPoisonNestingExits1AndCreatesNoStore) {
  const std::string from =
      WriteFile("deep.json", std::string(300, '[') + std::string(300, ']'));
  const std::string dir = scratch_.Sub("store");
  CliResult init = Run({"init", dir, "--from", from});
  EXPECT_EQ(init.exit_code, 1);
  EXPECT_THAT(init.err, HasSubstr("statelog init"));
  EXPECT_EQ(Run({"get", dir}).exit_code, 2);
}

TEST_F(CliTest, InitFromAValueOverTheRecordLimitExits1AndCreatesNoStore) {
  // 17 MiB of string: valid JSON, but one record over the 16 MiB limit.
  const std::string from =
      WriteFile("big.json", "{\"h\":\"" + std::string(17 << 20, 'b') + "\"}");
  const std::string dir = scratch_.Sub("store");
  CliResult init = Run({"init", dir, "--from", from});
  EXPECT_EQ(init.exit_code, 1);
  EXPECT_THAT(init.err, HasSubstr("maximum record size"));
  EXPECT_THAT(init.err, HasSubstr(from + ": "));  // which input it was
  EXPECT_FALSE(std::filesystem::exists(dir));
  // Nothing to refuse a second init with.
  EXPECT_EQ(Run({"init", dir}).exit_code, 0);
}

// Output that does not reach stdout is a failure (exit 5), however large:
// a write past stdio's buffer fails in fwrite, not in the flush.
TEST_F(CliTest, OutputThatStdoutCannotTakeExits5) {
  const std::string dir = InitStore();
  for (const size_t size : {10, 5000, 300000}) {
    ASSERT_EQ(
        Run({"apply", dir}, absl::StrCat(R"({"merge":{"v":")",
                                         std::string(size, 'a'), "\"}}\n"))
            .exit_code,
        0);
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"get", dir},
                                               {"get", dir, "--pretty"},
                                               {"verify", dir},
                                               {"verify", dir, "--compact"}}) {
      CliResult full = Run(args, "", "/dev/full");
      EXPECT_EQ(full.exit_code, 5) << args[0] << " " << size;
      EXPECT_THAT(full.err, HasSubstr("writing to stdout")) << size;
    }
  }
}

TEST_F(CliTest, AnInputFileThatIsADirectoryExits1) {
  const std::string dir = InitStore();
  CliResult apply = Run({"apply", dir, scratch_.path()});
  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_THAT(apply.err, HasSubstr("is a directory, not an input file"));
  CliResult init =
      Run({"init", scratch_.Sub("other"), "--from", scratch_.path()});
  EXPECT_EQ(init.exit_code, 1);
  EXPECT_THAT(init.err, HasSubstr("is a directory"));
}

TEST_F(CliTest, InitUnderAMissingDirectoryExits5NotStoreNotFound) {
  CliResult init = Run({"init", scratch_.Sub("no/such/parent")});
  EXPECT_EQ(init.exit_code, 5) << init.err;
  EXPECT_THAT(init.err, HasSubstr("no/such/parent"));
}

TEST_F(CliTest, InitFromAMissingFileExits1) {
  CliResult init =
      Run({"init", scratch_.Sub("store"), "--from", scratch_.Sub("nope")});
  EXPECT_EQ(init.exit_code, 1);
  EXPECT_THAT(init.err, HasSubstr("nope"));
}

// `n` transactions of about 330 bytes each, one per line.
std::string ManyTransactions(int n) {
  std::string input;
  for (int i = 1; i <= n; ++i) {
    absl::StrAppend(&input, R"({"merge":{"step":)", i, R"(,"note":")",
                    std::string(300, 'a' + i % 26), "\"}}\n");
  }
  return input;
}

// The first journal segment file (wal-*.log) anywhere under `dir`.
std::string FirstSegment(const std::string& dir) {
  std::vector<std::string> segments;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("wal-", 0) == 0 && entry.path().extension() == ".log") {
      segments.push_back(entry.path().string());
    }
  }
  std::sort(segments.begin(), segments.end());
  return segments.empty() ? "" : segments.front();
}

// Flips one byte inside the payload of the segment's first record.
void FlipByteOfFirstRecord(const std::string& segment) {
  std::string bytes = testing::ReadFileOrDie(segment);
  const size_t offset = 64 + 150;  // records begin at 64; each is ~330 bytes
  ASSERT_GT(bytes.size(), offset);
  bytes[offset] ^= 0x01;
  testing::WriteFileOrDie(segment, bytes);
}

// Damage in records a snapshot covers: point-in-time recovery reads past
// it and keeps a copy of its bytes. The line said "no damage in the
// journal; 725 byte(s) moved to quarantine/" (the re-check of the stop-23
// audits): nothing was moved, and the damage read past went unnamed.
TEST_F(CliTest, PointInTimeSaysWhatDamageItReadPast) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, ManyTransactions(5)).exit_code, 0);
  ASSERT_EQ(Run({"compact", dir}).exit_code, 0);
  ASSERT_EQ(Run({"apply", dir}, "{\"merge\":{\"after\":1}}\n").exit_code, 0);
  FlipByteOfFirstRecord(dir + "/wal-00000000000000000001.log");
  EXPECT_EQ(Run({"apply", dir}, "").exit_code, 3);
  CliResult pit = Run({"apply", dir, "--recovery-mode", "point-in-time"}, "");
  EXPECT_EQ(pit.exit_code, 0) << pit.err;
  EXPECT_THAT(Lines(pit.err),
              ElementsAre(AllOf(
                  StartsWith("statelog apply: recovery: no damage in the "
                             "journal; read past damage the snapshot covers: "
                             "wal-00000000000000000001.log offset 64"),
                  HasSubstr(" byte(s) kept in quarantine/"))));
  EXPECT_EQ(GetState(dir)["after"], 1);
}

// verify's line names the notes of interrupted recoveries in quarantine/
// (recovery.md): evidence a forensic reader must not miss, though not
// damage of the store.
TEST_F(CliTest, VerifyNamesTheNoteOfAnInterruptedRecovery) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, ManyTransactions(2)).exit_code, 0);
  std::filesystem::create_directory(dir + "/quarantine");
  testing::WriteFileOrDie(dir + "/quarantine/recovery-report.17.json",
                          R"({"complete":false,"damage":"wal-x offset 9"})");
  testing::WriteFileOrDie(dir + "/quarantine/recovery-report.18.json",
                          R"({"complete":true,"damage":"wal-y offset 9"})");
  CliResult verify = Run({"verify", dir, "--compact"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.err,
              AllOf(StartsWith("statelog verify: ok: "),
                    HasSubstr("; an interrupted recovery left its findings in "
                              "quarantine/recovery-report.17.json\n")));
  EXPECT_THAT(verify.err, Not(HasSubstr("recovery-report.18")));
  const Json report = Json::parse(verify.out);
  ASSERT_EQ(report["quarantine_notes"].size(), 2u) << verify.out;
  EXPECT_EQ(report["quarantine_notes"][0]["damage"], "wal-x offset 9");
}

// `apply` opens lazily and builds the state only for a transaction that
// needs it; if the newest snapshot's state turns out damaged then, the
// command says so as an eager open's recovery note would.
TEST_F(CliTest, ApplySaysWhenBuildingTheStatePassesOverASnapshot) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, ManyTransactions(5)).exit_code, 0);
  ASSERT_EQ(Run({"compact", dir}).exit_code, 0);
  const Json before = GetState(dir);
  const std::string newest = dir + "/snapshot-00000000000000000005.json";
  std::string data = testing::ReadFileOrDie(newest);
  data[data.size() - 4] ^= 0x01;  // inside the state, behind a good header
  testing::WriteFileOrDie(newest, data);
  // An open that builds the state at once names the snapshot too.
  CliResult get = Run({"get", dir});
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_THAT(Lines(get.err),
              ElementsAre(AllOf(
                  StartsWith("statelog get: recovery: "),
                  HasSubstr("passed over snapshot-00000000000000000005.json: "),
                  HasSubstr("the state was built from "
                            "snapshot-00000000000000000000.json"))));

  CliResult merge = Run({"apply", dir}, "{\"merge\":{\"m\":1}}\n");
  EXPECT_EQ(merge.exit_code, 0) << merge.err;
  EXPECT_EQ(merge.err, "");  // the state was never built
  CliResult patch =
      Run({"apply", dir}, R"([{"op":"add","path":"/p","value":2}])"
                          "\n");
  EXPECT_EQ(patch.exit_code, 0) << patch.err;
  EXPECT_EQ(patch.out, "{\"seq\":7}\n");
  EXPECT_THAT(patch.err,
              HasSubstr("statelog apply: building the state: passed over "
                        "snapshot-00000000000000000005.json"));
  EXPECT_THAT(patch.err, HasSubstr("the state was built from "
                                   "snapshot-00000000000000000000.json"));
  Json after = before;
  after["m"] = 1;
  after["p"] = 2;
  EXPECT_EQ(GetState(dir), after);
}

// Replaces the first `from` in the file at `path` with `to`.
void ReplaceInFile(const std::string& path, const std::string& from,
                   const std::string& to) {
  std::string data = testing::ReadFileOrDie(path);
  const size_t at = data.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << path;
  data.replace(at, from.size(), to);
  testing::WriteFileOrDie(path, data);
}

// A file a newer statelog wrote is no damage: every command but verify
// refuses the store with exit 5, and none passes the file over (compaction
// would then have quarantined it) or calls it corrupt.
TEST_F(CliTest, FilesOfANewerFormatAreRefusedWithExit5NotPassedOver) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, ManyTransactions(5)).exit_code, 0);
  ASSERT_EQ(Run({"compact", dir}).exit_code, 0);
  const std::string newest = dir + "/snapshot-00000000000000000005.json";
  testing::EditSnapshotHeader(newest, [](Json* h) { (*h)["format"] = 2; });
  const std::string data = testing::ReadFileOrDie(newest);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"get", dir}, {"apply", dir}, {"compact", dir}}) {
    CliResult r = Run(args, "{\"merge\":{\"m\":1}}\n");
    EXPECT_EQ(r.exit_code, 5) << args[0] << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("snapshot format 2 is not supported"));
    EXPECT_THAT(r.err, HasSubstr("newer statelog"));
  }
  EXPECT_EQ(testing::ReadFileOrDie(newest), data);
  EXPECT_FALSE(std::filesystem::exists(dir + "/quarantine"));
  CliResult verify = Run({"verify", dir});
  EXPECT_EQ(verify.exit_code, 3) << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("snapshot format 2 is not supported"));

  ReplaceInFile(dir + "/STORE", "\"statelog\":1", "\"statelog\":2");
  CliResult get = Run({"get", dir});
  EXPECT_EQ(get.exit_code, 5) << get.err;
  EXPECT_THAT(get.err, HasSubstr("store format 2 is not supported"));
  verify = Run({"verify", dir});
  EXPECT_EQ(verify.exit_code, 3) << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("store format 2 is not supported"));
}

// With no snapshot left to build the state from, the command's error names
// every one; the note on passed-over snapshots would only repeat it.
TEST_F(CliTest, ApplyWithNoUsableSnapshotSaysSoInOneLine) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, ManyTransactions(5)).exit_code, 0);
  ASSERT_EQ(Run({"compact", dir}).exit_code, 0);
  for (const char* name : {"/snapshot-00000000000000000005.json",
                           "/snapshot-00000000000000000000.json"}) {
    std::string data = testing::ReadFileOrDie(dir + name);
    data[data.size() - 4] ^= 0x01;  // inside the state
    testing::WriteFileOrDie(dir + name, data);
  }
  CliResult patch =
      Run({"apply", dir}, R"([{"op":"add","path":"/p","value":2}])"
                          "\n");
  EXPECT_EQ(patch.exit_code, 3) << patch.err;
  EXPECT_THAT(
      Lines(patch.err),
      ElementsAre(AllOf(StartsWith("statelog apply: "),
                        HasSubstr("snapshot-00000000000000000005.json"),
                        HasSubstr("snapshot-00000000000000000000.json"))));
}

TEST_F(CliTest, VerifyOfAHealthyStoreExits0) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, ManyTransactions(10)).exit_code, 0);
  CliResult verify = Run({"verify", dir});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  Json report = ParseOrDie(verify.out);
  EXPECT_EQ(report["ok"], true);
  EXPECT_THAT(verify.err, HasSubstr("ok: "));
  EXPECT_THAT(verify.err, HasSubstr("last_seq 10"));
}

TEST_F(CliTest, VerifyAfterAFlippedJournalByteExits3) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, ManyTransactions(10)).exit_code, 0);
  const std::string segment = FirstSegment(dir);
  ASSERT_NE(segment, "") << "no wal-*.log under " << dir;
  FlipByteOfFirstRecord(segment);

  CliResult verify = Run({"verify", dir, "--compact"});
  EXPECT_EQ(verify.exit_code, 3) << verify.out << verify.err;
  EXPECT_EQ(ParseOrDie(verify.out)["ok"], false);
  EXPECT_THAT(verify.err, HasSubstr("DAMAGED"));
}

TEST_F(CliTest, GetOfAStoreWithMidLogCorruptionExits3) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, ManyTransactions(10)).exit_code, 0);
  const std::string segment = FirstSegment(dir);
  ASSERT_NE(segment, "");
  FlipByteOfFirstRecord(segment);

  CliResult get = Run({"get", dir});
  EXPECT_EQ(get.exit_code, 3) << get.out << get.err;
  EXPECT_EQ(get.out, "");
  // One line: the damage, then what the command line offers for it.
  EXPECT_THAT(Lines(get.err),
              ElementsAre(AllOf(StartsWith("statelog get: DATA_LOSS: "),
                                HasSubstr("mid-log corruption"),
                                HasSubstr("--recovery-mode point-in-time"),
                                Not(HasSubstr("RecoveryMode::")))));
}

// Strict mode refuses a torn tail too, and its line says what serves for
// one: the default mode, not point-in-time recovery.
TEST_F(CliTest, StrictModeOnATornTailPointsAtTheDefaultMode) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, ManyTransactions(10)).exit_code, 0);
  const std::string segment = FirstSegment(dir);
  std::string bytes = testing::ReadFileOrDie(segment);
  const size_t last = bytes.find_last_not_of('\0');
  ASSERT_NE(last, std::string::npos);
  bytes[last - 20] ^= 0x01;  // inside the last record
  testing::WriteFileOrDie(segment, bytes);

  CliResult get = Run({"get", dir, "--recovery-mode", "strict"});
  EXPECT_EQ(get.exit_code, 3) << get.err;
  EXPECT_THAT(
      Lines(get.err),
      ElementsAre(
          AllOf(StartsWith("statelog get: DATA_LOSS: "), HasSubstr("torn tail"),
                HasSubstr("run without `--recovery-mode "
                          "strict`"),
                Not(HasSubstr("point-in-time")), Not(HasSubstr(".;")))));
  CliResult plain = Run({"get", dir});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
}

TEST_F(CliTest, VerifyOfADamagedStoreFileReportsItAndExits3) {
  const std::string dir = InitStore();
  testing::WriteFileOrDie(dir + "/STORE", "x\n");
  CliResult verify = Run({"verify", dir, "--compact"});
  EXPECT_EQ(verify.exit_code, 3) << verify.err;
  const Json report = ParseOrDie(verify.out);
  EXPECT_EQ(report["ok"], false);
  EXPECT_THAT(report["problems"][0].get<std::string>(), HasSubstr("STORE"));
  EXPECT_THAT(Lines(verify.err),
              ElementsAre(StartsWith("statelog verify: DAMAGED")));
  // Other commands refuse it, pointing at verify, not at point-in-time
  // recovery (which cannot help with it).
  CliResult get = Run({"get", dir});
  EXPECT_EQ(get.exit_code, 3);
  EXPECT_THAT(
      Lines(get.err),
      ElementsAre(AllOf(HasSubstr("STORE"), HasSubstr("`statelog verify DIR`"),
                        Not(HasSubstr("point-in-time")))));
}

TEST_F(CliTest, PointInTimeRecoveryKeepsTheStateBeforeTheDamage) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, ManyTransactions(10)).exit_code, 0);
  FlipByteOfFirstRecord(FirstSegment(dir));

  // Read-only: shows the state before the damage and changes nothing.
  CliResult get = Run({"get", dir, "--recovery-mode", "point-in-time"});
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "{}\n");
  EXPECT_THAT(get.err, HasSubstr("recovery:"));
  EXPECT_EQ(Run({"get", dir}).exit_code, 3);

  // A writer cuts the damage off into quarantine/ and carries on.
  CliResult apply = Run({"apply", dir, "--recovery-mode", "point-in-time"},
                        "{\"merge\":{\"fresh\":1}}\n");
  EXPECT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_THAT(apply.err,
              AllOf(HasSubstr("recovery:"), HasSubstr("quarantine")));
  EXPECT_EQ(apply.out, "{\"seq\":1}\n");
  EXPECT_EQ(GetState(dir), Json::parse(R"({"fresh":1})"));
  EXPECT_EQ(Run({"verify", dir}).exit_code, 0);
}

TEST_F(CliTest, VerifyOfAMissingStoreExits2) {
  CliResult verify = Run({"verify", scratch_.Sub("nowhere")});
  EXPECT_EQ(verify.exit_code, 2);
  // Worded as the other commands word it.
  EXPECT_THAT(verify.err,
              HasSubstr("no statelog store at " + scratch_.Sub("nowhere") +
                        ": directory does not exist"));
}

TEST_F(CliTest, SecondWriterWhileTheStoreIsLockedExits4) {
  const std::string dir = InitStore();
  BackgroundCli holder({"apply", dir, "-"}, scratch_.Sub("holder.err"));
  holder.Write("{\"merge\":{\"holder\":1}}\n");
  // Seeing the ack proves the holder has the store open and flushes per line.
  ASSERT_EQ(holder.ReadLine(), R"({"seq":1})")
      << testing::ReadFileOrDie(scratch_.Sub("holder.err"));

  CliResult second = Run({"apply", dir}, "{\"merge\":{\"second\":1}}\n");
  EXPECT_EQ(second.exit_code, 4);
  EXPECT_THAT(second.err, HasSubstr("locked"));
  EXPECT_EQ(Run({"compact", dir}).exit_code, 4);

  // Readers do not need the lock.
  EXPECT_EQ(GetState(dir), Json::parse(R"({"holder":1})"));

  holder.Write("{\"merge\":{\"holder\":2}}\n");
  EXPECT_EQ(holder.ReadLine(), R"({"seq":2})");
  EXPECT_EQ(holder.Wait(), 0);
  EXPECT_EQ(GetState(dir), Json::parse(R"({"holder":2})"));
}

TEST_F(CliTest, WaitLetsAWriterQueueForTheLock) {
  const std::string dir = InitStore();
  auto holder = std::make_unique<BackgroundCli>(
      std::vector<std::string>{"apply", dir, "-"}, scratch_.Sub("holder.err"));
  holder->Write("{\"merge\":{\"holder\":1}}\n");
  ASSERT_EQ(holder->ReadLine(), R"({"seq":1})");

  // A short wait runs out: exit 4, after the wait, not at once.
  const absl::Time start = absl::Now();
  CliResult gave_up =
      Run({"apply", dir, "--wait", "0.3"}, "{\"merge\":{\"late\":1}}\n");
  EXPECT_EQ(gave_up.exit_code, 4) << gave_up.err;
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));

  // A long one gets the store once the holder lets go.
  std::thread release([&holder] {
    absl::SleepFor(absl::Milliseconds(300));
    EXPECT_EQ(holder->Wait(), 0);
  });
  CliResult queued =
      Run({"apply", dir, "--wait", "30"}, "{\"merge\":{\"queued\":1}}\n");
  release.join();
  EXPECT_EQ(queued.exit_code, 0) << queued.err;
  EXPECT_EQ(queued.out, "{\"seq\":2}\n");
  EXPECT_EQ(Run({"compact", dir, "--wait", "1"}).exit_code, 0);
  EXPECT_EQ(GetState(dir), Json::parse(R"({"holder":1,"queued":1})"));
}

TEST_F(CliTest, CompactNamesTheSnapshotAndKeepsTheState) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"apply", dir}, ManyTransactions(5)).exit_code, 0);
  const Json before = GetState(dir);

  CliResult compact = Run({"compact", dir});
  ASSERT_EQ(compact.exit_code, 0) << compact.err;
  Json printed = ParseOrDie(compact.out);
  EXPECT_EQ(printed["seq"], 5);
  EXPECT_EQ(printed["snapshot_seq"], 5);
  EXPECT_THAT(printed["snapshot"].get<std::string>(), Not(""));

  EXPECT_EQ(GetState(dir), before);
  EXPECT_EQ(Run({"verify", dir}).exit_code, 0);
  CliResult more = Run({"apply", dir}, "{\"merge\":{\"after\":1}}\n");
  EXPECT_EQ(more.out, "{\"seq\":6}\n");
}

TEST_F(CliTest, HelpListsEveryCommandAndTheExitCodes) {
  CliResult help = Run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* command :
       {"init", "apply", "get", "verify", "compact", "demo"}) {
    EXPECT_THAT(help.out, HasSubstr(command));
  }
  EXPECT_THAT(help.out, AllOf(HasSubstr("Exit codes"), HasSubstr("locked"),
                              Not(HasSubstr("__demo-child"))));
  EXPECT_EQ(Run({"-h"}).exit_code, 0);
}

TEST_F(CliTest, EachCommandHasItsOwnHelp) {
  CliResult apply = Run({"apply", "--help"});
  EXPECT_EQ(apply.exit_code, 0);
  EXPECT_THAT(apply.out, AllOf(HasSubstr("--durability"), HasSubstr("FILE")));
  CliResult demo = Run({"demo", "-h"});
  EXPECT_EQ(demo.exit_code, 0);
  EXPECT_THAT(demo.out, AllOf(HasSubstr("--seconds"), HasSubstr("--keep")));
}

TEST_F(CliTest, VersionPrintsTheVersion) {
  CliResult version = Run({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out,
              AllOf(StartsWith("statelog 0."),
                    HasSubstr("\njournal format 1, snapshot format 1\n")));
}

TEST_F(CliTest, UsageErrorsExit1) {
  EXPECT_EQ(Run({}).exit_code, 1);
  EXPECT_EQ(Run({"frobnicate"}).exit_code, 1);
  EXPECT_EQ(Run({"get"}).exit_code, 1);  // DIR is required
  EXPECT_EQ(Run({"get", scratch_.Sub("x"), "--no-such-flag"}).exit_code, 1);
  EXPECT_EQ(
      Run({"apply", scratch_.Sub("x"), "--durability", "maybe"}).exit_code, 1);
  EXPECT_EQ(Run({"demo", "--seconds", "-1"}).exit_code, 1);
}

// Usage errors follow the diagnostics' rule: one line on stderr, starting
// "statelog COMMAND:" (or "statelog:" before a command), naming the fault.
TEST_F(CliTest, UsageErrorsAreOneLineNamingTheCommandAndTheFault) {
  struct Case {
    std::vector<std::string> args;
    std::string prefix;
    std::string names;
  };
  const std::vector<Case> cases = {
      {{"frobnicate"}, "statelog: ", "unknown command 'frobnicate'"},
      {{"-V"}, "statelog: ", "unknown option '-V'"},
      {{"get"}, "statelog get: ", "DIR is required"},
      {{"get", scratch_.Sub("x"), "--no-such-flag"},
       "statelog get: ",
       "--no-such-flag"},
      {{"apply", scratch_.Sub("x"), "--durability", "maybe"},
       "statelog apply: ",
       "maybe"},
      // CLI::Range lets NaN through; it waited for ever.
      {{"apply", scratch_.Sub("x"), "--wait", "nan"},
       "statelog apply: ",
       "nan is not a number of seconds from 0 to 86400"},
      {{"demo", "--seconds", "inf"}, "statelog demo: ", "inf is not"},
      // An empty name is not "no --from": it made an empty store.
      {{"init", scratch_.Sub("x"), "--from", ""},
       "statelog init: ",
       "--from: no file named"},
  };
  for (const Case& c : cases) {
    CliResult result = Run(c.args);
    EXPECT_EQ(result.exit_code, 1) << c.args[0];
    EXPECT_THAT(Lines(result.err),
                ElementsAre(AllOf(StartsWith(c.prefix), HasSubstr(c.names))))
        << result.err;
  }
}

// Pointers, keys and file names come from the user: a newline or a
// terminal escape in one is shown escaped, and the message stays one line.
// Started with stdout and stderr closed (a daemon, cron, `>&-`), apply
// must not print its acknowledgements and its error into store files that
// took those descriptors: the journal once began "statelog apply: ...".
TEST_F(CliTest, ClosedStdoutAndStderrDoNotReachTheStore) {
  const std::string dir = InitStore();
  const std::string command = absl::StrCat(
      "printf '%s\\n' '{\"merge\":{\"a\":1}}' '{\"merge\":{\"b\":1}}' bad | ",
      STATELOG_CLI_PATH, " apply '", dir, "' >&- 2>&-");
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);  // the bad line
  EXPECT_EQ(Run({"verify", dir}).exit_code, 0);
  EXPECT_EQ(GetState(dir), Json::parse(R"({"a":1,"b":1})"));
}

// A file-size limit fails the write (EFBIG) with a message and exit 5; the
// signal the kernel sends with it used to kill the process silently.
TEST_F(CliTest, AFileSizeLimitExits5WithAMessage) {
  const std::string dir = scratch_.Sub("small");
  const std::string err = scratch_.Sub("small.err");
  const std::string command =
      absl::StrCat("ulimit -f 64; ", STATELOG_CLI_PATH, " init '", dir,
                   "' > /dev/null 2> '", err, "'");
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 5);
  EXPECT_THAT(testing::ReadFileOrDie(err), HasSubstr("File too large"));
}

// Under a memory limit, verify fails cleanly (exit 5) or passes; it used to
// abort (exit 134) when the limit struck inside nlohmann's destructor of
// the large state it had built only to drop.
TEST_F(CliTest, VerifyUnderAMemoryLimitExitsCleanly) {
#if STATELOG_BATTERY_SANITIZED
  GTEST_SKIP() << "the sanitizers reserve more address space than any limit";
#endif
  const std::string dir = InitStore();
  std::string lines;
  // Records of 1 MB: a record that does not fit under the limit can still
  // abort in that destructor (docs/cli.md says so).
  for (int j = 0; j < 20; ++j) {
    Json merge = Json::object();
    for (int i = 0; i < 1000; ++i) {
      merge[absl::StrCat("k", j, "_", i)] = std::string(1000, 'y');
    }
    lines += Json{{"merge", merge}}.dump() + "\n";
  }
  ASSERT_EQ(Run({"apply", dir}, lines).exit_code, 0);
  ASSERT_EQ(Run({"compact", dir}).exit_code, 0);
  for (int megabytes = 30; megabytes <= 90; megabytes += 10) {
    const std::string command =
        absl::StrCat("ulimit -v ", megabytes * 1024, "; ", STATELOG_CLI_PATH,
                     " verify '", dir, "' > /dev/null 2>&1");
    const int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status))
        << megabytes << " MB: killed by signal " << WTERMSIG(status);
    EXPECT_TRUE(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 5)
        << megabytes << " MB: exit " << WEXITSTATUS(status);
  }
}

TEST_F(CliTest, ControlCharactersInAMessageAreEscaped) {
  const std::string dir = InitStore();
  CliResult get = Run({"get", dir, "/a\nb"});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_THAT(Lines(get.err), ElementsAre(HasSubstr("\"/a\\nb\"")));
  CliResult apply =
      Run({"apply", dir}, R"([{"op":"remove","path":"/a\u001b[31m"}])");
  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_THAT(Lines(apply.err), ElementsAre(HasSubstr("/a\\x1b[31m")));
  EXPECT_EQ(apply.err.find('\x1b'), std::string::npos) << apply.err;
}

// A store directory's name need not be UTF-8; init's JSON line must be.
// It created the store, then exited 5 failing to print the name.
TEST_F(CliTest, InitOfADirectoryNamedInOtherBytesThanUtf8) {
  const std::string dir = scratch_.Sub("bad\xffname");
  CliResult init = Run({"init", dir});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  const Json line = Json::parse(init.out);
  EXPECT_THAT(line["created"].get<std::string>(), HasSubstr("bad\\xffname"));
  EXPECT_EQ(GetState(dir), Json::object());
}

// The parser skips a byte order mark before a value; a line holding
// nothing else is blank.
TEST_F(CliTest, ALineOfOnlyAByteOrderMarkIsBlank) {
  const std::string dir = InitStore();
  CliResult apply =
      Run({"apply", dir}, "\xEF\xBB\xBF\n{\"merge\":{\"a\":1}}\n");
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_THAT(Lines(apply.out), ElementsAre(R"({"seq":1})"));
}

TEST_F(CliTest, ShortDemoKillsRecoversAndPasses) {
  CliResult demo = Run({"demo", "--seconds", "0.6", "--rounds", "3",
                        "--compact-after", "50", "--seed", "42"});
  EXPECT_EQ(demo.exit_code, 0) << demo.out << demo.err;
  EXPECT_THAT(
      demo.out,
      AllOf(HasSubstr("seed"), HasSubstr("42"), HasSubstr("checkpoint rate"),
            HasSubstr("recovery time"), HasSubstr("records replayed"),
            HasSubstr("PASS"), Not(HasSubstr("FAIL"))));
}

TEST_F(CliTest, DemoInAGivenDirectoryKeepsTheStore) {
  const std::string dir = scratch_.Sub("demo-store");
  CliResult demo =
      Run({"demo", "--dir", dir, "--seconds", "0.3", "--rounds", "1"});
  EXPECT_EQ(demo.exit_code, 0) << demo.out << demo.err;
  EXPECT_EQ(Run({"verify", dir}).exit_code, 0);
  EXPECT_GT(GetState(dir)["step"].get<int>(), 0);

  // A directory that already holds a store is refused.
  EXPECT_EQ(Run({"demo", "--dir", dir, "--seconds", "0.3"}).exit_code, 1);
}

}  // namespace
}  // namespace statelog
