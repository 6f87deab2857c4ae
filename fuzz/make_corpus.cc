// fuzz/make_corpus.cc
//
// Writes the seed corpus of every fuzz target into <dir>/<target>/ (the
// committed corpus is fuzz/corpus/): small journals framed by hand, store
// directories written by the store itself and then damaged, transactions
// of every kind, and random step sequences for the model target. Store ids
// and creation times are random, so a new run writes equivalent seeds, not
// identical ones; crashers found by fuzzing are added next to them by hand.
//
// Usage: statelog_fuzz_corpus <dir>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fuzz/checksum_fixup.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_store_dir.h"
#include "journal/record.h"
#include "statelog/store.h"
#include "tests/testing/mem_env.h"
#include "util/file_names.h"

namespace statelog::fuzz {
namespace {

class CorpusWriter {
 public:
  CorpusWriter(std::string dir, std::string target)
      : dir_(std::filesystem::path(dir) / target) {
    std::filesystem::create_directories(dir_);
  }
  ~CorpusWriter() {
    std::printf("%s: %d seeds\n", dir_.string().c_str(), count_);
  }

  void Add(const std::string& tag, const std::string& bytes) {
    const std::string name = absl::StrFormat("seed-%03d-%s", count_++, tag);
    std::ofstream out(dir_ / name, std::ios::binary | std::ios::trunc);
    out << bytes;
  }

