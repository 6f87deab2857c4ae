// statelog/options.h
//
// The knobs of a store: durability policy, recovery mode, size bounds. Every
// field has a safe default; `Options{}` gives a durable store that compacts
// itself.
//
// Example:
//
//   statelog::Options options;
//   options.create_if_missing = true;
//   options.durability = statelog::Durability::kSync;
//   auto opened = statelog::Store::Open("state.d", options);

#ifndef STATELOG_OPTIONS_H_
#define STATELOG_OPTIONS_H_

#include <cstdint>

#include "absl/time/time.h"

namespace statelog {

class Env;

// When `Apply` returns.
enum class Durability {
  // After the record is written and fdatasync'ed. Concurrent callers share
  // one fdatasync (group commit). Survives power loss.
  kSync,
  // After the record is written to the OS; a background thread starts an
  // fdatasync every `sync_interval` (when there is something new).
  // Survives a process crash; a power loss may lose what was acknowledged
  // in the last interval plus the time the fdatasync then running takes
  // (two fdatasyncs when one takes longer than the interval: they then run
  // back to back).
  kInterval,
  // After the record is written to the OS; no fdatasync except on `Sync()`,
  // compaction and close. Survives a process crash only.
  kNone,
};

// What recovery does with damage in the journal. See docs/recovery.md.
enum class RecoveryMode {
  // Any damage, even a torn tail left by a crash, fails `Open` with DataLoss.
  kStrict,
  // A torn tail (damage after which no durable record follows) is copied to
  // quarantine/ and zeroed in place; damage followed by durable records
  // fails `Open` with DataLoss. The default.
  kTolerateTornTail,
  // Stops at the first damage, wherever it is: everything after it is copied
  // to quarantine/ and cut off (zeroed, later segments moved), and the
  // report says what was lost.
  kPointInTime,
};

struct Options {
  // Create the store if `dir` holds none. Without it, opening a directory that
  // is not a store fails with NotFound.
  bool create_if_missing = false;
  // Fail with AlreadyExists if the store exists.
  bool error_if_exists = false;
  // Open without the write lock and without changing any file. Apply,
  // Compact and Sync fail with FailedPrecondition. Excludes
  // create_if_missing (InvalidArgument). Works beside a writer in another
  // process: a read that finds a file gone, a gap or a torn tail while a
  // writer may be at work (LOCK held, or the directory changing) is made
  // again, up to 5 times within about 15 ms, and only damage that persists
  // is reported (docs/recovery.md, "Reading beside a writer"). The state is
  // the store as of that read; it does not follow the writer.
  bool read_only = false;

  Durability durability = Durability::kSync;
  // For Durability::kInterval. From 1 ms to 24 h (checked under every
  // policy; InvalidArgument otherwise). Timed on the monotonic clock: a
  // step of the system clock changes no interval.
  absl::Duration sync_interval = absl::Milliseconds(100);
  // For Durability::kSync with concurrent writers (group commit): the
  // longest a writer about to write and fdatasync a batch waits for the
  // writers the previous batch released to add their next transactions, so
  // that they share this fdatasync instead of waiting for the next one. The
  // wait is also at most half the last fdatasync, ends as soon as they are
  // all in, and is skipped after one that timed out. A single writer never
  // waits. Zero disables it; at most 1 s. This wait is timed against the
  // system clock (Abseil's timed waits, as Debian builds them, give the
  // kernel a wall-clock deadline): a step of that clock back during the
  // wait lengthens it by the step, once. Every other wait and pace of the
  // store is on the monotonic clock (docs/recovery.md).
  absl::Duration max_group_commit_wait = absl::Milliseconds(1);

  RecoveryMode recovery_mode = RecoveryMode::kTolerateTornTail;

