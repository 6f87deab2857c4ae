// tests/fault/poison_test.cc
//
// Item 10 of the fault battery: poison values.
//
// At the API: nesting past the limit, invalid UTF-8 in keys, values and
// pointers, NaN and infinities, over-sized values and records, and odd JSON
// pointers are refused with InvalidArgument and write nothing; values just
// inside every limit, and every pointer RFC 6901 allows ("" is the whole
// document, "/" the member named ""), are accepted and read back the same
// after reopening and after compaction.
//
// In the files: a journal record framed by hand (journal/record.h, right
// chain and checksum, so that only its content is wrong) holding an invalid
// payload, a poison value, or an operation that does not apply makes Open
// fail with an error that names the segment, the offset and the sequence
// number, changes nothing, and never crashes; a snapshot whose state is
// poison but whose checksum is right is passed over for the older one.

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "journal/format.h"
#include "journal/journal_reader.h"
#include "journal/record.h"
#include "snapshot/snapshot_file.h"
#include "statelog/store.h"
#include "store/identity.h"
#include "tests/fault/fault_util.h"
#include "tests/testing/mem_env.h"
#include "tests/testing/test_util.h"
#include "util/file_names.h"

namespace statelog {
namespace {

using ::statelog::fault::PrintSummary;
using ::statelog::fault::WithCommas;
using ::statelog::testing::MemEnv;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kDir[] = "/s";

Options InMemory(MemEnv* env, bool create = false) {
  Options o;
  o.env = env;
  o.create_if_missing = create;
  o.segment_bytes = 64 << 10;
  // One thread of file operations: no spare segment appears beside the
  // writer while the files are compared.
  o.compact_in_background = false;
  return o;
}

// Everything in the store directory (file name -> bytes), to show that a
// refused transaction or a failed Open wrote nothing.
std::map<std::string, std::string> Files(MemEnv* env) {
  std::map<std::string, std::string> out;
  const absl::StatusOr<std::vector<std::string>> names = env->ListDir(kDir);
  EXPECT_OK(names);
  if (!names.ok()) return out;
  for (const std::string& name : *names) {
    std::string data;
    out[name] = env->GetFile(internal::JoinPath(kDir, name), &data)
                    ? data
                    : "(directory)";
  }
  out.erase("recovery-report.json");
  return out;
}

// `depth` nested arrays around 1, built without recursion.
Json Nested(int depth) {
  Json root = 1;
  for (int i = 0; i < depth; ++i) {
    Json outer = Json::array();
    outer.push_back(std::move(root));
    root = std::move(outer);
  }
  return root;
}

// A pointer `depth` tokens deep under its own member: /d<depth>/a/.../a.
std::string DeepPointer(int depth) {
  std::string p = absl::StrCat("/d", depth);
  for (int i = 1; i < depth; ++i) p += "/a";
  return p;
}

// Counts what the API tests did, for the summary line.
struct ApiCounts {
  int refused = 0;
  int accepted = 0;
};

// Applies `txn`, which must be refused with InvalidArgument whose message
// contains `what`, and must leave the store and its files unchanged.
void ExpectRefused(Store* store, MemEnv* env, const Transaction& txn,
                   const std::string& what, ApiCounts* counts) {
  const uint64_t before = store->LastSeq();
  const Json state = *store->Get("");
  const auto files = Files(env);
  EXPECT_THAT(store->Apply(txn),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(what)));
  EXPECT_EQ(store->LastSeq(), before);
  EXPECT_EQ(*store->Get(""), state);
  EXPECT_TRUE(Files(env) == files) << "a refused transaction changed a file";
  ++counts->refused;
}

// Reopens the store (and then compacts and reopens again): the state must
// be what the live store held.
void ExpectSurvivesReopenAndCompaction(std::unique_ptr<Store>* store,
                                       MemEnv* env) {
  const Json state = *(*store)->Get("");
  const uint64_t seq = (*store)->LastSeq();
  store->reset();
  absl::StatusOr<OpenResult> r = Store::Open(kDir, InMemory(env));
  ASSERT_OK(r);
  EXPECT_EQ(r->report.last_seq, seq);
  EXPECT_EQ(*r->store->Get(""), state)
      << "the journal did not replay what was accepted";
  ASSERT_OK(r->store->Compact());
  r->store.reset();
  r = Store::Open(kDir, InMemory(env));
  ASSERT_OK(r);
  EXPECT_EQ(r->report.snapshot_seq, seq);
  EXPECT_EQ(*r->store->Get(""), state)
      << "the snapshot did not load what was accepted";
  *store = std::move(r->store);
}

class PoisonApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<OpenResult> r = Store::Open(kDir, InMemory(&env_, true));
    ASSERT_OK(r);
    store_ = std::move(r->store);
  }
  // The one summary line of each test.
  void Summary(const std::string& what) {
    PrintSummary(absl::StrCat(
        "poison(", what, "): ", counts_.refused,
        " poison transactions refused with InvalidArgument, nothing "
        "written; ",
        counts_.accepted,
        " at the limits accepted and read back after reopen and "
        "compaction"));
  }
  MemEnv env_;
  std::unique_ptr<Store> store_;
  ApiCounts counts_;
};

