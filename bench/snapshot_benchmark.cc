// bench/snapshot_benchmark.cc
//
// Snapshot write and load for a state of 100,000 keys (about 11 MB of JSON):
// dumping the state, publishing the file (temp, fdatasync, rename, directory
// fsync; on the real disk under the current directory), reading it back with
// its checksum check, and parsing the state, with statelog's ParseJson (SAX
// into a DOM, with a depth bound) and with nlohmann's own DOM parse for
// reference. The recovery target depends on the load figures.

#include <string>
#include <vector>

#include "bench/scratch_dir.h"
#include "bench/workload.h"
#include "benchmark/benchmark.h"
#include "journal/format.h"
#include "snapshot/snapshot_file.h"
#include "statelog/env.h"
#include "store/text_state.h"
#include "util/json_dom_builder.h"
#include "util/json_scan.h"
#include "util/json_util.h"

namespace statelog::bench {
namespace {

constexpr int kKeys = 100000;
const std::string kStoreId(internal::kStoreIdSize, '\x5a');

const std::string& StateText() {
  static const std::string* text = new std::string(MakeState(kKeys).dump());
  return *text;
}

void BM_DumpState(benchmark::State& state) {
  const Json value = MakeState(kKeys);
  for (auto _ : state) {
    absl::StatusOr<std::string> text = internal::DumpJson(value);
    if (!text.ok()) state.SkipWithError("dump failed");
    benchmark::DoNotOptimize(text->data());
  }
  state.SetBytesProcessed(state.iterations() * StateText().size());
}
BENCHMARK(BM_DumpState)->Unit(benchmark::kMillisecond);

void BM_WriteSnapshot(benchmark::State& state) {
  ScratchDir dir;
  internal::SnapshotHeader header;
  header.store_id = kStoreId;
  for (auto _ : state) {
    ++header.seq;
    auto name = internal::WriteSnapshot(Env::Default(), dir.path(), header,
                                        StateText());
    if (!name.ok()) {
      state.SkipWithError(name.status().ToString().c_str());
      break;
    }
    state.PauseTiming();
    Env::Default()->RemoveFile(dir.Sub(*name)).IgnoreError();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(state.iterations() * StateText().size());
}
BENCHMARK(BM_WriteSnapshot)->Unit(benchmark::kMillisecond)->UseRealTime();

// Read and verify (layout, header, XXH3 of the state); with range(0) == 1
// also parse the state as recovery does (the whole snapshot load).
void BM_ReadSnapshot(benchmark::State& state) {
  const bool parse = state.range(0) == 1;
  ScratchDir dir;
  internal::SnapshotHeader header;
  header.store_id = kStoreId;
  header.seq = 1;
  auto name =
      internal::WriteSnapshot(Env::Default(), dir.path(), header, StateText());
  if (!name.ok()) {
    state.SkipWithError(name.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    auto snap =
        internal::ReadSnapshot(Env::Default(), dir.path(), *name, kStoreId);
    if (!snap.ok()) {
      state.SkipWithError(snap.status().ToString().c_str());
      break;
    }
    if (parse) {
      absl::StatusOr<Json> parsed =
          internal::ParseJson(snap->state_json, "state");
      if (!parsed.ok()) state.SkipWithError("parse failed");
      benchmark::DoNotOptimize(parsed->size());
    }
  }
  state.SetLabel(parse ? "read+verify+parse" : "read+verify");
  state.SetBytesProcessed(state.iterations() * StateText().size());
}
BENCHMARK(BM_ReadSnapshot)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// statelog's loader: recovery parses the verified state with this.
void BM_ParseState(benchmark::State& state) {
  const std::string& text = StateText();
  for (auto _ : state) {
    absl::StatusOr<Json> parsed = internal::ParseJson(text, "state");
    if (!parsed.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(parsed->size());
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_ParseState)->Unit(benchmark::kMillisecond)->UseRealTime();

// Checking the state with the fast scanner alone (util/json_scan.h), and
// with nlohmann's lexer (what CheckJson fell back to, and used before).
void BM_ScanState(benchmark::State& state) {
  const std::string& text = StateText();
  internal::MemberSpans spans;
  for (auto _ : state) {
    spans.clear();
    if (!internal::ScanJson(text, kMaxNestingDepth, &spans)) {
      state.SkipWithError("scan failed");
    }
    benchmark::DoNotOptimize(spans.size());
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_ScanState)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_CheckStateNlohmann(benchmark::State& state) {
  const std::string& text = StateText();
  for (auto _ : state) {
    internal::JsonChecker checker(kMaxNestingDepth);
    const bool ok =
        Json::sax_parse(text.data(), text.data() + text.size(), &checker);
    if (!ok) state.SkipWithError("check failed");
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_CheckStateNlohmann)->Unit(benchmark::kMillisecond)->UseRealTime();

// Checking the state and indexing its top-level members without building a
// tree: what compaction's TextState does with the previous snapshot.
void BM_IndexState(benchmark::State& state) {
  const std::string& text = StateText();
  for (auto _ : state) {
    absl::StatusOr<internal::TextState> indexed =
        internal::TextState::FromText(text, "state");
    if (!indexed.ok()) state.SkipWithError("index failed");
    benchmark::DoNotOptimize(indexed->parsed_members());
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_IndexState)->Unit(benchmark::kMillisecond)->UseRealTime();

// Indexing, then reading the whole state (a Read right after open): every
// member parsed on its own, against BM_ParseState's one pass.
void BM_IndexThenWholeState(benchmark::State& state) {
  const std::string& text = StateText();
  for (auto _ : state) {
    absl::StatusOr<internal::TextState> indexed =
        internal::TextState::FromText(text, "state");
    if (!indexed.ok() || !indexed->Whole().ok()) {
      state.SkipWithError("index or parse failed");
      break;
    }
    benchmark::DoNotOptimize(indexed->tree()->size());
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_IndexThenWholeState)->Unit(benchmark::kMillisecond)->UseRealTime();

// nlohmann's DOM parser, no depth bound: the reference ParseJson is held to.
void BM_ParseStateNlohmannDom(benchmark::State& state) {
  const std::string& text = StateText();
  for (auto _ : state) {
    Json parsed = Json::parse(text);
    benchmark::DoNotOptimize(parsed.size());
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_ParseStateNlohmannDom)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Freeing the loaded tree is part of every reload; measured on its own.
void BM_DestroyState(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    Json* value = new Json(MakeState(kKeys));
    state.ResumeTiming();
    delete value;
  }
}
BENCHMARK(BM_DestroyState)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace statelog::bench