  // Size of each preallocated, zero-filled journal segment, 4 KiB to 16 GiB.
  // A record larger than a segment gets a segment of its own size. Every
  // open reads each segment it needs whole into memory, the newest with its
  // zeros: an open needs about this much memory more (268 MB at 256 MiB,
  // 4.2 GB at 4 GiB, measured by the tuning audit).
  uint64_t segment_bytes = 1 << 20;
  // Under Durability::kNone and kInterval, commits of up to 64 KiB are
  // copied into a shared memory mapping of the journal segment instead of
  // written with a system call each: on the benchmark machine a third of
  // such a transaction's time was the pwrite. The bytes reach the page
  // cache either way (a process crash loses nothing acknowledged). The
  // difference is how a failing disk shows: rarely (a page the kernel wrote
  // back on its own since it was prefaulted, on a file system that has
  // since shut down) the process gets SIGBUS where a write call would have
  // returned an error that poisons the store. false keeps one pwrite per
  // commit. Ignored under kSync, whose fdatasync per commit dwarfs the
  // system call. Needs Linux 5.14 or later, else it has no effect.
  bool map_journal_writes = true;
  // Largest encoded transaction, 64 bytes to 1 GiB; larger transactions are
  // InvalidArgument. Options out of their ranges make Open fail with
  // InvalidArgument naming the option.
  uint64_t max_record_bytes = 16 << 20;

  // Automatic compaction once the journal written since the newest snapshot
  // passes either bound. 0 disables that bound.
  uint64_t compact_after_bytes = 64 << 20;
  uint64_t compact_after_records = 100000;
  // Where automatic compaction runs. true: on a background thread of the
  // store, beside the writers (the Apply that crosses a bound only wakes
  // it); the next journal segment is then also prepared ahead on a thread
  // once the current one is half full (zero-filled and synced as
  // wal-spare.tmp, docs/format.md), so that the writer that fills a
  // segment does not write and sync the next one's zeros. false: inside
  // the Apply or Update that crosses a bound, before it returns, and the
  // spare segment is made by the write that takes the current one past
  // half full; deterministic, for tests that replay a sequence of file
  // operations. Either way the snapshot is built from the
  // newest snapshot and the synced journal, never from the live state, so
  // writers wait only for one journal fdatasync (docs/tuning.md). An
  // automatic compaction that fails (a full disk) is reported to no caller:
  // the next Apply that finds one due tries again, the journal grows
  // meanwhile, and only a failure that poisons the store (a failed fsync)
  // shows, in status(). Call Compact() to see the error.
  bool compact_in_background = true;
  // Under Durability::kSync, how fast compaction writes the new snapshot
  // while transactions are being committed, in bytes per second; 0 for no
  // limit, else at least 64 KiB/s (InvalidArgument otherwise). A writer's
  // fdatasync flushes the disk's cache and so pays for
  // whatever compaction wrote since the last flush: unpaced, back-to-back
  // compactions of a 10 MB state multiplied writer p99 by 6 to 7 on the
  // benchmark machine; paced, p99 stayed about what it was without them
  // (docs/tuning.md, "What they cost: measured"). A piece (64 KiB) is
  // held back only if a transaction was committed since the previous one
  // or a commit is waiting for the disk, so a compaction of an idle store
  // runs at full speed. Other
  // policies' writers do not wait for the disk and are never paced for.
  // Timed on the monotonic clock.
  uint64_t compaction_write_rate = 32 << 20;

  // Open without building the in-memory state. Recovery still verifies the
  // snapshot and checks and parses every journal record after it; it only
  // does not apply them. Transactions made of merge patches only (which
  // apply to any state, RFC 7386) are then appended without the state; the
  // first call that needs it (Get, Read, Update, any other transaction)
  // builds it from the newest snapshot and the journal, and a record that
  // does not apply surfaces there instead of in Open. For short-lived
  // processes that only append (`statelog apply`): their cost no longer
  // grows with the size of the state. Ignored with `read_only`: a reader
  // holds no lock, and by the time it built the state a writer's retention
  // could have deleted the files it needs.
  bool load_state_lazily = false;

  // Snapshots kept (at least 2; smaller values are raised to 2).
  int keep_snapshots = 2;

  // File-system seam. nullptr means the POSIX file system. Not owned; must
  // outlive the store.
  Env* env = nullptr;
};

}  // namespace statelog

#endif  // STATELOG_OPTIONS_H_
