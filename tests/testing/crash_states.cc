// tests/testing/crash_states.cc

#include "tests/testing/crash_states.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"

namespace statelog::testing {
namespace {

using Fate = DurableModel::Fate;
using TornFill = DurableModel::TornFill;
using TornWrite = DurableModel::TornWrite;

std::vector<Fate> FirstPersisted(size_t k, size_t n) {
  std::vector<Fate> fates(n, Fate::kLost);
  std::fill(fates.begin(), fates.begin() + k, Fate::kPersisted);
  return fates;
}

// Which sectors of an m-sector write persist. Small writes get every mask
// but "all"; large ones the shapes that matter (only the first, only the
// last, all but one end, every other) and two random ones.
std::vector<std::vector<bool>> SectorMasks(size_t m, std::mt19937_64* rng) {
  std::vector<std::vector<bool>> masks;
  if (m <= 3) {
    for (uint32_t bits = 0; bits + 1 < (1u << m); ++bits) {
      std::vector<bool> mask(m);
      for (size_t i = 0; i < m; ++i) mask[i] = (bits >> i) & 1;
      masks.push_back(std::move(mask));
    }
    return masks;
  }
  auto make = [&](auto persisted) {
    std::vector<bool> mask(m);
    for (size_t i = 0; i < m; ++i) mask[i] = persisted(i);
    masks.push_back(std::move(mask));
  };
  make([](size_t) { return false; });
  make([](size_t i) { return i == 0; });
  make([m](size_t i) { return i == m - 1; });
  make([](size_t i) { return i != 0; });
  make([m](size_t i) { return i != m - 1; });
  make([](size_t i) { return i % 2 == 0; });
  make([](size_t i) { return i % 2 == 1; });
  for (int r = 0; r < 2; ++r) {
    make([&](size_t) { return ((*rng)() & 1) != 0; });
  }
  return masks;
}

const char* FillName(TornFill fill) {
  switch (fill) {
    case TornFill::kOld:
      return "old bytes";
    case TornFill::kZero:
      return "zeros";
    case TornFill::kGarbage:
      return "garbage";
  }
  return "?";
}

const char* FateName(Fate fate) {
  switch (fate) {
    case Fate::kLost:
      return "lost";
    case Fate::kPersisted:
      return "persisted";
    case Fate::kBothNames:
      return "both names";
    case Fate::kTorn:
      return "torn";
  }
  return "?";
}

// Keeps `keep` elements chosen uniformly (a partial Fisher-Yates written
// out, so the choice depends on the seed only, not on the standard library).
template <typename T>
void Sample(std::vector<T>* v, size_t keep, std::mt19937_64* rng) {
  if (v->size() <= keep) return;
  for (size_t i = 0; i < keep; ++i) {
    size_t j = i + (*rng)() % (v->size() - i);
    std::swap((*v)[i], (*v)[j]);
  }
  v->resize(keep);
}

}  // namespace

std::vector<CrashState> GenerateCrashStates(const DurableModel& model,
                                            const std::vector<FsOp>& log,
                                            const CrashStateOptions& options,
                                            uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::vector<size_t>& pending = model.pending();
  const size_t n = pending.size();
  auto is_rename = [&](size_t k) {
    return log[pending[k]].kind == FsOpKind::kRename;
  };

  std::vector<CrashState> fixed;  // always kept
  std::vector<CrashState> rest;
  fixed.push_back(CrashState{"durable", {}, std::nullopt, {}});
  if (n > 0) {
    fixed.push_back(CrashState{absl::StrCat("prefix ", n, "/", n),
                               FirstPersisted(n, n),
                               std::nullopt,
                               {}});
  }
  for (size_t k = 1; k <= n; ++k) {
    if (k < n) {
      rest.push_back(CrashState{absl::StrCat("prefix ", k, "/", n),
                                FirstPersisted(k, n),
                                std::nullopt,
                                {}});
    }
    if (is_rename(k - 1)) {
      std::vector<Fate> fates = FirstPersisted(k, n);
      fates[k - 1] = Fate::kBothNames;
      rest.push_back(
          CrashState{absl::StrCat("prefix ", k, "/", n, " rename half"),
                     std::move(fates),
                     std::nullopt,
                     {}});
    }
  }
  if (n >= 2) {
    for (size_t j = 0; j + 1 < n; ++j) {  // omitting the last is a prefix
      std::vector<Fate> fates(n, Fate::kPersisted);
      fates[j] = Fate::kLost;
      rest.push_back(CrashState{
          absl::StrCat("omit ", j, "/", n), fates, std::nullopt, {}});
      if (is_rename(j)) {
        fates[j] = Fate::kBothNames;
        rest.push_back(
            CrashState{absl::StrCat("omit ", j, "/", n, " rename half"),
                       std::move(fates),
                       std::nullopt,
                       {}});
      }
    }
  }
  if (options.torn_writes) {
    for (size_t k = 0; k < n; ++k) {
      const FsOp& op = log[pending[k]];
      if (op.kind != FsOpKind::kWrite || op.data.empty()) continue;
      const size_t m = SectorsTouched(op.offset, op.data.size());
      std::vector<CrashState> torn;
      for (const std::vector<bool>& mask : SectorMasks(m, &rng)) {
        const bool none =
            std::find(mask.begin(), mask.end(), true) == mask.end();
        for (TornFill fill :
             {TornFill::kOld, TornFill::kZero, TornFill::kGarbage}) {
          if (none && fill == TornFill::kOld) continue;  // same as "lost"
          for (bool others : {false, true}) {
            if (others && k + 1 == n) continue;  // same as "before"
            std::vector<Fate> fates =
                others ? std::vector<Fate>(n, Fate::kPersisted)
                       : FirstPersisted(k, n);
            fates[k] = Fate::kTorn;
            std::string sectors;
            for (bool p : mask) sectors += p ? '1' : '0';
            torn.push_back(CrashState{
                absl::StrCat("torn ", k, "/", n, " sectors ", sectors, " ",
                             FillName(fill), others ? " +others" : ""),
                std::move(fates),
                TornWrite{mask, fill, rng()},
                {}});
          }
        }
      }
      Sample(&torn, options.max_torn_per_write, &rng);
      for (CrashState& s : torn) rest.push_back(std::move(s));
    }
  }
  const size_t room =
      options.max_states > fixed.size() ? options.max_states - fixed.size() : 0;
  Sample(&rest, room, &rng);
  for (CrashState& s : rest) fixed.push_back(std::move(s));
  for (CrashState& s : fixed) {
    s.image = model.Materialize(log, s.fates, s.torn ? &*s.torn : nullptr);
  }
  return fixed;
}

std::string DescribeCrashState(const DurableModel& model,
                               const std::vector<FsOp>& log,
                               const CrashState& state) {
  std::string out = absl::StrCat("crash state \"", state.kind, "\" over ",
                                 model.pending().size(), " pending op(s):\n");
  for (size_t k = 0; k < model.pending().size(); ++k) {
    const Fate fate = k < state.fates.size() ? state.fates[k] : Fate::kLost;
    absl::StrAppend(&out, "    #", k, " ", log[model.pending()[k]].Describe(),
                    ": ", FateName(fate));
    if (fate == Fate::kTorn && state.torn) {
      std::string sectors;
      for (bool p : state.torn->persisted) sectors += p ? '1' : '0';
      absl::StrAppend(&out, " (sectors ", sectors, ", the rest ",
                      FillName(state.torn->fill), ")");
    }
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(&out, "  image:\n", state.image.Listing());
  return out;
}

}  // namespace statelog::testing
