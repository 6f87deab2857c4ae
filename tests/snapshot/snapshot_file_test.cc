// tests/snapshot/snapshot_file_test.cc
//
// Snapshot files against docs/format.md: the exact layout, that the file is
// plain JSON, that publishing leaves no temp file and an owner-only file,
// and that every truncation or change to the checked parts is DataLoss.

#include "snapshot/snapshot_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "io/atomic_file.h"
#include "journal/format.h"
#include "nlohmann/json.hpp"
#include "statelog/env.h"
#include "tests/testing/mem_env.h"
#include "tests/testing/test_util.h"
#include "util/checksum.h"
#include "util/file_names.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

using ::statelog::testing::ReadFileOrDie;
using ::statelog::testing::ScratchDir;
using ::statelog::testing::WriteFileOrDie;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

const std::string kStoreId = "snapshot-test-id";  // 16 bytes
const std::string kState =
    R"({"step":42,"status":"running","items":[1,2,3],"nested":{"k":null}})";

SnapshotHeader TestHeader(uint64_t seq) {
  SnapshotHeader h;
  h.store_id = kStoreId;
  h.seq = seq;
  h.chain = 0x0123456789ABCDEF;
  h.schema_version = 3;
  return h;
}

class SnapshotFileTest : public ::testing::Test {
 protected:
  Env* env() { return Env::Default(); }
  const std::string& dir() const { return scratch_.path(); }

  // Writes a snapshot of kState at `seq` and returns its file name.
  std::string WriteOrDie(uint64_t seq, const std::string& state = kState) {
    absl::StatusOr<std::string> name =
        WriteSnapshot(env(), dir(), TestHeader(seq), state);
    EXPECT_TRUE(name.ok()) << name.status();
    return name.ok() ? *name : std::string();
  }

  std::vector<std::string> Names() {
    absl::StatusOr<std::vector<std::string>> names = env()->ListDir(dir());
    EXPECT_TRUE(names.ok()) << names.status();
    if (!names.ok()) return {};
    std::sort(names->begin(), names->end());
    return *names;
  }

  ScratchDir scratch_;
};

TEST_F(SnapshotFileTest, WriteThenReadRoundTrips) {
  const std::string name = WriteOrDie(42);
  EXPECT_EQ(name, "snapshot-00000000000000000042.json");

  absl::StatusOr<VerifiedSnapshot> snap =
      ReadSnapshot(env(), dir(), name, kStoreId);
  ASSERT_OK(snap);
  EXPECT_EQ(snap->state_json, kState);
  EXPECT_EQ(snap->header.store_id, kStoreId);
  EXPECT_EQ(snap->header.seq, 42u);
  EXPECT_EQ(snap->header.chain, 0x0123456789ABCDEFu);
  EXPECT_EQ(snap->header.schema_version, 3);
  EXPECT_EQ(snap->header.state_bytes, kState.size());
  EXPECT_EQ(snap->header.state_checksum, Checksum(kState));
  EXPECT_THAT(
      snap->header.created_at,
      MatchesRegex(
          "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z"));
}

// A state of 2.5 MiB in pieces of odd sizes: written in several writes,
// the bytes come back exactly, and VerifySnapshot (which reads a piece at
// a time) agrees with ReadSnapshot.
TEST_F(SnapshotFileTest, StreamedStateIsWrittenAsGiven) {
  std::string state = "[";
  for (int i = 0; state.size() < (5u << 19); ++i) {
    absl::StrAppend(&state, i == 0 ? "" : ",", "\"item ", i, "\"");
  }
  state += "]";
  ByteSource source = [&state](const ByteSink& sink) -> absl::Status {
    size_t at = 0;
    for (size_t n = 1; at < state.size(); n = n * 3 % 70001 + 1) {
      const size_t take = std::min(n, state.size() - at);
      STATELOG_RETURN_IF_ERROR(sink(absl::string_view(state).substr(at, take)));
      at += take;
    }
    return absl::OkStatus();
  };
  absl::StatusOr<std::string> name =
      WriteSnapshot(env(), dir(), TestHeader(11), source);
  ASSERT_OK(name);
  absl::StatusOr<VerifiedSnapshot> snap =
      ReadSnapshot(env(), dir(), *name, kStoreId);
  ASSERT_OK(snap);
  EXPECT_TRUE(snap->state_json == state);
  EXPECT_EQ(snap->header.state_bytes, state.size());
  EXPECT_EQ(snap->header.state_checksum, Checksum(state));
  absl::StatusOr<SnapshotHeader> verified =
      VerifySnapshot(env(), dir(), *name, kStoreId);
  ASSERT_OK(verified);
  EXPECT_EQ(verified->state_checksum, Checksum(state));
  EXPECT_THAT(Names(), ElementsAre(*name));
}

