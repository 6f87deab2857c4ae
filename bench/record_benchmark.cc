// bench/record_benchmark.cc
//
// The CPU cost of framing: XXH3-64 over various sizes, encoding one record
// (header, chained checksum, payload copy) and checking one on the way back.
// These bound what the journal can do per record before any I/O.

#include <string>

#include "bench/workload.h"
#include "benchmark/benchmark.h"
#include "journal/format.h"
#include "journal/record.h"
#include "util/checksum.h"

namespace statelog::bench {
namespace {

using internal::CheckRecord;
using internal::Checksum;
using internal::EncodeRecord;
using internal::RecordCheck;
using internal::RecordHeader;
using internal::RecordType;

void BM_Checksum(benchmark::State& state) {
  const std::string data(static_cast<size_t>(state.range(0)), 'a');
  for (auto _ : state) {
    benchmark::DoNotOptimize(Checksum(data));
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Checksum)
    ->Arg(64)
    ->Arg(128)
    ->Arg(1 << 10)
    ->Arg(64 << 10)
    ->Arg(1 << 20);

// Encodes one record with a payload of range(0) bytes into a reused buffer,
// as the store does into its pending batch.
void BM_EncodeRecord(benchmark::State& state) {
  const std::string payload(static_cast<size_t>(state.range(0)), 'p');
  std::string out;
  uint64_t chain = 0;
  uint64_t seq = 0;
  for (auto _ : state) {
    out.clear();
    ++seq;
    chain = EncodeRecord(chain, seq, seq - 1, RecordType::kTransaction, payload,
                         &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() *
                          (state.range(0) + internal::kRecordHeaderSize));
}
BENCHMARK(BM_EncodeRecord)->Arg(60)->Arg(100)->Arg(1000)->Arg(10000);

// Encodes a real ~100-byte `set` record.
void BM_EncodeSetRecord(benchmark::State& state) {
  const std::string payload = SetPayloadJson(42);
  std::string out;
  uint64_t chain = 0;
  uint64_t seq = 0;
  for (auto _ : state) {
    out.clear();
    ++seq;
    chain = EncodeRecord(chain, seq, seq - 1, RecordType::kTransaction, payload,
                         &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["payload_bytes"] = static_cast<double>(payload.size());
}
BENCHMARK(BM_EncodeSetRecord);

// Decodes and verifies the checksum of one framed `set` record.
void BM_CheckRecord(benchmark::State& state) {
  std::string framed;
  EncodeRecord(0, 1, 0, RecordType::kTransaction, SetPayloadJson(42), &framed);
  RecordHeader header;
  for (auto _ : state) {
    RecordCheck check = CheckRecord(framed, 16 << 20, &header);
    if (check != RecordCheck::kOk) state.SkipWithError("record does not check");
    benchmark::DoNotOptimize(header);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * framed.size());
}
BENCHMARK(BM_CheckRecord);

}  // namespace
}  // namespace statelog::bench
