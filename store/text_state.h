// store/text_state.h
//
// A state whose top-level members stay as text until a transaction touches
// them. Compaction builds each new snapshot from the previous one plus the
// records since; most states are objects with many top-level members of
// which a journal tail touches few, so parsing the whole previous snapshot
// into a tree and dumping it again is mostly wasted: the tree takes 5 to 8
// times the text's size in memory, and building, dumping and freeing it
// was more than half the time of compacting the benchmark's 100,000-key
// state (docs/tuning.md has the figures). TextState checks
// the text once without building anything, parses only the members that
// records touch, and writes the others back verbatim.
//
// The result is the state ApplyTransaction would give on the whole tree
// (tests/store/text_state_test.cc holds the two side by side), and Dump()
// gives, for text that DumpJson wrote, the bytes DumpJson would give.

#ifndef STATELOG_STORE_TEXT_STATE_H_
#define STATELOG_STORE_TEXT_STATE_H_

#include <cstddef>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "statelog/transaction.h"

namespace statelog::internal {

class TextState {
 public:
  // Checks `text` as ParseJson would (InvalidArgument naming `what` and the
  // byte offset) and indexes its top-level members. `text` must outlive
  // the TextState. A state that is not an object is parsed whole.
  static absl::StatusOr<TextState> FromText(absl::string_view text,
                                            absl::string_view what);

  TextState(TextState&&) = default;
  TextState& operator=(TextState&&) = default;

  // Applies `txn` all or nothing, with ApplyTransaction's results and
  // errors. An operation on the root other than an object merge patch
  // parses every member first.
  absl::Status Apply(const Transaction& txn);

  // The compact JSON of the whole state.
  absl::StatusOr<std::string> Dump() const;

  // Top-level members parsed so far, and whether the state is now one tree.
  size_t parsed_members() const { return parsed_members_; }
  bool whole() const { return whole_; }

 private:
  struct Member {
    absl::string_view text;  // `"key":value` as in the source; empty once parsed
    size_t value_offset = 0;  // where the value starts in `text`
    Json value;               // once parsed
  };

  TextState() = default;
  absl::Status Parse(Member* member);
  absl::Status MakeWhole();

  bool whole_ = false;
  Json tree_;  // the state, once whole_
  std::map<std::string, Member, std::less<>> members_;
  size_t parsed_members_ = 0;
  size_t text_bytes_ = 0;  // of the source, to size Dump's output
};

}  // namespace statelog::internal

#endif  // STATELOG_STORE_TEXT_STATE_H_