// The source is asked twice (to size and checksum the state, then to
// write it); if it gives other bytes the second time, or fails, nothing
// is published and no temp file is left.
TEST_F(SnapshotFileTest, StreamedStateThatChangesIsNotPublished) {
  int calls = 0;
  ByteSource changing = [&calls](const ByteSink& sink) {
    return sink(++calls == 1 ? R"({"a":1})" : R"({"a":2})");
  };
  EXPECT_THAT(WriteSnapshot(env(), dir(), TestHeader(12), changing),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("changed while it was written")));
  EXPECT_EQ(calls, 2);
  ByteSource failing = [&calls](const ByteSink& sink) -> absl::Status {
    STATELOG_RETURN_IF_ERROR(sink("{"));
    if (++calls > 3) return absl::ResourceExhaustedError("source gave up");
    return sink("}");
  };
  EXPECT_THAT(WriteSnapshot(env(), dir(), TestHeader(13), failing),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("source gave up")));
  EXPECT_THAT(Names(), ElementsAre());
}

// A streamed state is written back a piece at a time (so that a writer's
// fdatasync never waits behind the whole snapshot); a write-back failure
// fails the write like any other, and nothing is published.
TEST(StreamedSnapshotTest, IsWrittenBackInPiecesAndAFailureStopsIt) {
  testing::MemEnv env;
  ASSERT_OK(env.CreateDir("/s"));
  const std::string state = "\"" + std::string(5 << 19, 'x') + "\"";  // 2.5 MiB
  ByteSource source = [&state](const ByteSink& sink) -> absl::Status {
    for (size_t at = 0; at < state.size(); at += 1000) {
      STATELOG_RETURN_IF_ERROR(sink(absl::string_view(state).substr(at, 1000)));
    }
    return absl::OkStatus();
  };
  int written_back = 0;
  env.set_fault_hook([&](const std::string& op, const std::string&) {
    if (op == "writeback") ++written_back;
    return absl::OkStatus();
  });
  absl::StatusOr<std::string> name =
      WriteSnapshot(&env, "/s", TestHeader(5), source);
  ASSERT_OK(name);
  EXPECT_GE(written_back, 40);  // 2.5 MiB in pieces of at most 64 KiB
  absl::StatusOr<VerifiedSnapshot> snap =
      ReadSnapshot(&env, "/s", *name, kStoreId);
  ASSERT_OK(snap);
  EXPECT_TRUE(snap->state_json == state);
  // A small snapshot is one piece; the small files published from pieces
  // (STORE, the recovery report) are not written back at all.
  written_back = 0;
  ASSERT_OK(WriteSnapshot(&env, "/s", TestHeader(6), "{}").status());
  EXPECT_EQ(written_back, 1);
  written_back = 0;
  ASSERT_OK(WriteFileAtomically(&env, "/s", "small", {"a", "b"}));
  EXPECT_EQ(written_back, 0);
  ASSERT_OK(env.RemoveFile("/s/small"));

  int calls = 0;
  env.set_fault_hook([&](const std::string& op, const std::string&) {
    if (op == "writeback" && ++calls == 3) {
      return absl::DataLossError("injected write-back failure");
    }
    return absl::OkStatus();
  });
  EXPECT_THAT(WriteSnapshot(&env, "/s", TestHeader(7), source),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("injected write-back failure")));
  absl::StatusOr<std::vector<std::string>> names = env.ListDir("/s");
  ASSERT_OK(names);
  std::sort(names->begin(), names->end());
  EXPECT_THAT(*names, ElementsAre(SnapshotFileName(5), SnapshotFileName(6)));
}

