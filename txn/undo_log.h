// txn/undo_log.h
//
// What ApplyTransaction keeps to put a document back exactly as it was when
// a later operation fails: one entry per change, holding the value the
// change displaced (moved out of the document, never copied), undone in
// reverse order. Internal to statelog.

#ifndef STATELOG_TXN_UNDO_LOG_H_
#define STATELOG_TXN_UNDO_LOG_H_

#include <string>
#include <vector>

#include "statelog/transaction.h"

namespace statelog::internal {

// Entries name places by resolved paths (txn/slot.h ResolvedPath), not by
// pointers into the document: array inserts move elements, so only a path
// finds the same place again. Undoing in reverse order means every entry
// sees the document exactly as its change left it, so its path still
// resolves.
//
// Recording never fails: call Reserve() before making the change, then
// Record*() after it. Not thread-safe.
class UndoLog {
 public:
  UndoLog() = default;
  UndoLog(const UndoLog&) = delete;
  UndoLog& operator=(const UndoLog&) = delete;

  // From now on, keep nothing: Reserve and Record* do nothing (displaced
  // values are destroyed at once). For a transaction's last operation,
  // which never needs undoing: if it fails it has changed nothing (every
  // operation checks everything before its one change), and nothing after
  // it can fail. Not for a move (it takes its value back out of the log)
  // nor a merge patch (several changes, so memory running out midway
  // leaves some made).
  // With `overwrite_in_place`, a value the operation replaces may be
  // overwritten where it stands instead of destroyed (ApplyTransaction's
  // Replaced::kOverwrite).
  void Discard(bool overwrite_in_place = false) {
    discarding_ = true;
    overwrite_in_place_ = overwrite_in_place;
  }
  // Whether entries are kept; callers skip building their paths if not.
  bool recording() const { return !discarding_; }
  bool overwrites_in_place() const {
    return discarding_ && overwrite_in_place_;
  }

  // Makes room for one more entry. May throw std::bad_alloc.
  void Reserve();

  // A value was inserted at `path` (a new member or array element).
  void RecordInsert(std::vector<std::string> path) noexcept;
  // The value at `path` (possibly the root) was replaced; `old` was there.
  void RecordReplace(std::vector<std::string> path, Json old) noexcept;
  // `old` was removed from `path`.
  void RecordRemove(std::vector<std::string> path, Json old) noexcept;

  // For a move: takes the value of the last RecordRemove back out so that it
  // can be inserted elsewhere without a copy. If it is, the insertion must
  // be the very next entry, whose undo hands the value back to this one.
  // If it is not, the caller must return it with ReturnMovedValue().
  // REQUIRES: the last entry came from RecordRemove.
  Json BorrowMovedValue() noexcept;
  void ReturnMovedValue(Json value) noexcept;

  // Undoes every change, newest first, and empties the log. Terminates the
  // process if memory runs out midway (re-inserting a member allocates):
  // carrying on would leave a half-restored state.
  void Rollback(Json* root) noexcept;

 private:
  enum class Kind { kInsert, kReplace, kRemove };
  struct Entry {
    Kind kind;
    std::vector<std::string> path;
    Json old;
    bool old_is_borrowed = false;  // kRemove whose value a move took along
  };

  std::vector<Entry> entries_;
  bool discarding_ = false;
  bool overwrite_in_place_ = false;
};

}  // namespace statelog::internal

#endif  // STATELOG_TXN_UNDO_LOG_H_
