// tests/cli/history_cli_test.cc
//
// `statelog log` and `statelog get --at`, run as a user runs them: the
// lines they print, their notes on stderr and their exit codes.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_fixture.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class HistoryCliTest : public CliTest {
 protected:
  // A store with three transactions: seq 1 merges {a:1, l:[1,2,3]}, seq 2
  // adds /b, seq 3 removes /l/0 (which moves /l/1 to /l/0).
  std::string ThreeRecords() {
    const std::string dir = InitStore();
    CliResult apply =
        Run({"apply", dir},
            "{\"merge\":{\"a\":1,\"l\":[1,2,3]}}\n"
            "[{\"op\":\"add\",\"path\":\"/b\",\"value\":{\"x\":1}}]\n"
            "[{\"op\":\"remove\",\"path\":\"/l/0\"}]\n");
    EXPECT_EQ(apply.exit_code, 0) << apply.err;
    return dir;
  }

  std::vector<Json> LogLines(const CliResult& log) {
    std::vector<Json> lines;
    for (const std::string& line : Lines(log.out)) {
      lines.push_back(ParseOrDie(line));
    }
    return lines;
  }
};

TEST_F(HistoryCliTest, LogPrintsEachRecordWhereItSits) {
  const std::string dir = ThreeRecords();
  CliResult log = Run({"log", dir});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_THAT(log.err, IsEmpty());
  std::vector<Json> lines = LogLines(log);
  ASSERT_EQ(lines.size(), 3u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["seq"], i + 1);
    EXPECT_EQ(lines[i]["segment"], "wal-00000000000000000001.log");
    EXPECT_TRUE(lines[i]["offset"].is_number_unsigned());
  }
  EXPECT_LT(lines[0]["offset"], lines[1]["offset"]);
  EXPECT_EQ(lines[0]["ops"],
            Json::parse(R"([{"op":"merge","value":{"a":1,"l":[1,2,3]}}])"));
  EXPECT_EQ(lines[2]["ops"], Json::parse(R"([{"op":"remove","path":"/l/0"}])"));
  // Its first line, as printed: seq first, one object per line.
  EXPECT_THAT(Lines(log.out)[0],
              ::testing::StartsWith(
                  "{\"seq\":1,\"segment\":\"wal-00000000000000000001.log\","
                  "\"offset\":64,\"ops\":"));

  CliResult range = Run({"log", dir, "--from", "2", "--to", "2"});
  ASSERT_EQ(range.exit_code, 0) << range.err;
  lines = LogLines(range);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["seq"], 2);
}