// The callback after each piece (compaction's pacing) sees every piece,
// after it was written back, and their sizes add up to the file.
TEST(StreamedSnapshotTest, ReportsEachPieceAfterItIsWrittenBack) {
  testing::MemEnv env;
  ASSERT_OK(env.CreateDir("/s"));
  const std::string state = "\"" + std::string(1 << 20, 'y') + "\"";
  int written_back = 0;
  env.set_fault_hook([&](const std::string& op, const std::string&) {
    if (op == "writeback") ++written_back;
    return absl::OkStatus();
  });
  std::vector<size_t> pieces;
  const PieceWritten written = [&](size_t bytes) {
    pieces.push_back(bytes);
    EXPECT_EQ(written_back, static_cast<int>(pieces.size()));
  };
  absl::StatusOr<std::string> name = WriteSnapshot(
      &env, "/s", TestHeader(3),
      [&state](const ByteSink& sink) { return sink(state); },
      /*outcome_unknown=*/nullptr, &written);
  ASSERT_OK(name);
  ASSERT_GE(pieces.size(), 16u);  // 1 MiB and a header, 64 KiB at a time
  size_t total = 0;
  for (size_t bytes : pieces) {
    EXPECT_LE(bytes, size_t{64} << 10);
    total += bytes;
  }
  absl::StatusOr<std::string> file = ReadFileToString(&env, "/s/" + *name);
  ASSERT_OK(file);
  EXPECT_EQ(total, file->size());
}

TEST_F(SnapshotFileTest, EmptySnapshotAtSeqZeroRoundTrips) {
  SnapshotHeader h = TestHeader(0);
  h.chain = 0;
  h.schema_version = 0;
  absl::StatusOr<std::string> name = WriteSnapshot(env(), dir(), h, "{}");
  ASSERT_OK(name);
  EXPECT_EQ(*name, "snapshot-00000000000000000000.json");
  absl::StatusOr<VerifiedSnapshot> snap =
      ReadSnapshot(env(), dir(), *name, kStoreId);
  ASSERT_OK(snap);
  EXPECT_EQ(snap->state_json, "{}");
  EXPECT_EQ(snap->header.seq, 0u);
  EXPECT_EQ(snap->header.chain, 0u);
}

TEST_F(SnapshotFileTest, StateBytesAreKeptExactly) {
  // Not the compact form nlohmann would produce: the bytes are stored and
  // returned as given, not re-serialized.
  const std::string state = "{ \"b\" : 1.50, \"a\" : \"\\u00e9\\n\" }";
  const std::string name = WriteOrDie(7, state);
  absl::StatusOr<VerifiedSnapshot> snap =
      ReadSnapshot(env(), dir(), name, kStoreId);
  ASSERT_OK(snap);
  EXPECT_EQ(snap->state_json, state);
}

TEST_F(SnapshotFileTest, FileIsJsonWithHeaderAndState) {
  const std::string name = WriteOrDie(42);
  const std::string text = ReadFileOrDie(JoinPath(dir(), name));
  nlohmann::json j =
      nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(j.is_discarded()) << text;
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.size(), 2u);
  ASSERT_TRUE(j.contains("statelog_snapshot"));
  ASSERT_TRUE(j.contains("state"));
  EXPECT_EQ(j["state"], nlohmann::json::parse(kState));

  const nlohmann::json& h = j["statelog_snapshot"];
  EXPECT_EQ(h.at("format"), 1);
  EXPECT_EQ(h.at("store_id"), "736e617073686f742d746573742d6964");
  EXPECT_EQ(h.at("seq"), 42);
  EXPECT_EQ(h.at("chain"), "0123456789abcdef");
  EXPECT_EQ(h.at("schema_version"), 3);
  EXPECT_EQ(h.at("state_bytes"), kState.size());
  EXPECT_EQ(h.at("state_xxh3"), ChecksumHex(Checksum(kState)));
  EXPECT_TRUE(h.at("created_at").is_string());
}

