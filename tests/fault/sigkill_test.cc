// tests/fault/sigkill_test.cc
//
// Item 5 of the fault battery: a driver forks a child that runs the seeded
// workload (tests/fault/fault_util.h) against a real store directory, with
// small segments and frequent compactions, and reports every transaction
// it submits and every acknowledgement over a pipe. The driver kills the
// child with SIGKILL at a random moment (sometimes while the child is still
// recovering), reopens the store, and checks the oracle:
//
//   * durability: the recovered sequence number is at least the highest
//     one acknowledged so far (by any child);
//   * no invention: it is at most the highest one submitted, and the state
//     equals the model's state after exactly that many transactions;
//   * idempotence: reopening again gives the same number and state;
//   * writability: the next child continues the same workload from there.
//
// Each child picks its durability policy at random: a process crash must
// not lose an acknowledged transaction under any of them (docs/recovery.md).
// It runs on /dev/shm (tmpfs: a kill during a write that crosses a page can
// leave part of a record) and on the real disk ($TMPDIR or /tmp).
//
// Not covered here: kills at named points inside the library (after write
// before fdatasync, between rename and directory fsync, ...). Those need a
// hook in a test build of the library, which does not exist yet.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "statelog/store.h"
#include "tests/fault/fault_util.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::fault::LongMode;
using ::statelog::fault::PrintSummary;
using ::statelog::fault::Rng;
using ::statelog::fault::TestSeed;
using ::statelog::fault::WithCommas;
using ::statelog::fault::WorkloadModel;
using ::statelog::fault::WorkloadTxn;
namespace fs = std::filesystem;

// Messages from the child, 9 bytes each (atomic on a pipe).
enum class Message : char {
  kReady = 'R',      // recovery done; seq = the recovered sequence number
  kSubmitted = 'S',  // about to Apply transaction seq
  kAcked = 'A',      // Apply of transaction seq returned OK
};

void Send(int fd, Message type, uint64_t seq) {
  char buf[9];
  buf[0] = static_cast<char>(type);
  std::memcpy(buf + 1, &seq, 8);
  // The driver reads continuously; a full pipe only pauses the child.
  if (write(fd, buf, sizeof(buf)) != static_cast<ssize_t>(sizeof(buf)))
    _exit(4);
}

Options ChildOptions(Rng* rng) {
  Options o;
  o.create_if_missing = true;
  o.segment_bytes = 16 << 10;
  o.compact_after_records = 10 + rng->Uniform(30);
  o.compact_after_bytes = 48 << 10;
  switch (rng->Uniform(4)) {
    case 0:
      o.durability = Durability::kNone;
      break;
    case 1:
      o.durability = Durability::kInterval;
      o.sync_interval = absl::Milliseconds(1 + rng->Uniform(5));
      break;
    default:
      o.durability = Durability::kSync;
      break;
  }
  return o;
}

// The child: recover, then apply the workload from where the store is,
// reporting each step, until killed. Now and then it compacts explicitly or
// closes and reopens the store. Never returns.
[[noreturn]] void RunChild(const std::string& dir, uint64_t workload_seed,
                           uint64_t child_seed, int fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  Rng rng(child_seed);
  while (true) {
    const Options options = ChildOptions(&rng);
    absl::StatusOr<OpenResult> opened = Store::Open(dir, options);
    if (!opened.ok()) {
      std::fprintf(stderr, "sigkill child: Open failed: %s\n",
                   opened.status().ToString().c_str());
      _exit(3);
    }
    std::unique_ptr<Store> store = std::move(opened->store);
    uint64_t seq = store->LastSeq();
    Send(fd, Message::kReady, seq);
    const uint64_t session = 20 + rng.Uniform(400);
    for (uint64_t i = 0; i < session; ++i) {
      ++seq;
      Send(fd, Message::kSubmitted, seq);
      absl::StatusOr<uint64_t> applied =
          store->Apply(WorkloadTxn(workload_seed, seq));
      if (!applied.ok() || *applied != seq) {
        std::fprintf(stderr, "sigkill child: Apply(%llu) gave %s\n",
                     static_cast<unsigned long long>(seq),
                     applied.ok() ? std::to_string(*applied).c_str()
                                  : applied.status().ToString().c_str());
        _exit(3);
      }
      Send(fd, Message::kAcked, seq);
      if (rng.OneIn(50)) {
        absl::Status compacted = store->Compact();
        if (!compacted.ok()) {
          std::fprintf(stderr, "sigkill child: Compact: %s\n",
                       compacted.ToString().c_str());
          _exit(3);
        }
      }
    }
    // Closing syncs everything and releases the lock; reopening recovers.
  }
}