TEST_F(PoisonApiTest,
       NestingPastTheLimitIsRefusedAndTheDeepestAcceptedValueReadsBack) {
  // A value at path depth d sits in the journal three levels down
  // ({"ops":[{"value":...}]}) and in the state d levels down; the limit
  // (256) applies to whichever is deeper.
  for (int path_depth : {1, 3, 4, 10, 200, 255}) {
    const std::string path = DeepPointer(path_depth);
    const int deepest = kMaxNestingDepth - std::max(path_depth, 3);
    ExpectRefused(store_.get(), &env_,
                  Transaction().Set(path, Nested(deepest + 1)),
                  "nesting deeper than 256", &counts_);
    ASSERT_OK(store_->Apply(Transaction().Set(path, Nested(deepest))))
        << "path depth " << path_depth;
    ++counts_.accepted;
  }
  ExpectRefused(store_.get(), &env_, Transaction().Set(DeepPointer(257), 1),
                "nesting deeper than 256", &counts_);
  ExpectRefused(store_.get(), &env_,
                Transaction().Merge({{"m", Nested(kMaxNestingDepth)}}),
                "nesting deeper than 256", &counts_);
  ExpectRefused(store_.get(), &env_, Transaction().Test("/a", Nested(300)),
                "nesting deeper than 256", &counts_);
  // Far past the limit: refused without recursion (nlohmann's own dump and
  // copy would overflow the stack here).
  ExpectRefused(store_.get(), &env_, Transaction().Set("/x", Nested(100000)),
                "nesting deeper than 256", &counts_);
  // Moving or copying a deep value deeper than the limit is refused too;
  // to exactly the limit it is accepted.
  ASSERT_OK(
      store_->Apply(Transaction().Set("/src", Nested(kMaxNestingDepth - 3))));
  ASSERT_OK(store_->Apply(Transaction().Set("/b/c/d", Json::object())));
  ExpectRefused(store_.get(), &env_, Transaction().Copy("/src", "/b/c/d/e"),
                "nesting deeper", &counts_);
  ExpectRefused(store_.get(), &env_, Transaction().Move("/src", "/b/c/d/e"),
                "nesting deeper", &counts_);
  ASSERT_OK(store_->Apply(Transaction().Copy("/src", "/b/c/e")));
  ++counts_.accepted;
  ExpectSurvivesReopenAndCompaction(&store_, &env_);
  Summary("nesting");
}