TEST_F(SnapshotFileTest, LayoutIsPrefixHeaderLineStateTrailer) {
  const std::string name = WriteOrDie(42);
  const std::string text = ReadFileOrDie(JoinPath(dir(), name));
  EXPECT_THAT(text, StartsWith("{\"statelog_snapshot\":{"));
  const std::string tail = absl::StrCat(",\n\"state\":", kState, "\n}\n");
  ASSERT_GT(text.size(), tail.size());
  EXPECT_EQ(text.substr(text.size() - tail.size()), tail);
  // The header is the first line, whole: the first newline is the one
  // before "state", and the compact state adds none.
  EXPECT_EQ(text.find('\n'), text.size() - tail.size() + 1);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
}

TEST_F(SnapshotFileTest, PublishingLeavesNoTempFileAndFileIsOwnerOnly) {
  const std::string name = WriteOrDie(5);
  EXPECT_THAT(Names(), ElementsAre(name));
  struct stat st;
  ASSERT_EQ(::stat(JoinPath(dir(), name).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SnapshotFileTest, LeftoverTempFileIsReplaced) {
  const std::string name = SnapshotFileName(5);
  WriteFileOrDie(JoinPath(dir(), name + kTempSuffix), "{\"half\":");
  EXPECT_EQ(WriteOrDie(5), name);
  EXPECT_THAT(Names(), ElementsAre(name));
  EXPECT_OK(ReadSnapshot(env(), dir(), name, kStoreId));
}

TEST_F(SnapshotFileTest, ListSnapshotsIsNewestFirst) {
  for (uint64_t seq : {5, 100, 0, 42, 99}) WriteOrDie(seq);
  // Neither a temp file nor another file is a snapshot.
  WriteFileOrDie(JoinPath(dir(), SnapshotFileName(200) + kTempSuffix), "x");
  WriteFileOrDie(JoinPath(dir(), "snapshot-1.json"), "x");
  WriteFileOrDie(JoinPath(dir(), "wal-00000000000000000001.log"), "x");

  absl::StatusOr<std::vector<SnapshotName>> list = ListSnapshots(env(), dir());
  ASSERT_OK(list);
  std::vector<uint64_t> seqs;
  std::vector<std::string> files;
  for (const SnapshotName& s : *list) {
    seqs.push_back(s.seq);
    files.push_back(s.file);
  }
  EXPECT_THAT(seqs, ElementsAre(100u, 99u, 42u, 5u, 0u));
  EXPECT_EQ(files.front(), "snapshot-00000000000000000100.json");
  EXPECT_EQ(files.back(), "snapshot-00000000000000000000.json");
}

TEST_F(SnapshotFileTest, ListSnapshotsOfEmptyDirectoryIsEmpty) {
  absl::StatusOr<std::vector<SnapshotName>> list = ListSnapshots(env(), dir());
  ASSERT_OK(list);
  EXPECT_TRUE(list->empty());
}

TEST_F(SnapshotFileTest, EveryTruncationIsDataLoss) {
  const std::string name = WriteOrDie(9, R"({"a":[1,2],"b":"x"})");
  const std::string path = JoinPath(dir(), name);
  const std::string full = ReadFileOrDie(path);
  for (size_t n = 0; n < full.size(); ++n) {
    WriteFileOrDie(path, full.substr(0, n));
    EXPECT_THAT(ReadSnapshot(env(), dir(), name, kStoreId),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr(name)))
        << "truncated to " << n << " of " << full.size() << " bytes";
    EXPECT_THAT(VerifySnapshot(env(), dir(), name, kStoreId),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr(name)))
        << "truncated to " << n << " of " << full.size() << " bytes";
  }
  WriteFileOrDie(path, full);
  EXPECT_OK(ReadSnapshot(env(), dir(), name, kStoreId));
}