 private:
  std::filesystem::path dir_;
  int count_ = 0;
};

// ---- journal ----

constexpr char kStoreId[] = "fuzz-store-id-16";

std::string Payload(uint64_t seq, size_t size) {
  return absl::StrCat(R"({"ops":[{"op":"set","path":"/n","value":)", seq,
                      R"(},{"op":"set","path":"/s","value":")",
                      std::string(size, static_cast<char>('a' + seq % 26)),
                      "\"}]}");
}

// Segments holding `per_segment[i]` records each, chained, every record's
// watermark its predecessor's sequence number (as under kSync).
std::vector<NamedFile> Journal(const std::vector<int>& per_segment,
                               size_t payload = 8, uint8_t odd_type = 0) {
  std::vector<NamedFile> files;
  uint64_t seq = 1;
  uint64_t chain = 0;
  for (int records : per_segment) {
    NamedFile file{internal::SegmentFileName(seq), ""};
    internal::EncodeSegmentHeader({kStoreId, seq, chain}, &file.data);
    for (int i = 0; i < records; ++i, ++seq) {
      const bool odd = odd_type != 0 && seq == 2;
      chain = internal::EncodeRecord(
          chain, seq, seq - 1,
          static_cast<internal::RecordType>(odd ? odd_type : 1),
          Payload(seq, payload + seq * 5), &file.data);
    }
    files.push_back(std::move(file));
  }
  return files;
}

void JournalSeeds(const std::string& dir) {
  CorpusWriter w(dir, "journal");
  // Options: the checksum fixes (fuzz/checksum_fixup.h), then where
  // reading starts.
  auto add = [&](const std::string& tag, std::vector<NamedFile> files,
                 std::string where = "", char fixes = 0) {
    w.Add(tag, FormatDirInput(
                   DirInput{std::string(1, fixes) + where, std::move(files)}));
  };
  add("empty", {});
  add("header-only", Journal({0}));
  add("one-record", Journal({1}));
  add("three-records", Journal({3}), "\x01");
  add("two-segments", Journal({2, 3}), "\x02\x03");
  add("three-segments", Journal({1, 2, 2}), "\x04");
  add("empty-middle-segment", Journal({2, 0, 2}));
  add("big-payloads", Journal({2, 1}, 600));
  add("ignorable-type", Journal({4}, 8, 0x81));
  add("unknown-type", Journal({4}, 8, 0x02));
  std::vector<NamedFile> j = Journal({4});
  j[0].data.append(200, '\0');
  add("zero-padded", j);
  j = Journal({4});
  j[0].data.resize(j[0].data.size() - 7);
  add("torn-tail", j);
  j = Journal({5});
  j[0].data[64 + 40 + 3] ^= 0x10;
  add("mid-log-flip", j);
  j[0].data[64 + 40 + 16] ^= 0x01;  // the sequence number
  add("mid-log-seq-fixed", j, "", kFixRecordChecksums);
  j = Journal({2, 2});
  j[1].data[10] ^= 1;
  add("damaged-second-header", j);
  j = Journal({3});
  j[0].data.append("garbage after the log");
  add("garbage-after-end", j);
  j = Journal({2, 2});
  j[1].data[45] ^= 0x40;  // chain-in (header checksum now wrong too)
  add("broken-chain-in", j);
  add("broken-chain-in-fixed", j, "", kFixRecordChecksums);
  add("chain-repaired", j, "", kFixRecordChecksums | kFixRecordChains);
  j = Journal({2, 2});
  std::swap(j[0].name, j[1].name);
  add("names-swapped", j);
  j = Journal({3});
  j[0].data.replace(16, 16, "another-store-id");
  add("another-store", j);
  j = Journal({3});
  j.push_back({"wal-00000000000000000009.log.tmp", "leftover"});
  add("temp-file", j);
  j = Journal({2, 2, 2});
  j.erase(j.begin() + 1);
  add("missing-segment", j, "\x07\x02");
}

// ---- recovery ----

// Runs `steps` on a new store in a MemEnv and returns its directory as an
// input, segment files cut after their last nonzero byte (to keep seeds
// small; the reader treats the end of a file as the end of the log).
DirInput RecordedStore(int transactions, int compact_every, bool trim = true) {
  testing::MemEnv env;
  Options options;
  options.env = &env;
  options.create_if_missing = true;
  options.segment_bytes = 4096;
  options.compact_after_records = 0;
  options.compact_after_bytes = 0;
  {
    auto opened = Store::Open(kStoreDir, options);
    if (!opened.ok()) std::abort();
    for (int i = 1; i <= transactions; ++i) {
      Transaction txn;
      if (i > 1) txn.Test("/n", i - 1);
      txn.Set("/n", i).Set(absl::StrCat("/k", i % 4),
                           std::string(static_cast<size_t>(i * 37), 'v'));
      if (i % 3 == 0) txn.Merge(Json{{"m", i}});
      if (!opened->store->Apply(txn).ok()) std::abort();
      if (compact_every > 0 && i % compact_every == 0) {
        if (!opened->store->Compact().ok()) std::abort();
      }
    }
  }
  DirInput input;
  for (auto& [name, data] : StoreDirFiles(&env)) {
    if (name == internal::kLockFileName || name == internal::kReportFileName) {
      continue;
    }
    std::string bytes = data;
    if (trim && internal::ParseSegmentFileName(name)) {
      bytes.erase(bytes.find_last_not_of('\0') + 1);
    }
    input.files.push_back(NamedFile{name, bytes});
  }
  return input;
}

NamedFile* Find(DirInput* input, absl::string_view prefix, bool last) {
  NamedFile* found = nullptr;
  for (NamedFile& file : input->files) {
    if (absl::string_view(file.name).substr(0, prefix.size()) != prefix) {
      continue;
    }
    if (found == nullptr || last) found = &file;
  }
  return found;
}

void RecoverySeeds(const std::string& dir) {
  CorpusWriter w(dir, "recovery");
  // Options: mode, read-only, checksum fixes (fuzz/checksum_fixup.h).
  const char* kModes[] = {"\x00\x00\x00", "\x01\x00\x00", "\x02\x00\x00",
                          "\x00\x01\x00", "\x00\x00\x07"};
  auto add = [&](const std::string& tag, DirInput input) {
    for (const char* mode : kModes) {
      input.options = std::string(mode, 3);
      w.Add(absl::StrCat(tag, "-mode", int{mode[0]}, "-ro", int{mode[1]},
                         "-fix", int{mode[2]}),
            FormatDirInput(input));
    }
  };
  add("fresh", RecordedStore(0, 0));
  add("journal-only", RecordedStore(6, 0));
  add("untrimmed", RecordedStore(3, 0, /*trim=*/false));
  add("compacted", RecordedStore(9, 4));
  DirInput d = RecordedStore(5, 0);
  NamedFile* seg = Find(&d, "wal-", true);
  seg->data.resize(seg->data.size() - 9);
  add("torn-tail", d);
  d = RecordedStore(5, 0);
  seg = Find(&d, "wal-", true);
  seg->data[64 + 45] ^= 0x20;
  add("mid-log-flip", d);
  d = RecordedStore(9, 4);
  Find(&d, "snapshot-", true)->data[60] ^= 0x01;
  add("newest-snapshot-damaged", d);
  d = RecordedStore(4, 0);
  d.files.push_back({"snapshot-00000000000000000009.json.tmp", "{\"partial"});
  add("temp-snapshot", d);
  d = RecordedStore(4, 0);
  Find(&d, "STORE", false)->data = "{\"statelog\":1}";
  add("bad-identity", d);
}

// ---- txn ----

void TxnSeeds(const std::string& dir) {
  CorpusWriter w(dir, "txn");
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"journal-form", R"({"ops":[{"op":"set","path":"/a","value":1}]})"},
      {"all-kinds",
       std::string(R"({"a":{"b":[1,2,3]},"c":"x"})") + '\0' +
           R"({"ops":[{"op":"add","path":"/a/b/-","value":4},)"
           R"({"op":"remove","path":"/c"},)"
           R"({"op":"replace","path":"/a/b/0","value":{"z":null}},)"
           R"({"op":"move","from":"/a/b/1","path":"/m"},)"
           R"({"op":"copy","from":"/a","path":"/a2"},)"
           R"({"op":"test","path":"/m","value":2},)"
           R"({"op":"merge","value":{"a2":null,"n":{"o":1}}},)"
           R"({"op":"set","path":"/p/q/r","value":true},)"
           R"({"op":"unset","path":"/zz"}]})"},
      {"rfc6902-array", std::string(R"({"foo":["bar","baz"]})") + '\0' +
                            R"([{"op":"add","path":"/foo/1","value":"qux"}])"},
      {"merge-form", std::string(R"({"a":1,"b":{"c":2}})") + '\0' +
                         R"({"merge":{"b":{"c":null,"d":[1]}}})"},
      {"failing-test", std::string(R"({"n":1})") + '\0' +
                           R"([{"op":"set","path":"/n","value":2},)"
                           R"({"op":"test","path":"/n","value":3}])"},
      {"missing-path", R"([{"op":"remove","path":"/nope"}])"},
      {"move-into-itself",
       std::string(R"({"a":{"b":{}}})") + '\0' +
           R"([{"op":"move","from":"/a","path":"/a/b/c"}])"},
      {"odd-pointers", std::string(R"({"":{"~":[0]},"a/b":1})") + '\0' +
                           R"([{"op":"copy","from":"//~0/0","path":"/a~1b"},)"
                           R"({"op":"add","path":"/-","value":0}])"},
      {"array-index-forms", std::string(R"({"a":[0,1,2]})") + '\0' +
                                R"([{"op":"add","path":"/a/01","value":9}])"},
      {"root-replace", std::string("[1,2]") + '\0' +
                           R"([{"op":"replace","path":"","value":{"x":1}}])"},
      {"unknown-op", R"([{"op":"frobnicate","path":"/a"}])"},
      {"not-a-txn", R"("just a string")"},
      {"extra-member", R"({"ops":[],"extra":1})"},
      {"empty-ops", R"({"ops":[]})"},
      {"huge-number", R"([{"op":"set","path":"/a","value":1e400}])"},
      {"bad-utf8", "[{\"op\":\"set\",\"path\":\"/a\",\"value\":\"\xc0\xaf\"}]"},
      {"deep-copy", std::string(R"({"a":[[[[[[[[1]]]]]]]]})") + '\0' +
                        R"([{"op":"copy","from":"/a","path":"/a/0/0/0/0/-"}])"},
      {"deep-value", "[{\"op\":\"set\",\"path\":\"/a\",\"value\":" +
                         std::string(250, '[') + std::string(250, ']') + "}]"},
      {"not-json", "{\"ops\":[{\"op\":"},
      // The journal form exactly as EncodeJournalForm writes it, which the
      // fast record decoder takes.
      {"journal-form-all-kinds",
       std::string(R"({"a":{"b":[1,2,3]},"c":"x"})") + '\0' +
           R"({"ops":[{"op":"add","path":"/a/b/-","value":4},)"
           R"({"op":"remove","path":"/c"},)"
           R"({"op":"replace","path":"/a/b/0","value":{"z":null}},)"
           R"({"from":"/a/b/1","op":"move","path":"/m"},)"
           R"({"from":"/a","op":"copy","path":"/a2"},)"
           R"({"op":"test","path":"/m","value":2},)"
           R"({"op":"merge","value":{"a2":null,"n":{"o":1}}},)"
           R"({"op":"set","path":"/p/q/r","value":true},)"
           R"({"op":"unset","path":"/zz"}]})"},
      {"journal-form-escapes",
       "{\"ops\":[{\"op\":\"set\",\"path\":\"/a~1b/\xc3\xa9\\n\",\"value\":"
       "[\"x\\\"\\\\\\u0001\xf0\x9f\x98\x80\",-0.0,18446744073709551615,"
       "-9223372036854775808,1.5e-7]}]}"},
      // One operation on one whole member: the shortcut an open store's
      // tree takes (store/root_index.h), with a value of the old one's
      // shape, of another shape, and members removed or missing.
      {"one-member-same-shape",
       std::string(R"({"k1":{"n":1,"s":"abc"},"k2":[1,2]})") + '\0' +
           R"({"ops":[{"op":"set","path":"/k1","value":{"n":2,"s":"xy"}}]})"},
      {"one-member-other-shape",
       std::string(R"({"k1":{"n":1,"s":"abc"},"k2":[1,2]})") + '\0' +
           R"({"ops":[{"op":"replace","path":"/k2","value":{"n":[3]}}]})"},
      {"one-member-remove", std::string(R"({"k1":{"n":1},"a/b":2,"~":3})") +
                                '\0' +
                                R"({"ops":[{"op":"remove","path":"/a~1b"}]})"},
      {"one-member-unset-missing",
       std::string(R"({"k1":{"n":1}})") + '\0' +
           R"({"ops":[{"op":"unset","path":"/k9"}]})"},
  };
  for (const auto& [tag, text] : seeds) w.Add(tag, text);
}