TEST_F(PoisonApiTest, InvalidUtf8AnywhereIsRefused) {
  const std::vector<std::string> bad = {
      "\xff",                  // never valid
      "\xc0\xaf",              // overlong '/'
      "\xe0\x80\xaf",          // overlong, three bytes
      "\xed\xa0\x80",          // UTF-16 surrogate U+D800
      "\xf4\x90\x80\x80",      // above U+10FFFF
      "\xf8\x88\x80\x80\x80",  // five-byte form
      "\xe2\x82",              // truncated
      "ok\x80",                // stray continuation byte
  };
  for (const std::string& b : bad) {
    ExpectRefused(store_.get(), &env_, Transaction().Set("/v", b), "UTF-8",
                  &counts_);
    ExpectRefused(store_.get(), &env_,
                  Transaction().Set("/v", Json{{"k" + b, 1}}), "UTF-8",
                  &counts_);
    ExpectRefused(store_.get(), &env_,
                  Transaction().Set("/v", Json::array({1, {{"x", b}}})),
                  "UTF-8", &counts_);
    ExpectRefused(store_.get(), &env_, Transaction().Merge({{b, 1}}), "UTF-8",
                  &counts_);
    ExpectRefused(store_.get(), &env_, Transaction().Set("/k" + b, 1), "UTF-8",
                  &counts_);
    ExpectRefused(store_.get(), &env_, Transaction().Copy("/k" + b, "/v"),
                  "UTF-8", &counts_);
    EXPECT_THAT(
        store_->Get("/k" + b),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
  }
  // Valid but unusual text is accepted and reads back byte for byte.
  const std::vector<std::string> good = {std::string("nul\0inside", 10),
                                         "\xef\xbb\xbf"
                                         "bom",
                                         "\xf0\x9f\x98\x80",
                                         "\xf4\x8f\xbf\xbf",  // U+10FFFF
                                         "\xef\xbf\xbf",      // U+FFFF
                                         "\"quotes\\and\ncontrol\x01\x1f",
                                         "~/~0~1"};
  for (size_t i = 0; i < good.size(); ++i) {
    ASSERT_OK(
        store_->Apply(Transaction().Set(absl::StrCat("/good", i), good[i])));
    ASSERT_OK(store_->Apply(Transaction().Merge({{good[i], i}})));
    counts_.accepted += 2;
  }
  ExpectSurvivesReopenAndCompaction(&store_, &env_);
  for (size_t i = 0; i < good.size(); ++i) {
    EXPECT_EQ(*store_->Get(absl::StrCat("/good", i)), good[i]);
  }
  Summary("utf-8");
}

TEST_F(PoisonApiTest, NonFiniteNumbersAreRefusedAndExtremeFiniteOnesReadBack) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {nan, -nan, inf, -inf}) {
    ExpectRefused(store_.get(), &env_, Transaction().Set("/x", v), "not finite",
                  &counts_);
    ExpectRefused(store_.get(), &env_,
                  Transaction().Set("/x", Json::array({1, v})), "not finite",
                  &counts_);
    ExpectRefused(store_.get(), &env_, Transaction().Merge({{"x", {{"y", v}}}}),
                  "not finite", &counts_);
    ExpectRefused(store_.get(), &env_, Transaction().Test("/x", v),
                  "not finite", &counts_);
  }
  const Json extremes = {
      {"max", std::numeric_limits<double>::max()},
      {"lowest", std::numeric_limits<double>::lowest()},
      {"denormal", std::numeric_limits<double>::denorm_min()},
      {"negative_zero", -0.0},
      {"u64max", std::numeric_limits<uint64_t>::max()},
      {"i64min", std::numeric_limits<int64_t>::min()},
      {"third", 1.0 / 3.0}};
  ASSERT_OK(store_->Apply(Transaction().Set("/extremes", extremes)));
  ++counts_.accepted;
  ExpectSurvivesReopenAndCompaction(&store_, &env_);
  const Json back = *store_->Get("/extremes");
  EXPECT_EQ(back, extremes);
  EXPECT_TRUE(back["u64max"].is_number_unsigned());
  EXPECT_TRUE(std::signbit(back["negative_zero"].get<double>()));
  Summary("numbers");
}

TEST_F(PoisonApiTest,
       OverSizedRecordsAreRefusedAndTheLargestAcceptedOneReadsBack) {
  // Default limit: a value of 17 MiB is refused before anything is written.
  ExpectRefused(store_.get(), &env_,
                Transaction().Set("/big", std::string(17 << 20, 'x')),
                "maximum record size", &counts_);
  store_.reset();
  // A small limit, and segments smaller than the records.
  Options o = InMemory(&env_);
  o.max_record_bytes = 64 << 10;
  o.segment_bytes = 4096;
  absl::StatusOr<OpenResult> r = Store::Open(kDir, o);
  ASSERT_OK(r);
  store_ = std::move(r->store);
  const size_t base = Transaction().Set("/big", "").ToJson().dump().size();
  const size_t fits = o.max_record_bytes - base;
  ExpectRefused(store_.get(), &env_,
                Transaction().Set("/big", std::string(fits + 1, 'y')),
                "maximum record size", &counts_);
  ASSERT_OK(store_->Apply(Transaction().Set("/big", std::string(fits, 'y'))));
  // Many small operations add up to a record over the limit too.
  Transaction many;
  for (int i = 0; i < 5000; ++i)
    many.Set(absl::StrCat("/many/", i), "0123456789");
  ExpectRefused(store_.get(), &env_, many, "maximum record size", &counts_);
  ++counts_.accepted;
  const Json state = *store_->Get("");
  store_.reset();
  r = Store::Open(kDir, o);
  ASSERT_OK(r);
  EXPECT_EQ(*r->store->Get(""), state);
  Summary("sizes");
}