// ReadSnapshotHeader (the check of a lazy open and of older snapshots)
// sees truncation, extra bytes and any header damage, but not the state's
// bytes, which ReadSnapshot verifies when they are used.
TEST_F(SnapshotFileTest, HeaderCheckCatchesEverythingButStateBytes) {
  const std::string name = WriteOrDie(9);
  const std::string path = JoinPath(dir(), name);
  const std::string full = ReadFileOrDie(path);
  absl::StatusOr<SnapshotHeader> header =
      ReadSnapshotHeader(env(), dir(), name, kStoreId);
  ASSERT_OK(header);
  EXPECT_EQ(header->seq, 9u);
  EXPECT_EQ(header->chain, TestHeader(9).chain);
  EXPECT_EQ(header->schema_version, 3);
  EXPECT_EQ(header->state_bytes, kState.size());

  for (size_t n = 0; n < full.size(); ++n) {
    WriteFileOrDie(path, full.substr(0, n));
    EXPECT_THAT(ReadSnapshotHeader(env(), dir(), name, kStoreId),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr(name)))
        << "truncated to " << n;
  }
  WriteFileOrDie(path, full + "\n");
  EXPECT_THAT(ReadSnapshotHeader(env(), dir(), name, kStoreId),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(name)));
  const size_t state_at = full.size() - 3 - kState.size();
  for (size_t i = 0; i < state_at; ++i) {
    std::string data = full;
    data[i] ^= 0x01;
    WriteFileOrDie(path, data);
    EXPECT_FALSE(ReadSnapshotHeader(env(), dir(), name, kStoreId).ok())
        << "header byte " << i;
  }
  std::string data = full;
  data[state_at + 2] ^= 0x01;
  WriteFileOrDie(path, data);
  EXPECT_OK(ReadSnapshotHeader(env(), dir(), name, kStoreId));
  EXPECT_THAT(ReadSnapshot(env(), dir(), name, kStoreId),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("checksum")));
  EXPECT_THAT(
      ReadSnapshotHeader(env(), dir(), name, "another-store-id"),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("another store")));
}

TEST_F(SnapshotFileTest, TrailingBytesAreDataLoss) {
  const std::string name = WriteOrDie(9);
  const std::string path = JoinPath(dir(), name);
  const std::string full = ReadFileOrDie(path);
  for (const char* extra : {"\n", " ", "x", "\0"}) {
    WriteFileOrDie(path, full + std::string(extra, 1));
    EXPECT_THAT(ReadSnapshot(env(), dir(), name, kStoreId),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr(name)));
  }
}

TEST_F(SnapshotFileTest, ChangedStateByteIsChecksumDataLoss) {
  const std::string name = WriteOrDie(9);
  const std::string path = JoinPath(dir(), name);
  const std::string full = ReadFileOrDie(path);
  const size_t state_at = full.size() - 3 - kState.size();
  ASSERT_EQ(full.substr(state_at, kState.size()), kState);
  for (size_t i = 0; i < kState.size(); ++i) {
    std::string data = full;
    data[state_at + i] ^= 0x01;
    WriteFileOrDie(path, data);
    EXPECT_THAT(ReadSnapshot(env(), dir(), name, kStoreId),
                StatusIs(absl::StatusCode::kDataLoss,
                         AllOf(HasSubstr(name), HasSubstr("checksum"))))
        << "state byte " << i;
    EXPECT_THAT(VerifySnapshot(env(), dir(), name, kStoreId),
                StatusIs(absl::StatusCode::kDataLoss,
                         AllOf(HasSubstr(name), HasSubstr("checksum"))))
        << "state byte " << i;
  }
}

