// bench/store_benchmark.cc
//
// Store::Apply (and Store::SetJsonText) end to end under Durability::kNone
// (records reach the OS, no fdatasync): validation, encoding, apply, framing,
// the write system call and the locking around them, on a store of 1,000 or
// 100,000 keys, from 1 and 8 threads. Every transaction sets one key to a
// ~100-byte value. Automatic compaction stays on at its defaults, as a user
// would have it, so its cost (a snapshot every 100,000 records) is part of the
// figure. Also on a store just reopened, whose members are still snapshot text.
// The store lives in a scratch directory under the current directory. Besides
// the rate, each run reports the process's CPU time per transaction.
// BM_StoreSaveNone measures Store::Save, which compares the whole state, on the
// same stores.

#include <sys/resource.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/scratch_dir.h"
#include "bench/workload.h"
#include "benchmark/benchmark.h"
#include "statelog/store.h"

namespace statelog::bench {
namespace {

struct OpenStore {
  ScratchDir dir;
  std::unique_ptr<Store> store;
};

// A store of `keys` keys, compacted. With `reopen` it is then closed and
// opened again, as after a restart: its members are snapshot text until
// transactions touch them (store/text_state.h), where a store that was
// just filled holds one tree.
std::unique_ptr<OpenStore> NewStore(int keys, bool reopen) {
  auto open = std::make_unique<OpenStore>();
  Options options;
  options.create_if_missing = true;
  options.durability = Durability::kNone;
  auto opened = Store::Open(open->dir.Sub("store"), options);
  if (!opened.ok()) return nullptr;
  open->store = std::move(opened->store);
  if (!open->store->Apply(Transaction().Merge(MakeState(keys))).ok() ||
      !open->store->Compact().ok()) {
    return nullptr;
  }
  if (reopen) {
    open->store.reset();
    opened = Store::Open(open->dir.Sub("store"), options);
    if (!opened.ok()) return nullptr;
    open->store = std::move(opened->store);
  }
  return open;
}

// One store per size, kept for the whole process: the benchmark function
// runs several times while the library settles the iteration count, and the
// updates leave the state's size unchanged. Called by thread 0 before the
// timed loop, whose start barrier publishes it to the other threads.
Store* StoreOf(int keys, bool reopen) {
  // Destroyed at exit, which closes the stores and removes their directories.
  static std::map<std::pair<int, bool>, std::unique_ptr<OpenStore>> stores;
  std::unique_ptr<OpenStore>& slot = stores[{keys, reopen}];
  if (slot == nullptr) slot = NewStore(keys, reopen);
  return slot == nullptr ? nullptr : slot->store.get();
}

Store* g_store = nullptr;

// User and system CPU time of the whole process so far.
double ProcessCpuSeconds() {
  struct rusage usage;
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const struct timeval& t) {
    return static_cast<double>(t.tv_sec) +
           static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// How ApplyNone hands each value over.
enum class Form {
  kTree,  // Apply(Transaction().Set(pointer, json)), the value copied in
  kText,  // SetJsonText(pointer, text), the text in the form records keep
};

void ApplyNone(benchmark::State& state, bool reopen, Form form = Form::kTree) {
  const int keys = static_cast<int>(state.range(0));
  if (state.thread_index() == 0) g_store = StoreOf(keys, reopen);
  // Every thread builds its values before the barrier, not inside the loop.
  std::vector<Json> values;
  std::vector<std::string> texts;
  for (int i = 0; i < 64; ++i) {
    values.push_back(SmallValue(i));
    texts.push_back(values.back().dump());
  }
  KeyPicker picker(static_cast<uint64_t>(state.thread_index()) + 1);
  size_t i = 0;
  const double cpu_before = ProcessCpuSeconds();
  for (auto _ : state) {
    if (g_store == nullptr) {
      state.SkipWithError("could not create the store");
      break;
    }
    const int key = picker.Next(keys);
    const size_t v = i++ % values.size();
    absl::StatusOr<uint64_t> seq =
        form == Form::kTree
            ? g_store->Apply(Transaction().Set(KeyPointer(key), values[v]))
            : g_store->SetJsonText(KeyPointer(key), texts[v]);
    if (!seq.ok()) {
      state.SkipWithError(seq.status().ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    // What a transaction costs the machine, background compaction and
    // every thread included: steadier than the rate on a shared machine,
    // where compaction competes with other jobs for the second CPU.
    state.counters["process_cpu_us_per_txn"] =
        (ProcessCpuSeconds() - cpu_before) * 1e6 /
        static_cast<double>(state.iterations() * state.threads());
  }
}

void BM_StoreApplyNone(benchmark::State& state) { ApplyNone(state, false); }
BENCHMARK(BM_StoreApplyNone)
    ->Arg(1000)
    ->Arg(100000)
    ->Threads(1)
    ->Threads(8)
    ->UseRealTime();

// The same values given as JSON text (Store::SetJsonText), already in the
// form records keep them: no tree is built.
void BM_StoreSetJsonTextNone(benchmark::State& state) {
  ApplyNone(state, false, Form::kText);
}
BENCHMARK(BM_StoreSetJsonTextNone)
    ->Arg(1000)
    ->Arg(100000)
    ->Threads(1)
    ->Threads(8)
    ->UseRealTime();

// The same after a reopen, while the members are still mostly text: each
// transaction also finds its member in the index and parses it the first
// time.
void BM_StoreApplyNoneAfterReopen(benchmark::State& state) {
  ApplyNone(state, true);
}
BENCHMARK(BM_StoreApplyNoneAfterReopen)->Arg(100000)->Threads(1)->UseRealTime();

// Store::Save of the whole state with one member changed, the checkpoint
// of a program that keeps its state as one JSON value, beside the Apply of
// the same change as a `set` (BM_StoreApplyNone's loop, one thread): what
// the comparison of the two states costs. The record each writes is the
// same size.
void BM_StoreSaveNone(benchmark::State& state) {
  const int keys = static_cast<int>(state.range(0));
  Store* store = StoreOf(keys, false);
  if (store == nullptr) {
    state.SkipWithError("could not create the store");
    return;
  }
  absl::StatusOr<Json> whole = store->Get("");
  if (!whole.ok()) {
    state.SkipWithError(whole.status().ToString().c_str());
    return;
  }
  Json mine = *std::move(whole);
  KeyPicker picker(1);
  int step = 0;
  for (auto _ : state) {
    mine[KeyName(picker.Next(keys))]["step"] = ++step;
    absl::StatusOr<uint64_t> seq = store->Save(mine);
    if (!seq.ok()) {
      state.SkipWithError(seq.status().ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreSaveNone)->Arg(1000)->Arg(100000)->UseRealTime();

}  // namespace
}  // namespace statelog::bench