// A store written with a large max_record_bytes and reopened with a smaller
// one holds intact, checksummed, acknowledged records over the new limit;
// they are not damage and must not be cut off as a torn tail. (Found by
// this suite: the reader used to bound record lengths by the option, so the
// last such record was quarantined and zeroed, lost for the old limit too.)
TEST(PoisonSizeTest, RecordOverTheReadersLimitIsNotCutOffAsATornTail) {
  MemEnv env;
  Options big = InMemory(&env, true);
  big.max_record_bytes = 1 << 20;
  Json expected;
  {
    absl::StatusOr<OpenResult> r = Store::Open(kDir, big);
    ASSERT_OK(r);
    ASSERT_OK(r->store->Apply(Transaction().Set("/small", 1)));
    ASSERT_OK(r->store->Apply(
        Transaction().Set("/big", std::string(300 << 10, 'b'))));
    expected = *r->store->Get("");
  }
  {
    // Refusing to open (the record is over this opener's limit) would be
    // fine; dropping the acknowledged record is not.
    Options small = InMemory(&env);
    small.max_record_bytes = 64 << 10;
    absl::StatusOr<OpenResult> r = Store::Open(kDir, small);
    if (r.ok()) {
      EXPECT_EQ(r->store->LastSeq(), 2u)
          << "the acknowledged 300 KiB record 2 was cut off: "
          << r->report.damage;
      EXPECT_TRUE(r->report.quarantined.empty());
      EXPECT_TRUE(*r->store->Get("") == expected);
    }
  }
  // And it is still there for the limit it was written under.
  absl::StatusOr<OpenResult> again = Store::Open(kDir, big);
  ASSERT_OK(again);
  EXPECT_EQ(again->store->LastSeq(), 2u) << "record 2 is gone for good";
  EXPECT_TRUE(*again->store->Get("") == expected);
}

