// cli/demo_child.cc
//
// `statelog __demo-child DIR --report-fd FD`: the process `statelog demo`
// kills. It opens the store, then checkpoints demo steps as fast as durable
// transactions allow, reporting each attempt and each acknowledgement on FD
// (cli/demo_protocol.h). It runs until killed, or until the parent goes away.

#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/commands.h"
#include "cli/demo_protocol.h"
#include "cli/demo_workload.h"
#include "cli/exit_codes.h"
#include "statelog/store.h"

namespace statelog::cli {
namespace {

struct DemoChildFlags {
  std::string dir;
  int report_fd = -1;
  uint64_t compact_after_records = 5000;
  double max_seconds = 120;
};

// False if the parent is gone (the pipe is closed).
bool Report(int fd, DemoMessage tag, uint64_t value) {
  unsigned char message[kDemoMessageBytes];
  EncodeDemoMessage(tag, value, message);
  ssize_t n;
  do {
    n = write(fd, message, sizeof(message));
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof(message));
}

// The parent is gone: nobody reads the exit code, but it is not success.
constexpr int kParentGone = static_cast<int>(ExitCode::kIoError);

int RunDemoChild(const DemoChildFlags& flags) {
  // A parent that dies without killing us must not leave us writing forever.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  std::signal(SIGPIPE, SIG_DFL);

  Options options;
  options.durability = Durability::kSync;
  options.compact_after_records = flags.compact_after_records;
  absl::StatusOr<OpenResult> opened = Store::Open(flags.dir, options);
  if (!opened.ok()) return FailOpen("__demo-child", opened.status());
  Store& store = *opened->store;
  uint64_t step = store.LastSeq();
  if (!Report(flags.report_fd, DemoMessage::kReady, step)) return kParentGone;

  const absl::Time deadline = absl::Now() + absl::Seconds(flags.max_seconds);
  while (absl::Now() < deadline) {
    ++step;
    if (!Report(flags.report_fd, DemoMessage::kAttempt, step))
      return kParentGone;
    absl::StatusOr<uint64_t> seq = store.Apply(DemoStep(step));
    if (!seq.ok()) {
      return Fail("__demo-child",
                  absl::Status(seq.status().code(),
                               absl::StrCat("step ", step, ": ",
                                            seq.status().message())),
                  ExitCodeForOperationError(seq.status()));
    }
    if (*seq != step) {
      return Fail("__demo-child",
                  absl::InternalError(absl::StrCat(
                      "step ", step, " got sequence number ", *seq)),
                  ExitCode::kUsage);
    }
    if (!Report(flags.report_fd, DemoMessage::kAck, *seq)) return kParentGone;
  }
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

void AddDemoChildCommand(CLI::App& app, CommandRunner* run) {
  auto flags = std::make_shared<DemoChildFlags>();
  CLI::App* command = app.add_subcommand(
      "__demo-child", "Internal: the process `statelog demo` kills.");
  command->group("");  // hidden from --help
  command->add_option("DIR", flags->dir, "Store directory")->required();
  command->add_option("--report-fd", flags->report_fd, "Pipe to the parent")
      ->required();
  command->add_option("--compact-after", flags->compact_after_records,
                      "Options.compact_after_records");
  command->add_option("--max-seconds", flags->max_seconds,
                      "Stop after this long if never killed");
  command->callback(
      [run, flags] { *run = [flags] { return RunDemoChild(*flags); }; });
}

}  // namespace statelog::cli