struct Medium {
  std::string name;  // "tmpfs" or "disk(ext4)" ...
  std::string root;  // where scratch directories go
};

std::string FileSystemName(const std::string& path) {
  struct statfs st;
  if (statfs(path.c_str(), &st) != 0) return "unknown";
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0x01021994:
      return "tmpfs";
    case 0xEF53:
      return "ext4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x794C7630:
      return "overlayfs";
    default:
      return absl::StrCat("fs 0x", absl::Hex(st.f_type));
  }
}

struct LoopResult {
  uint64_t kills = 0;
  uint64_t kills_during_recovery = 0;  // before the child reported ready
  uint64_t acked = 0;                  // highest acknowledged
  uint64_t torn_tails = 0;             // recoveries that found damage
  uint64_t lost_acked = 0;
  uint64_t invented = 0;
  uint64_t not_idempotent = 0;
  uint64_t failures = 0;  // children that exited, Opens that failed
};

// Kills children working on `dir` `kills` times; checks after each kill.
LoopResult KillLoop(const std::string& dir, uint64_t seed, int kills,
                    const std::string& medium) {
  LoopResult out;
  WorkloadModel model(seed);
  uint64_t acked = 0;
  uint64_t submitted = 0;
  Rng rng(seed ^ std::hash<std::string>()(medium));
  int reported = 0;
  auto fail = [&](uint64_t* counter, const std::string& what) {
    ++*counter;
    if (reported++ < 10) ADD_FAILURE() << medium << ": " << what;
  };

  for (int k = 0; k < kills; ++k) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe: " << std::strerror(errno);
      return out;
    }
    const uint64_t child_seed = rng.Next();
    // One kill in six lands within a few milliseconds of the fork, mostly
    // inside the child's recovery; the others 0-40 ms after the child
    // reports that it has recovered, while the workload runs.
    const bool early = rng.OneIn(6);
    const auto delay = std::chrono::microseconds(early ? rng.Uniform(6000)
                                                       : rng.Uniform(40000));
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) {
      ADD_FAILURE() << "fork: " << std::strerror(errno);
      return out;
    }
    if (pid == 0) {
      close(fds[0]);
      RunChild(dir, seed, child_seed, fds[1]);
    }
    close(fds[1]);
    const auto forked = std::chrono::steady_clock::now();
    // Until the child is ready, a late kill waits (at most a minute).
    auto deadline = early ? forked + delay : forked + std::chrono::seconds(60);
    bool ready = false;
    bool killed = false;
    std::string pending;
    while (true) {
      int timeout_ms = -1;
      if (!killed) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
          kill(pid, SIGKILL);
          killed = true;
        } else {
          timeout_ms = static_cast<int>(left.count());
        }
      }
      struct pollfd p = {fds[0], POLLIN, 0};
      if (poll(&p, 1, killed ? -1 : timeout_ms) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(fds[0], buf, sizeof(buf));
      if (n <= 0) break;  // the child is gone
      pending.append(buf, n);
      size_t used = 0;
      for (; used + 9 <= pending.size(); used += 9) {
        uint64_t seq;
        std::memcpy(&seq, pending.data() + used + 1, 8);
        switch (static_cast<Message>(pending[used])) {
          case Message::kReady:
            if (!ready && !early)
              deadline = std::chrono::steady_clock::now() + delay;
            ready = true;
            if (seq < acked) {
              fail(&out.lost_acked,
                   absl::StrCat("kill ", k, ": the child recovered seq ", seq,
                                " but ", acked, " was acknowledged"));
            }
            if (seq > submitted) {
              fail(&out.invented,
                   absl::StrCat("kill ", k, ": the child recovered seq ", seq,
                                " but only ", submitted, " were submitted"));
            }
            break;
          case Message::kSubmitted:
            submitted = std::max(submitted, seq);
            break;
          case Message::kAcked:
            acked = std::max(acked, seq);
            break;
        }
      }
      pending.erase(0, used);
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ++out.kills;
    if (!ready) ++out.kills_during_recovery;
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
      fail(&out.failures,
           absl::StrCat("kill ", k, ": the child ended by itself (status ",
                        status, ") before it was killed"));
      return out;
    }

    // Recover in the driver and check the oracle, twice.
    uint64_t first_seq = 0;
    for (int round = 0; round < 2; ++round) {
      // A child killed while creating the store leaves no STORE file; that
      // is a store with nothing acknowledged. Creating it here is safe for
      // the check: a store that lost its STORE file after acknowledging
      // anything would come back empty, below what was acknowledged.
      Options o;
      o.create_if_missing = true;
      absl::StatusOr<OpenResult> r = Store::Open(dir, o);
      if (!r.ok()) {
        fail(&out.failures,
             absl::StrCat("kill ", k, ": Open after the kill failed: ",
                          r.status().ToString()));
        return out;
      }
      const uint64_t s = r->store->LastSeq();
      if (round == 0) {
        first_seq = s;
        if (!r->report.damage.empty()) ++out.torn_tails;
        if (s < acked) {
          fail(&out.lost_acked,
               absl::StrCat("kill ", k, ": recovered seq ", s, " but ", acked,
                            " was acknowledged"));
        }
        if (s > submitted) {
          fail(&out.invented,
               absl::StrCat("kill ", k, ": recovered seq ", s, " but only ",
                            submitted, " were submitted"));
          return out;
        }
        if (s < model.seq()) {
          fail(&out.lost_acked,
               absl::StrCat("kill ", k, ": recovered seq ", s, " is below the ",
                            model.seq(), " recovered before"));
          return out;
        }
        absl::Status advanced = model.AdvanceTo(s);
        if (!advanced.ok()) {
          ADD_FAILURE() << "the workload does not apply to its own model: "
                        << advanced;
          return out;
        }
      } else if (s != first_seq || !r->report.damage.empty()) {
        fail(&out.not_idempotent,
             absl::StrCat("kill ", k, ": the second recovery gave seq ", s,
                          " (first ", first_seq, ") and damage \"",
                          r->report.damage, "\""));
      }
      absl::StatusOr<Json> state = r->store->Get("");
      if (!state.ok() || *state != model.state()) {
        fail(&out.invented,
             absl::StrCat("kill ", k, ": the state recovered at seq ", s,
                          " is not the state after ", s, " transactions"));
        return out;
      }
    }
  }
  out.acked = acked;
  return out;
}