// Pointers against a state that has a member named "", a member named
// "a/b", an array and nested objects. Every pointer goes through every
// operation that takes one; a pointer RFC 6901 rejects is InvalidArgument
// everywhere, a valid one is either applied or refused cleanly, and
// whatever was applied reads back identically after reopening and after
// compaction.
TEST_F(PoisonApiTest, OddPointersAreRefusedOrAppliedAndReplayedIdentically) {
  const Json initial = {{"", 0},
                        {"a", {{"b", 1}, {"~", 2}, {"", 3}}},
                        {"a/b", 4},
                        {"~", 5},
                        {"arr", {1, 2, 3}},
                        {"-", 6}};
  ASSERT_OK(store_->Apply(Transaction().Set("", initial)));
  const std::vector<std::string> invalid = {
      "~2", "-", "a", "/~2", "/a/~", "/a~", "/~x", "/\xff", "#/a", " /a"};
  const std::vector<std::string> valid = {
      "",         "/",      "//",        "/-",      "/a~1b",
      "/a~0",     "/~0",    "/a/",       "/a/~0",   "/arr/-",
      "/arr/0",   "/arr/3", "/arr/01",   "/arr/-1", "/arr/99999999999999999999",
      "/arr/1e0", "/a/b/c", "/missing/x"};
  int applied = 0, refused_cleanly = 0;
  auto each_op = [&](const std::string& p) {
    return std::vector<Transaction>{
        Transaction().Set(p, "set"),     Transaction().Add(p, "add"),
        Transaction().Replace(p, "rep"), Transaction().Remove(p),
        Transaction().Unset(p),          Transaction().Test(p, 1),
        Transaction().Copy("/a", p),     Transaction().Copy(p, "/copied"),
        Transaction().Move(p, "/moved"), Transaction().Move("/~", p)};
  };
  for (const std::string& p : invalid) {
    for (const Transaction& txn : each_op(p)) {
      ExpectRefused(store_.get(), &env_, txn, "pointer", &counts_);
    }
    EXPECT_THAT(store_->Get(p), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("pointer")));
  }
  for (const std::string& p : valid) {
    for (const Transaction& txn : each_op(p)) {
      // Start each from the same state, so that one operation's effect
      // does not decide whether the next applies.
      ASSERT_OK(store_->Apply(Transaction().Set("", initial)));
      const Json before = *store_->Get("");
      const uint64_t seq = store_->LastSeq();
      absl::StatusOr<uint64_t> r = store_->Apply(txn);
      if (r.ok()) {
        ++applied;
        EXPECT_EQ(*r, seq + 1);
      } else {
        ++refused_cleanly;
        EXPECT_THAT(r.status().code(),
                    ::testing::AnyOf(absl::StatusCode::kInvalidArgument,
                                     absl::StatusCode::kNotFound,
                                     absl::StatusCode::kAborted))
            << p << ": " << r.status();
        EXPECT_EQ(*store_->Get(""), before) << p;
        EXPECT_EQ(store_->LastSeq(), seq);
      }
    }
    absl::StatusOr<Json> got = store_->Get(p);
    EXPECT_TRUE(got.ok() || absl::IsNotFound(got.status()) ||
                absl::IsInvalidArgument(got.status()))
        << p << ": " << got.status();
  }
  // What RFC 6901 and 6902 say for the two pointers that look wrong but are
  // not: "" is the whole document and "/" the member named "".
  ASSERT_OK(store_->Apply(Transaction().Set("", initial)));
  EXPECT_EQ(*store_->Get(""), initial);
  EXPECT_EQ(*store_->Get("/"), 0);
  // "//" passes through the member "", a number.
  absl::StatusOr<Json> through_number = store_->Get("//");
  EXPECT_TRUE(absl::IsNotFound(through_number.status()) ||
              absl::IsInvalidArgument(through_number.status()))
      << through_number.status();
  ASSERT_OK(store_->Apply(Transaction().Test("", initial).Test("/", 0)));
  ASSERT_OK(store_->Apply(Transaction().Replace("/", "empty-key")));
  EXPECT_EQ(*store_->Get("/"), "empty-key");
  EXPECT_EQ(*store_->Get("/a~1b"), 4);
  EXPECT_EQ(*store_->Get("/~0"), 5);
  EXPECT_EQ(*store_->Get("/a/"), 3);
  EXPECT_EQ(*store_->Get("/-"), 6);
  EXPECT_THAT(store_->Apply(Transaction().Remove("")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("root")));
  ASSERT_OK(store_->Apply(Transaction().Add("", Json::array({"whole"}))));
  EXPECT_EQ(*store_->Get(""), Json::array({"whole"}));
  ASSERT_OK(store_->Apply(Transaction().Add("/-", "appended")));
  EXPECT_EQ(*store_->Get("/1"), "appended");
  ExpectSurvivesReopenAndCompaction(&store_, &env_);
  PrintSummary(absl::StrCat(
      "poison(pointers): ", invalid.size(), " invalid pointers refused by ",
      each_op("").size(), " operations each and by Get; ", valid.size(),
      " valid ones: ", applied, " operations applied, ", refused_cleanly,
      " refused cleanly; all replayed identically"));
}

// ---------------------------------------------------------------------------
// Poison in the files.

struct CraftedStore {
  MemEnv env;
  std::string store_id;
  std::string segment;  // name of the last segment
  uint64_t offset = 0;  // where the next record goes
  uint64_t next_seq = 0;
  uint64_t chain = 0;
};

// A store with three records (/n = 1, 2, 3), closed.
void MakeCraftedStore(CraftedStore* s) {
  {
    Options o = InMemory(&s->env, true);
    o.segment_bytes = 256 << 10;  // room for the 200 KB poison record
    absl::StatusOr<OpenResult> r = Store::Open(kDir, o);
    ASSERT_OK(r);
    for (int i = 1; i <= 3; ++i)
      ASSERT_OK(r->store->Apply(Transaction().Set("/n", i)));
  }
  absl::StatusOr<internal::StoreIdentity> id =
      internal::ReadIdentity(&s->env, kDir);
  ASSERT_OK(id);
  s->store_id = id->store_id;
  absl::StatusOr<internal::JournalReadResult> j =
      internal::ReadJournal(&s->env, kDir, s->store_id, 0, 0, 16 << 20,
                            [](const internal::RecordHeader&,
                               absl::string_view) { return absl::OkStatus(); });
  ASSERT_OK(j);
  s->segment = j->tail_file;
  s->offset = j->tail_offset;
  s->next_seq = j->last_seq + 1;
  s->chain = j->last_chain;
}