// ---- json ----

void JsonSeeds(const std::string& dir) {
  CorpusWriter w(dir, "json");
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"object", R"({"a": [1, 2.5, -3e2], "b": {"c": null}, "a": true})"},
      {"escapes", R"({"k\n\u0041": "\" \\ \/ \b \f \r \t \ud83d\ude00"})"},
      {"utf8", "[\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"]"},
      {"long-string", "{\"s\": \"" + std::string(100, 'x') + "\"}"},
      {"numbers", "[0, -0, 1.5e308, 1e400, 4.9e-324, 1e-400, " +
                      std::string(309, '1') + "]"},
      {"bom", "\xEF\xBB\xBF{\"a\": 1}"},
      {"nul-after", std::string("{\"a\": 1}\0tail", 13)},
      {"deep", std::string(256, '[') + std::string(256, ']')},
      {"too-deep", std::string(257, '[') + std::string(257, ']')},
      {"bad-utf8", "[\"\xED\xA0\x80\", \"\xC0\xAF\"]"},
      {"lone-surrogate", R"(["\ud83d", "\ude00"])"},
      {"trailing", R"({"a": 1} [2])"},
      {"scalar", R"("just a string")"},
  };
  for (const auto& [tag, text] : seeds) w.Add(tag, text);
}

// ---- model ----

