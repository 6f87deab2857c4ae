// statelog/store.h
//
// A Store keeps one JSON document durable. Every change is a Transaction,
// appended to a checksummed journal and acknowledged once the durability
// policy is met; the journal is folded into snapshots now and then; `Open`
// recovers the newest verified snapshot plus the journal after it.
//
// Example:
//
//   statelog::Options options;
//   options.create_if_missing = true;
//   auto opened = statelog::Store::Open("agent.state", options);
//   if (!opened.ok()) return opened.status();
//   std::unique_ptr<statelog::Store> store = std::move(opened->store);
//   auto seq = store->Apply(statelog::Transaction().Set("/step", 1));
//   auto step = store->Get("/step");  // 1
//
// Thread-safety: all methods are safe to call from several threads. Readers
// see the state after some complete transaction, never part of one. The
// Store must outlive every call into it: destroying it while another
// thread is inside one is undefined.
//
// Processes: a Store belongs to the process that opened it. In a child made
// by fork() (daemon() included) every method fails with FailedPrecondition
// naming the fork (LastSeq() and recovery_report() answer what the copy
// holds), and destroying the child's copy only closes its copies of the
// lock's descriptors, leaving the rest of it allocated: the parent's
// threads are not in the child. A child that wants the store opens it
// itself once the parent has closed it. A store opened by a relative path
// stays relative to the working directory: a process that calls chdir()
// while it is open stops writing at its next new file (FailedPrecondition,
// see FileLock::CheckInPlace), so open it by an absolute path there.
//
// Resources: a writable store holds three file descriptors (LOCK, the
// directory, the journal segment) and one thread for background
// compaction (none with Options::compact_in_background false), plus one
// for kInterval's syncs, and for a moment a third while it prepares the
// next journal segment; a read-only one holds none once Open returns.
//
// Visibility: a transaction is visible to readers from the moment it is
// sequenced, which may be shortly before its fdatasync completes. If a write
// or fdatasync fails, the store is poisoned: every later Apply, Get and Read
// fails with the original error until the store is reopened, so no reader
// keeps using state that may not be durable.

#ifndef STATELOG_STORE_H_
#define STATELOG_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "statelog/options.h"
#include "statelog/recovery_report.h"
#include "statelog/transaction.h"

namespace statelog {

namespace internal {
class StoreImpl;
}

class Store;

struct OpenResult {
  std::unique_ptr<Store> store;
  RecoveryReport report;
};

class Store {
 public:
  // Opens (or, with `create_if_missing`, creates) the store in `dir`, takes
  // the exclusive lock `dir/LOCK` unless `read_only`, and runs recovery.
  // Errors: NotFound (no store; with `create_if_missing`, a parent of `dir`
  // missing), FailedPrecondition (locked by another opener: the message
  // starts "store is locked by another opener" and names pid and host; a
  // symlink; with `create_if_missing`, `dir` holds files that are
  // not a store's, which are left as they are), DataLoss (damage recovery
  // may not repair, naming segment, offset and sequence number),
  // AlreadyExists (with `error_if_exists`), InvalidArgument (Options out of
  // range). A refused open changes nothing in a directory that is not a
  // store.
  [[nodiscard]] static absl::StatusOr<OpenResult> Open(const std::string& dir,
                                                       const Options& options);

  // Flushes and syncs the journal and releases the lock. A destructor
  // cannot report an error: call Sync() first where it matters (kInterval,
  // kNone) and check its status.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Applies `txn` all or nothing and returns its sequence number once the
  // durability policy is met. Nothing is written if any operation fails:
  // InvalidArgument (a malformed pointer, a step into an array that is not
  // an index or "-", such as "01" or "x", or a poison value), NotFound (a
  // path that must exist does not: a missing member, an index past the
  // end, a scalar on the way), Aborted (a failed `test`, showing both
  // values); each names the operation index and pointer. Removing the
  // root ("") is InvalidArgument (a state is never absent). An empty
  // transaction (RFC 6902's empty patch) writes nothing and returns
  // LastSeq() once the policy is met for it.
  // Memory running out before the transaction is framed is
  // ResourceExhausted, with nothing applied or written.
  [[nodiscard]] absl::StatusOr<uint64_t> Apply(const Transaction& txn);
  // The same for a transaction the caller is done with (a temporary, or
  // std::move'd): its values move into the state instead of being copied,
  // which saves an allocation per JSON node they hold. Afterwards `txn`'s
  // values are unspecified, whatever the outcome: after a failure, build
  // the transaction again before retrying (the same object may now hold
  // nulls where its values were, and would write those).
  [[nodiscard]] absl::StatusOr<uint64_t> Apply(Transaction&& txn);