// Frames `payload` as the next record, with the right chain and checksum,
// and writes it into the segment.
void AppendRecord(
    CraftedStore* s, absl::string_view payload,
    uint8_t type = static_cast<uint8_t>(internal::RecordType::kTransaction)) {
  std::string framed;
  s->chain = internal::EncodeRecord(s->chain, s->next_seq, s->next_seq - 1,
                                    static_cast<internal::RecordType>(type),
                                    payload, &framed);
  const std::string path = internal::JoinPath(kDir, s->segment);
  std::string data;
  ASSERT_TRUE(s->env.GetFile(path, &data));
  ASSERT_LE(s->offset + framed.size(), data.size());
  data.replace(s->offset, framed.size(), framed);
  s->env.PutFile(path, data);
  s->offset += framed.size();
  ++s->next_seq;
}

std::string DeepArrays(int depth) {
  return std::string(depth, '[') + "1" + std::string(depth, ']');
}

std::string SetPayload(const std::string& value_text) {
  return R"({"ops":[{"op":"set","path":"/v","value":)" + value_text + "}]}";
}

struct PoisonRecord {
  std::string name;
  std::string payload;
  absl::StatusCode code;
  std::string message;  // a part of the error that says what is wrong
  uint8_t type = static_cast<uint8_t>(internal::RecordType::kTransaction);
};

std::vector<PoisonRecord> PoisonRecords() {
  using C = absl::StatusCode;
  return {
      {"empty payload", "", C::kInvalidArgument, "invalid JSON"},
      {"not JSON", R"({"ops":[)", C::kInvalidArgument, "invalid JSON"},
      {"trailing garbage", SetPayload("1") + " x", C::kInvalidArgument,
       "invalid JSON"},
      {"raw NUL in a string", SetPayload(std::string("\"a\0b\"", 5)),
       C::kInvalidArgument, "invalid JSON"},
      {"a number, not a transaction", "42", C::kInvalidArgument,
       "expected an array"},
      {"no operations", R"({"ops":[]})", C::kInvalidArgument, "no operations"},
      {"ops is not an array", R"({"ops":5})", C::kInvalidArgument,
       "not an array"},
      {"unknown member", R"({"opz":[]})", C::kInvalidArgument,
       "exactly one member"},
      {"unknown op", R"({"ops":[{"op":"frobnicate","path":"/a"}]})",
       C::kInvalidArgument, "unknown op"},
      {"nesting 257", SetPayload(DeepArrays(254)), C::kInvalidArgument,
       "nesting deeper than 256"},
      {"nesting 100000", SetPayload(DeepArrays(100000)), C::kInvalidArgument,
       "nesting deeper than 256"},
      {"invalid UTF-8 in a value", SetPayload("\"\xff\""), C::kInvalidArgument,
       "invalid JSON"},
      {"invalid UTF-8 in a key",
       R"({"ops":[{"op":"merge","value":{")"
       "\xc0\xaf"
       R"(":1}}]})",
       C::kInvalidArgument, "invalid JSON"},
      {"lone surrogate escape", SetPayload(R"("\ud800")"), C::kInvalidArgument,
       "invalid JSON"},
      {"NaN", SetPayload("NaN"), C::kInvalidArgument, "invalid JSON"},
      {"1e400", SetPayload("1e400"), C::kInvalidArgument, "out of range"},
      {"-1e400", SetPayload("[-1e400]"), C::kInvalidArgument, "out of range"},
      {"invalid pointer ~2", R"({"ops":[{"op":"set","path":"~2","value":1}]})",
       C::kInvalidArgument, "pointer"},
      {"invalid pointer /a/~",
       R"({"ops":[{"op":"set","path":"/a/~","value":1}]})", C::kInvalidArgument,
       "pointer"},
      {"remove of a missing member",
       R"({"ops":[{"op":"remove","path":"/missing"}]})", C::kDataLoss,
       "does not apply"},
      {"failing test", R"({"ops":[{"op":"test","path":"/n","value":999}]})",
       C::kDataLoss, "does not apply"},
      {"add past the end of an array",
       R"({"ops":[{"op":"set","path":"/arr","value":[]},{"op":"add","path":"/arr/5","value":1}]})",
       C::kDataLoss, "does not apply"},
      {"unknown record type 0x02", SetPayload("1"), C::kFailedPrecondition,
       "unknown record type 2", 0x02},
  };
}