// Keeps the store of a failed run for inspection.
void KeepOnFailure(const std::string& dir, const std::string& medium,
                   uint64_t seed) {
  if (!::testing::Test::HasFailure()) return;
  const char* tmp = std::getenv("TMPDIR");
  const std::string kept =
      absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/statelog-sigkill-", medium,
                   "-", seed, "-", getpid());
  std::error_code ec;
  fs::copy(dir, kept, fs::copy_options::recursive, ec);
  std::fprintf(stderr, "sigkill: store kept in %s\n", kept.c_str());
}

TEST(SigkillTest, AcknowledgedTransactionsSurviveRandomKills) {
  const uint64_t seed = TestSeed(20261125);
  const int kills_per_medium = LongMode() ? 5000 : fault::kSlowBuild ? 20 : 50;
  std::vector<Medium> media;
  if (fs::is_directory("/dev/shm") && FileSystemName("/dev/shm") == "tmpfs") {
    media.push_back({"tmpfs", "/dev/shm"});
  }
  {
    const char* tmp = std::getenv("TMPDIR");
    const std::string root = tmp && *tmp ? tmp : "/tmp";
    media.push_back({absl::StrCat("disk(", FileSystemName(root), ")"), root});
  }

  std::string line;
  LoopResult total;
  const auto started = std::chrono::steady_clock::now();
  for (const Medium& medium : media) {
    std::string dir_template = medium.root + "/statelog-sigkill-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template.data()), nullptr) << medium.root;
    const std::string dir = dir_template + "/store";
    LoopResult r = KillLoop(dir, seed, kills_per_medium, medium.name);
    KeepOnFailure(dir, medium.name, seed);
    std::error_code ec;
    fs::remove_all(dir_template, ec);
    absl::StrAppend(&line, line.empty() ? "" : ", ", medium.name, " ", r.kills);
    total.kills += r.kills;
    total.kills_during_recovery += r.kills_during_recovery;
    total.acked += r.acked;
    total.torn_tails += r.torn_tails;
    total.lost_acked += r.lost_acked;
    total.invented += r.invented;
    total.not_idempotent += r.not_idempotent;
    total.failures += r.failures;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  EXPECT_EQ(total.lost_acked, 0u);
  EXPECT_EQ(total.invented, 0u);
  EXPECT_EQ(total.not_idempotent, 0u);
  EXPECT_EQ(total.failures, 0u);
  PrintSummary(absl::StrCat(
      "sigkill: ", WithCommas(total.kills), " kills (", line, "; ",
      total.kills_during_recovery, " before the child finished recovering), ",
      WithCommas(total.acked), " transactions acknowledged, ", total.torn_tails,
      " recoveries found a torn tail, ", total.lost_acked, " lost-acked, ",
      total.invented, " invented, ", total.not_idempotent, " not idempotent, ",
      static_cast<int>(seconds), " s, seed=", seed,
      " (named kill points inside the library: not run, they need a test-build "
      "hook)",
      fault::BuildNote()));
}

}  // namespace
}  // namespace statelog