  // Sets the value at `pointer` to the JSON value `json_text`: the same as
  // Apply(Transaction().Set(pointer, value)) with `value` parsed from
  // `json_text`, with the same record, result and errors, plus
  // InvalidArgument naming the pointer and byte offset if `json_text` is
  // not one JSON value (as statelog reads JSON: at most 256 levels deep,
  // valid UTF-8, finite numbers).
  //
  // For callers that hold the value as text already (a serializer's output,
  // a model's reply, a file). Text in the compact form statelog writes (no
  // whitespace, object keys in sorted order without escapes, integers of
  // at most 18 digits, strings whose only escapes are \" \\ \b \f \n \r
  // \t) set at a top-level member ("/name") goes into the journal and the
  // state as it is, with no tree built: a kNone checkpoint of a 100-byte
  // object this way took 0.58 to 0.97 of the time of Apply of the parsed
  // value, side by side (docs/tuning.md). Other text, and deeper pointers,
  // are parsed and applied as Apply does.
  [[nodiscard]] absl::StatusOr<uint64_t> SetJsonText(
      const std::string& pointer, absl::string_view json_text);

  // Read-modify-write: calls `fn` with the current state under the store's
  // write lock; the transaction it fills in is applied before any other
  // writer runs, so concurrent updaters never lose an update. If `fn`
  // returns an error, nothing is written and that error is returned. An
  // empty transaction writes nothing, as for Apply.
  // `fn` runs under the store's lock: calling Apply, Update, Get, Read,
  // Sync or Compact of the same store from it fails with
  // FailedPrecondition (LastSeq and status work).
  [[nodiscard]] absl::StatusOr<uint64_t> Update(
      const std::function<absl::Status(const Json& state, Transaction* txn)>&
          fn);

  // Makes the state `state`, journaling only what differs from the
  // current one (Transaction::Diff) as one transaction, and returns its
  // sequence number once the durability policy is met. The comparison runs
  // under the store's shared lock, beside readers; the result is applied
  // under the write lock, and compared again if another writer came
  // between (the last time under the write lock), so concurrent Saves and
  // Applies never lose one another's effect on what they compare. If nothing
  // differs it writes nothing and returns LastSeq(), as an empty Apply does.
  // For a program that keeps its whole state as one JSON value and checkpoints
  // it after each step: where it rewrote the whole file, each record now holds
  // what the step changed. Errors as Apply's; a poison value (deeper than 256
  // levels, NaN, invalid UTF-8) in what changed is InvalidArgument, and nothing
  // is written. Cost: a walk of both states, node by node, whatever changed
  // (BM_StoreSaveNone: about 0.2 ms for the benchmark's 1,000 small
  // members, about 100 ms for 100,000, whose trees outgrow the caches;
  // an Apply of the same change takes 1 to 3 us; docs/tuning.md); the
  // first Save after an open parses every member still left as text, as
  // Read does. A program that knows what it changed saves time saying it
  // with Apply.
  [[nodiscard]] absl::StatusOr<uint64_t> Save(const Json& state);

  // The value at `pointer` ("" is the whole state). NotFound if absent (a
  // missing member, an index past the end, a scalar on the way),
  // InvalidArgument if `pointer` is malformed or steps into an array with a
  // token that is not an index. Cost: after an open, the
  // state's top-level members stay as snapshot text until used, and a
  // member put whole is kept as its record's text; Get parses only the
  // member `pointer` starts in, once after each put (docs/tuning.md, "What
  // an open store holds").
  [[nodiscard]] absl::StatusOr<Json> Get(const std::string& pointer) const;
  // Calls `fn` with the whole state, consistent, under a shared lock (or,
  // if writers keep putting members between Read's turns to settle them,
  // after three turns under the write lock). From `fn`, the same store's
  // other calls fail as from Update's. The first Read or Update after an
  // open parses every member still left as text, and each parses the
  // member puts kept as text since (docs/tuning.md, "What an open store
  // holds").
  [[nodiscard]] absl::Status Read(
      const std::function<void(const Json& state, uint64_t seq)>& fn) const;

  // Makes every transaction applied so far durable.
  [[nodiscard]] absl::Status Sync();
  // Writes a snapshot of everything applied before the call, then drops
  // snapshots and segments no longer needed. Writers wait only while the
  // journal is fdatasync'ed through the snapshot's sequence number; the
  // snapshot is built from the previous one and the journal, beside them.
  // If a (background) compaction is running, waits for it first. A failed
  // fsync of the snapshot or the directory poisons the store.
  [[nodiscard]] absl::Status Compact();

  // Sequence number of the newest applied transaction (0 for a new store).
  // Once the store is poisoned it may count a transaction whose record
  // never reached the journal (its Apply failed); the reopened store gives
  // that number again.
  uint64_t LastSeq() const;
  // OK, or the error that poisoned the writer.
  absl::Status status() const;
  // The report Open returned, kept up to date. With
  // Options::load_state_lazily, Open checks only the newest snapshot's
  // header; if building the state later (or a compaction before that)
  // finds that snapshot's state damaged, it is passed over as in an eager
  // open, and this report (and recovery-report.json, unless read-only)
  // then names it with its error and the snapshot used instead. A build
  // that fails leaves the report as it was.
  RecoveryReport recovery_report() const;
  const std::string& dir() const;

 private:
  explicit Store(std::unique_ptr<internal::StoreImpl> impl);
  std::unique_ptr<internal::StoreImpl> impl_;
};

}  // namespace statelog

#endif  // STATELOG_STORE_H_