TEST(PoisonJournalTest, CraftedPoisonRecordsFailRecoveryWithAClearError) {
  int cases = 0;
  for (const PoisonRecord& poison : PoisonRecords()) {
    for (bool followed : {false, true}) {
      SCOPED_TRACE(poison.name +
                   (followed ? " (followed by a valid record)" : ""));
      CraftedStore s;
      MakeCraftedStore(&s);
      if (::testing::Test::HasFatalFailure()) return;
      const uint64_t offset = s.offset;
      const uint64_t seq = s.next_seq;
      AppendRecord(&s, poison.payload, poison.type);
      if (followed) AppendRecord(&s, SetPayload("7"));
      if (::testing::Test::HasFatalFailure()) return;
      const auto files = Files(&s.env);
      for (RecoveryMode mode :
           {RecoveryMode::kTolerateTornTail, RecoveryMode::kStrict,
            RecoveryMode::kPointInTime}) {
        for (bool read_only : {false, true}) {
          Options o = InMemory(&s.env);
          o.recovery_mode = mode;
          o.read_only = read_only;
          EXPECT_THAT(
              Store::Open(kDir, o),
              StatusIs(poison.code,
                       AllOf(HasSubstr(absl::StrCat(s.segment, " offset ",
                                                    offset, " seq ", seq)),
                             HasSubstr(poison.message))))
              << RecoveryModeName(mode) << (read_only ? " read-only" : "");
          EXPECT_TRUE(Files(&s.env) == files)
              << "a failed recovery changed a file";
          ++cases;
        }
      }
    }
  }
  PrintSummary(absl::StrCat(
      "poison(journal): ", PoisonRecords().size(),
      " crafted poison records (alone and followed by a valid one) x 3 "
      "modes x read-only/read-write = ",
      WithCommas(cases),
      " recoveries, each failed naming segment, offset and seq, "
      "changed nothing, no crash"));
}

TEST(PoisonJournalTest, PoisonSnapshotWithAValidChecksumIsPassedOver) {
  const std::vector<std::pair<std::string, std::string>> states = {
      {"not JSON", "{\"a\":"},
      {"nesting 257", DeepArrays(257)},
      {"nesting 100000", DeepArrays(100000)},
      {"invalid UTF-8", "{\"a\":\"\xff\"}"},
      {"1e400", "{\"a\":1e400}"},
      {"NaN", "{\"a\":NaN}"},
      {"empty", ""},
  };
  for (const auto& [name, state_json] : states) {
    SCOPED_TRACE(name);
    MemEnv env;
    Json expected;
    {
      absl::StatusOr<OpenResult> r = Store::Open(kDir, InMemory(&env, true));
      ASSERT_OK(r);
      for (int i = 1; i <= 6; ++i) {
        ASSERT_OK(r->store->Apply(Transaction().Set("/n", i)));
        if (i == 4) {
          ASSERT_OK(r->store->Compact());
        }
      }
      expected = *r->store->Get("");
    }
    absl::StatusOr<internal::StoreIdentity> id =
        internal::ReadIdentity(&env, kDir);
    ASSERT_OK(id);
    const std::string file = internal::SnapshotFileName(4);
    absl::StatusOr<internal::VerifiedSnapshot> good =
        internal::ReadSnapshot(&env, kDir, file, id->store_id);
    ASSERT_OK(good);
    // Rewritten by the library's own writer: header and checksum are right,
    // only the state is poison.
    ASSERT_OK(internal::WriteSnapshot(&env, kDir, good->header, state_json));
    absl::StatusOr<OpenResult> r = Store::Open(kDir, InMemory(&env));
    ASSERT_OK(r);
    EXPECT_EQ(r->report.snapshot_used, internal::SnapshotFileName(0));
    ASSERT_FALSE(r->report.snapshots_tried.empty());
    EXPECT_EQ(r->report.snapshots_tried[0].file, file);
    EXPECT_FALSE(r->report.snapshots_tried[0].error.empty());
    EXPECT_EQ(*r->store->Get(""), expected);
  }
  PrintSummary(absl::StrCat(
      "poison(snapshot): ", states.size(),
      " poison states with valid checksums passed over for the older "
      "snapshot"));
}

}  // namespace
}  // namespace statelog
