// txn/undo_log.cc

#include "txn/undo_log.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "txn/slot.h"

namespace statelog::internal {

void UndoLog::Reserve() {
  if (discarding_) return;
  // Grown geometrically: reserve(size() + 1) would reallocate every time.
  if (entries_.size() == entries_.capacity()) {
    entries_.reserve(std::max<size_t>(16, 2 * entries_.capacity()));
  }
}

void UndoLog::RecordInsert(std::vector<std::string> path) noexcept {
  if (discarding_) return;
  entries_.push_back(Entry{Kind::kInsert, std::move(path), Json(), false});
}

void UndoLog::RecordReplace(std::vector<std::string> path, Json old) noexcept {
  if (discarding_) return;
  entries_.push_back(
      Entry{Kind::kReplace, std::move(path), std::move(old), false});
}

void UndoLog::RecordRemove(std::vector<std::string> path, Json old) noexcept {
  if (discarding_) return;
  entries_.push_back(
      Entry{Kind::kRemove, std::move(path), std::move(old), false});
}

Json UndoLog::BorrowMovedValue() noexcept {
  Entry& last = entries_.back();
  assert(last.kind == Kind::kRemove && !last.old_is_borrowed);
  last.old_is_borrowed = true;
  return std::move(last.old);
}

void UndoLog::ReturnMovedValue(Json value) noexcept {
  Entry& last = entries_.back();
  assert(last.kind == Kind::kRemove && last.old_is_borrowed);
  last.old = std::move(value);
  last.old_is_borrowed = false;
}

void UndoLog::Rollback(Json* root) noexcept {
  // What the last undone change took out of the document, for a borrowed
  // removal (a move) to put back where it came from.
  Json carried;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    Entry& entry = *it;
    absl::StatusOr<Slot> slot = FindSlot(root, entry.path);
    assert(slot.ok());
    if (!slot.ok()) continue;
    switch (entry.kind) {
      case Kind::kInsert:
        carried = TakeValue(*slot);
        break;
      case Kind::kReplace:
        carried = std::exchange(*slot->value, std::move(entry.old));
        break;
      case Kind::kRemove:
        InsertValue(*slot, entry.old_is_borrowed ? std::move(carried)
                                                 : std::move(entry.old));
        break;
    }
  }
  entries_.clear();
}

}  // namespace statelog::internal