TEST_F(HistoryCliTest, LogPathListsOnlyTheRecordsThatChangedTheValue) {
  const std::string dir = ThreeRecords();
  CliResult log = Run({"log", dir, "--path", "/l/0"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  std::vector<Json> lines = LogLines(log);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["seq"], 1);
  EXPECT_FALSE(lines[0].contains("before"));  // there was nothing there
  EXPECT_EQ(lines[0]["after"], 1);
  EXPECT_EQ(lines[1]["seq"], 3);
  EXPECT_EQ(lines[1]["before"], 1);
  EXPECT_EQ(lines[1]["after"], 2);

  log = Run({"log", dir, "--path", "/b/x"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  lines = LogLines(log);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["seq"], 2);
  EXPECT_EQ(lines[0]["after"], 1);

  // Nothing ever changed it: no line, and no error.
  log = Run({"log", dir, "--path", "/never"});
  EXPECT_EQ(log.exit_code, 0) << log.err;
  EXPECT_THAT(log.out, IsEmpty());
}

TEST_F(HistoryCliTest, GetAtPrintsTheStateAsOfEachSeq) {
  const std::string dir = ThreeRecords();
  const std::vector<std::string> expected = {
      "{}", R"({"a":1,"l":[1,2,3]})", R"({"a":1,"b":{"x":1},"l":[1,2,3]})",
      R"({"a":1,"b":{"x":1},"l":[2,3]})"};
  for (size_t seq = 0; seq < expected.size(); ++seq) {
    CliResult get = Run({"get", dir, "--at", std::to_string(seq)});
    ASSERT_EQ(get.exit_code, 0) << get.err;
    EXPECT_EQ(ParseOrDie(get.out), Json::parse(expected[seq])) << "seq " << seq;
  }
  CliResult get = Run({"get", dir, "/l", "--at", "2"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "[1,2,3]\n");

  get = Run({"get", dir, "/b", "--at", "1"});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_THAT(get.err, HasSubstr("as of seq 1"));

  get = Run({"get", dir, "--at", "4"});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_THAT(get.err, HasSubstr("the journal ends at seq 3"));

  get = Run({"get", dir, "--at", "1", "--recovery-mode", "strict"});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_THAT(get.out, IsEmpty());
}

TEST_F(HistoryCliTest, HistoryBeforeTheOldestSnapshotKeptIsRefused) {
  const std::string dir = ThreeRecords();
  ASSERT_EQ(Run({"compact", dir}).exit_code, 0);
  ASSERT_EQ(Run({"apply", dir}, "{\"merge\":{\"a\":2}}\n").exit_code, 0);
  ASSERT_EQ(Run({"compact", dir}).exit_code, 0);
  // Two snapshots are kept, at seq 3 and 4: the state at seq 0 is gone.
  CliResult get = Run({"get", dir, "--at", "0"});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_THAT(get.err, HasSubstr("compacted away"));
  get = Run({"get", dir, "/a", "--at", "3"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "1\n");

  CliResult log = Run({"log", dir, "--path", "/a"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  std::vector<Json> lines = LogLines(log);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["seq"], 4);
  EXPECT_EQ(lines[0]["before"], 1);
  EXPECT_EQ(lines[0]["after"], 2);
  EXPECT_THAT(log.err, HasSubstr("changes are traced from"));
}

TEST_F(HistoryCliTest, ErrorsHaveTheDocumentedExitCodes) {
  CliResult log = Run({"log", scratch_.Sub("nothing")});
  EXPECT_EQ(log.exit_code, 2);
  EXPECT_THAT(log.err, HasSubstr("statelog log: "));
  CliResult get = Run({"get", scratch_.Sub("nothing"), "--at", "0"});
  EXPECT_EQ(get.exit_code, 2);

  const std::string dir = ThreeRecords();
  log = Run({"log", dir, "--path", "no-slash"});
  EXPECT_EQ(log.exit_code, 1);
  EXPECT_THAT(log.err, HasSubstr("no-slash"));
  log = Run({"log", dir, "--from", "x"});
  EXPECT_EQ(log.exit_code, 1);
  log = Run({"log", dir, "--from", "3", "--to", "2"});
  EXPECT_EQ(log.exit_code, 1);
  EXPECT_THAT(log.err, HasSubstr("--from 3 is after --to 2"));

  // A torn tail: the records before it are listed, the tail is said.
  const std::string segment = dir + "/wal-00000000000000000001.log";
  std::vector<Json> lines = LogLines(Run({"log", dir}));
  ASSERT_EQ(lines.size(), 3u);
  std::string data = testing::ReadFileOrDie(segment);
  data[lines[2]["offset"].get<size_t>() + 50] ^= 0x01;
  testing::WriteFileOrDie(segment, data);
  log = Run({"log", dir});
  EXPECT_EQ(log.exit_code, 0) << log.err;
  EXPECT_EQ(LogLines(log).size(), 2u);
  EXPECT_THAT(log.err, HasSubstr("torn tail"));
}

// Sequence numbers are decimal, as in file names: CLI11 alone read "010"
// as octal, "0x0a" as hex, "" as 0, and wrapped "-1".
TEST_F(HistoryCliTest, SequenceNumbersAreDecimalOnly) {
  const std::string dir = ThreeRecords();
  CliResult get = Run({"get", dir, "--at", "00000000000000000002"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(ParseOrDie(get.out),
            Json::parse(R"({"a":1,"b":{"x":1},"l":[1,2,3]})"));
  get = Run({"get", dir, "--at", "010"});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_THAT(get.err, HasSubstr("no seq 10"));
  for (const char* bad :
       {"", "-1", "0x2", "2x", "+2", "18446744073709551616"}) {
    get = Run({"get", dir, "--at", bad});
    EXPECT_EQ(get.exit_code, 1) << bad;
    EXPECT_THAT(get.err, HasSubstr("is not a sequence number")) << bad;
    EXPECT_THAT(get.out, IsEmpty()) << bad;
    CliResult log = Run({"log", dir, "--from", bad});
    EXPECT_EQ(log.exit_code, 1) << bad;
    EXPECT_THAT(log.out, IsEmpty()) << bad;
  }
}

// A kept snapshot whose records the journal lost cannot be rebuilt from:
// get --at says so as damage, and verify names it as a warning (the store
// opens, from the newer snapshot).
TEST_F(HistoryCliTest, ASnapshotTheJournalNoLongerReachesIsNamed) {
  const std::string dir = ThreeRecords();
  ASSERT_EQ(Run({"compact", dir}).exit_code, 0);
  std::string big;
  for (int i = 0; i < 3; ++i) {
    absl::StrAppend(&big, "{\"merge\":{\"blob\":\"", std::string(400000, 'b'),
                    "\",\"k\":", i, "}}\n");
  }
  ASSERT_EQ(Run({"apply", dir}, big).exit_code, 0);
  ASSERT_EQ(Run({"compact", dir}).exit_code, 0);
  ASSERT_EQ(std::remove((dir + "/wal-00000000000000000001.log").c_str()), 0);
  CliResult get = Run({"get", dir, "/a", "--at", "4"});
  EXPECT_EQ(get.exit_code, 3);
  EXPECT_THAT(get.err, HasSubstr("journal gap"));
  CliResult verify = Run({"verify", dir});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.err,
              HasSubstr("warnings: snapshot-00000000000000000003.json"));
  Json report = ParseOrDie(verify.out);
  ASSERT_EQ(report["warnings"].size(), 1u);
  EXPECT_THAT(report["warnings"][0].get<std::string>(),
              HasSubstr("no open can start from it"));
  get = Run({"get", dir, "/k"});
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.out, "2\n");
}

TEST_F(HistoryCliTest, MidLogDamageStopsTheListingWithExit3) {
  const std::string dir = ThreeRecords();
  const std::string segment = dir + "/wal-00000000000000000001.log";
  std::vector<Json> lines = LogLines(Run({"log", dir}));
  ASSERT_EQ(lines.size(), 3u);
  // `apply` syncs each transaction (the default), so record 3 proves that
  // record 2 was durable: damage to 2 is mid-log corruption.
  std::string data = testing::ReadFileOrDie(segment);
  data[lines[1]["offset"].get<size_t>() + 50] ^= 0x01;
  testing::WriteFileOrDie(segment, data);
  CliResult log = Run({"log", dir});
  EXPECT_EQ(log.exit_code, 3);
  EXPECT_EQ(LogLines(log).size(), 1u);
  EXPECT_THAT(log.err, HasSubstr("mid-log corruption"));
  EXPECT_THAT(log.err, HasSubstr(absl::StrCat(
                           "offset ", lines[1]["offset"].get<size_t>())));
  CliResult get = Run({"get", dir, "--at", "3"});
  EXPECT_EQ(get.exit_code, 3);
  get = Run({"get", dir, "--at", "1"});
  EXPECT_EQ(get.exit_code, 0) << get.err;
}

}  // namespace
}  // namespace statelog
