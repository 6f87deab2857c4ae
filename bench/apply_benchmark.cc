// bench/apply_benchmark.cc
//
// The CPU cost of one small transaction outside the journal: applying a
// `set` of a ~100-byte value to states of 1,000 and 100,000 keys (should not
// depend much on the state's size), and the two codec steps around it: what
// Store::Apply does before framing (Validate, EncodeJournalForm; beside it
// the older way through ToJson and DumpJson, for the ratio) and what
// recovery does per record (DecodeRecordPayload: ParseJson, FromJson).

#include <string>
#include <vector>

#include "bench/workload.h"
#include "benchmark/benchmark.h"
#include "recovery/recovery.h"
#include "txn/apply.h"
#include "txn/journal_form.h"
#include "util/json_util.h"

namespace statelog::bench {
namespace {

// A few distinct transactions, so that successive applies change the state.
std::vector<Transaction> SetTransactions(int keys, int count) {
  std::vector<Transaction> txns;
  KeyPicker picker(7);
  for (int i = 0; i < count; ++i) {
    const int key = picker.Next(keys);
    txns.push_back(Transaction().Set(KeyPointer(key), SmallValue(key + i)));
  }
  return txns;
}

void BM_ApplySet(benchmark::State& state) {
  const int keys = static_cast<int>(state.range(0));
  Json target = MakeState(keys);
  const std::vector<Transaction> txns = SetTransactions(keys, 256);
  size_t i = 0;
  for (auto _ : state) {
    // Validated already, as in Store::Apply and in replay.
    absl::Status s =
        internal::ApplyTransaction(txns[i++ % txns.size()], &target,
                                   internal::Validation::kAlreadyValidated);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApplySet)->Arg(1000)->Arg(100000);

// Store::Apply's encoding before the record is framed.
void BM_EncodePayload(benchmark::State& state) {
  const std::vector<Transaction> txns = SetTransactions(1000, 256);
  size_t i = 0;
  for (auto _ : state) {
    const Transaction& txn = txns[i++ % txns.size()];
    absl::Status valid = txn.Validate();
    absl::StatusOr<std::string> payload = internal::EncodeJournalForm(txn);
    if (!valid.ok() || !payload.ok()) {
      state.SkipWithError("encoding failed");
      break;
    }
    benchmark::DoNotOptimize(payload->data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodePayload);

// The same bytes through the journal form's tree, as Store::Apply did
// before EncodeJournalForm: a copy of every value and a second validation.
void BM_EncodePayloadViaTree(benchmark::State& state) {
  const std::vector<Transaction> txns = SetTransactions(1000, 256);
  size_t i = 0;
  for (auto _ : state) {
    const Transaction& txn = txns[i++ % txns.size()];
    absl::Status valid = txn.Validate();
    absl::StatusOr<std::string> payload = internal::DumpJson(txn.ToJson());
    if (!valid.ok() || !payload.ok()) {
      state.SkipWithError("encoding failed");
      break;
    }
    benchmark::DoNotOptimize(payload->data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodePayloadViaTree);

// Recovery's decoding of one record payload.
void BM_DecodePayload(benchmark::State& state) {
  const std::string payload = SetPayloadJson(42);
  for (auto _ : state) {
    absl::StatusOr<Transaction> txn = internal::DecodeRecordPayload(payload);
    if (!txn.ok()) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(txn->ops().data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * payload.size());
}
BENCHMARK(BM_DecodePayload);

}  // namespace
}  // namespace statelog::bench