void ModelSeeds(const std::string& dir) {
  CorpusWriter w(dir, "model");
  uint64_t state = 20261125;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<char>(state >> 56);
  };
  for (int i = 0; i < 30; ++i) {
    std::string bytes(static_cast<size_t>(32 + 23 * i), '\0');
    for (char& c : bytes) c = next();
    bytes[0] = static_cast<char>(i);  // alternate kSync and kNone
    w.Add(absl::StrCat("random-", i % 2 ? "knone" : "ksync"), bytes);
  }
  // Steps are Below(16) of one byte: 9 sync, 10 compact, 11 reopen,
  // 12 process crash, 13 power cut, 14 update, else a transaction.
  for (int durability = 0; durability < 2; ++durability) {
    std::string bytes(1, static_cast<char>(durability));
    bytes += "\x01\x03";  // segment size, compaction interval
    for (int round = 0; round < 12; ++round) {
      bytes += std::string("\x00\x02\x09\x05", 4);  // set a value
      bytes += static_cast<char>(round % 3 == 0 ? 13 : 14);
      bytes += static_cast<char>(round % 4 == 1 ? 12 : 10 + round % 2);
    }
    w.Add(durability ? "crashes-knone" : "crashes-ksync", bytes);
  }
}

}  // namespace
}  // namespace statelog::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  statelog::fuzz::JournalSeeds(argv[1]);
  statelog::fuzz::RecoverySeeds(argv[1]);
  statelog::fuzz::JsonSeeds(argv[1]);
  statelog::fuzz::TxnSeeds(argv[1]);
  statelog::fuzz::ModelSeeds(argv[1]);
  return 0;
}