TEST_F(SnapshotFileTest, EditedStateWithSameLengthIsDataLoss) {
  // A plausible hand edit: still valid JSON, same size.
  const std::string name = WriteOrDie(9);
  const std::string path = JoinPath(dir(), name);
  std::string data = ReadFileOrDie(path);
  absl::StrReplaceAll({{"\"step\":42", "\"step\":43"}}, &data);
  WriteFileOrDie(path, data);
  EXPECT_THAT(ReadSnapshot(env(), dir(), name, kStoreId),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("checksum")));
}

TEST_F(SnapshotFileTest, ChangedStateSizeIsDataLoss) {
  const std::string name = WriteOrDie(9);
  const std::string path = JoinPath(dir(), name);
  std::string data = ReadFileOrDie(path);
  absl::StrReplaceAll({{"\"step\":42", "\"step\":420"}}, &data);
  WriteFileOrDie(path, data);
  EXPECT_THAT(ReadSnapshot(env(), dir(), name, kStoreId),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(name)));
}

TEST_F(SnapshotFileTest, OtherStoreIdIsDataLoss) {
  const std::string name = WriteOrDie(9);
  EXPECT_THAT(ReadSnapshot(env(), dir(), name, "another-store-id"),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(name), HasSubstr("store"))));
}

TEST_F(SnapshotFileTest, RenamedFileWhoseSeqDisagreesIsDataLoss) {
  const std::string name = WriteOrDie(9);
  const std::string renamed = SnapshotFileName(10);
  ASSERT_OK(env()->Rename(JoinPath(dir(), name), JoinPath(dir(), renamed)));
  EXPECT_THAT(ReadSnapshot(env(), dir(), renamed, kStoreId),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(renamed)));
}

TEST_F(SnapshotFileTest, UnparsableHeaderIsDataLoss) {
  const std::string name = WriteOrDie(9);
  const std::string path = JoinPath(dir(), name);
  std::string data = ReadFileOrDie(path);
  absl::StrReplaceAll({{"\"seq\":9", "\"seq\":9}"}}, &data);
  WriteFileOrDie(path, data);
  EXPECT_THAT(ReadSnapshot(env(), dir(), name, kStoreId),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(name)));
}

TEST_F(SnapshotFileTest, HeaderFieldOfWrongTypeIsDataLoss) {
  const std::string name = WriteOrDie(9);
  const std::string path = JoinPath(dir(), name);
  // Sealed again: the field's type, not the checksum, is what fails.
  testing::EditSnapshotHeader(path, [](Json* h) { (*h)["seq"] = "9"; });
  EXPECT_THAT(ReadSnapshot(env(), dir(), name, kStoreId),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(name), HasSubstr("seq"))));
}

TEST_F(SnapshotFileTest, NewerFormatIsFailedPrecondition) {
  const std::string name = WriteOrDie(9);
  const std::string path = JoinPath(dir(), name);
  testing::EditSnapshotHeader(path, [](Json* h) { (*h)["format"] = 2; });
  EXPECT_THAT(ReadSnapshot(env(), dir(), name, kStoreId),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(name), HasSubstr("newer statelog"))));
}

// A format number that damage changed (a bit flip makes "1" a "3") is
// damage: the header's checksum is checked before its format, and an
// older snapshot serves instead of the open being refused.
TEST_F(SnapshotFileTest, AFormatNumberChangedByDamageIsDataLoss) {
  const std::string name = WriteOrDie(9);
  const std::string path = JoinPath(dir(), name);
  std::string data = ReadFileOrDie(path);
  absl::StrReplaceAll({{"\"format\":1", "\"format\":3"}}, &data);
  WriteFileOrDie(path, data);
  EXPECT_THAT(ReadSnapshot(env(), dir(), name, kStoreId),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(name), HasSubstr("checksum"))));
}

TEST_F(SnapshotFileTest, MissingFileIsNotFound) {
  EXPECT_THAT(ReadSnapshot(env(), dir(), SnapshotFileName(3), kStoreId),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("snapshot")));
}

}  // namespace
}  // namespace statelog::internal
