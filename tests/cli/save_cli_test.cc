// tests/cli/save_cli_test.cc
//
// `statelog save`, run as a script that rewrote a whole JSON file after
// each step would run it: the state it leaves, what each record holds,
// and its exit codes.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_fixture.h"

namespace statelog {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

using SaveCliTest = CliTest;

TEST_F(SaveCliTest, EachSaveJournalsTheChangeAndLeavesTheState) {
  const std::string dir = InitStore();
  const std::vector<std::string> states = {
      R"({"step":1,"log":["start"],"tools":{"a":{"calls":0},"b":{"calls":0}}})",
      R"({"step":2,"log":["start","a"],"tools":{"a":{"calls":1},"b":{"calls":0}}})",
      R"({"step":3,"log":["start","a","b"],"tools":{"a":{"calls":1},"b":{"calls":1}}})"};
  for (size_t i = 0; i < states.size(); ++i) {
    CliResult save = Run({"save", dir}, states[i] + "\n");
    ASSERT_EQ(save.exit_code, 0) << save.err;
    EXPECT_EQ(save.out, "{\"seq\":" + std::to_string(i + 1) + "}\n");
    EXPECT_EQ(GetState(dir), Json::parse(states[i]));
  }
  // The same state again: nothing written, the newest seq printed.
  CliResult save = Run({"save", dir, "-"}, states.back());
  ASSERT_EQ(save.exit_code, 0) << save.err;
  EXPECT_EQ(save.out, "{\"seq\":3}\n");

  // Step 3's record: the step, one log line appended, one counter.
  CliResult log = Run({"log", dir, "--from", "3"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_EQ(ParseOrDie(log.out)["ops"], Json::parse(R"([
    {"op":"add","path":"/log/-","value":"b"},
    {"op":"replace","path":"/step","value":3},
    {"op":"replace","path":"/tools/b/calls","value":1}])"));
}

TEST_F(SaveCliTest, BadInputChangesNothing) {
  const std::string dir = InitStore();
  ASSERT_EQ(Run({"save", dir}, R"({"a":1})").exit_code, 0);
  CliResult save = Run({"save", dir}, R"({"a":)");
  EXPECT_EQ(save.exit_code, 1);
  EXPECT_THAT(save.err, HasSubstr("statelog save: "));
  EXPECT_THAT(save.out, IsEmpty());
  std::string deep = R"({"a":)";
  for (int i = 0; i < 300; ++i) deep += "[";
  for (int i = 0; i < 300; ++i) deep += "]";
  deep += "}";
  save = Run({"save", dir}, deep);
  EXPECT_EQ(save.exit_code, 1);
  save = Run({"save", dir}, R"({"a":"\ud800"})");
  EXPECT_EQ(save.exit_code, 1);
  EXPECT_EQ(GetState(dir), Json::parse(R"({"a":1})"));
  CliResult log = Run({"log", dir});
  EXPECT_EQ(Lines(log.out).size(), 1u);

  save = Run({"save", scratch_.Sub("nothing")}, "{}");
  EXPECT_EQ(save.exit_code, 2);
  save = Run({"save", dir, scratch_.Sub("no-such-file.json")});
  EXPECT_EQ(save.exit_code, 1);
}

}  // namespace
}  // namespace statelog
