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
//
// An open store keeps its state this way too: opening checks the snapshot
// and indexes it (several times faster than building the tree, and about
// a fifth of its memory), Get parses the one member it reads, a
// transaction the members it touches. Reading the whole state (Whole())
// parses the rest once, and from then on the state is one tree, as it also
// becomes when no member is left as text.

#ifndef STATELOG_STORE_TEXT_STATE_H_
#define STATELOG_STORE_TEXT_STATE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "statelog/env.h"
#include "statelog/transaction.h"
#include "store/root_index.h"
#include "store/text_index.h"
#include "txn/apply.h"
#include "util/byte_sink.h"

namespace statelog::internal {

// What TextState::Apply leaves the members a transaction changed as.
enum class ChangedMembers {
  // Trees, ready to read: an open store's live state.
  kTrees,
  // Their compact JSON text, parsed again only if a later transaction or a
  // read needs them: a state built to be written out (compaction's), which
  // nobody reads. A small object's tree takes five to seven times its text
  // (docs/tuning.md, Compaction). They are folded back to text in passes
  // (see kSmallStateBytes for when).
  kText,
};

class TextState {
 public:
  // Checks `text` as ParseJson would (InvalidArgument naming `what` and the
  // byte offset) and indexes its top-level members. `text` must outlive
  // the TextState. A state that is not an object is parsed whole.
  static absl::StatusOr<TextState> FromText(absl::string_view text,
                                            absl::string_view what);
  // The same, over `text` inside `contents` (a file's bytes). Contents
  // that are a private copy (FileContents::private_copy) are kept as they
  // are. Others (a mapping) are copied and released before indexing, so
  // nothing done to the file later (a truncation by another program would
  // make a mapping fault) reaches the state, and the copy does not raise
  // the peak memory (the index is built after the release).
  static absl::StatusOr<TextState> FromContents(
      std::unique_ptr<FileContents> contents, absl::string_view text,
      absl::string_view what);
  // The text the state was read from, with its index of members: built
  // once, never changed, and shared by every state built from it. Empty
  // unless the state owns its text (FromContents) and some member is
  // still text.
  class Source {
   public:
    Source() = default;
    bool empty() const { return index_ == nullptr; }
    // FromContents' `what`: the snapshot file's name.
    const std::string& name() const;

   private:
    friend class TextState;
    explicit Source(std::shared_ptr<const TextIndex> index)
        : index_(std::move(index)) {}
    std::shared_ptr<const TextIndex> index_;
  };
  // Compaction builds its own state over the open store's text this way
  // (FromSource): no second copy of the snapshot, no second check and
  // index of it.
  Source source() const;
  // A new state over `source`'s text, every member as text again, as
  // FromText of that text would give. REQUIRES: !source.empty().
  static TextState FromSource(const Source& source);

  // A null state, one tree.
  TextState() = default;
  TextState(TextState&&) = default;
  TextState& operator=(TextState&&) = default;

  // What Apply leaves changed members as; kTrees unless set.
  void set_changed_members(ChangedMembers form) { changed_form_ = form; }
  // ChangedMembers::kText folds the changed members back to text in
  // passes. A pass is due once the text parsed since the last one passes
  // a budget: kSmallStateBytes (or kSmallStateBytes / 32 members) in a
  // state whose source text is at most kSmallStateBytes, else nothing
  // beyond what the last pass kept. A pass keeps the members the
  // transaction that triggered it touched, and their parsed bytes become
  // the next pass's budget if larger. So a small state that records change
  // over and over (a compaction of a few thousand keys after 100,000
  // updates) is parsed once and soon one tree, not parsed and dumped once
  // per record; in a large state each member a record parses is dumped
  // about once, and its trees (five to seven times the text) stay few
  // (docs/tuning.md, Compaction); and a member larger than everything
  // parsed around it (one big array that each record changes an element
  // of) stays a tree, instead of being parsed and dumped again for every
  // record, until as much other text has been parsed as it holds.
  static constexpr size_t kSmallStateBytes = size_t{256} << 10;
  // For tests and fuzzing, which exercise a large state's ways on small
  // ones: the size up to which a state counts as small, and its fold
  // budget.
  void set_small_state_bytes(size_t bytes) { small_state_bytes_ = bytes; }

  // Applies `txn` all or nothing, with ApplyTransaction's results and
  // errors (and its meaning of `values`). An operation on the root other
  // than an object merge patch parses every member first. May throw
  // std::bad_alloc, and then has not applied `txn` (members may have been
  // parsed, which changes nothing they hold); with ChangedMembers::kText
  // a fold that runs out of memory after the transaction throws too.
  //
  // `value_text`, if not empty, is the compact JSON of the value of the
  // transaction's one operation, as its record holds it (OnlyValueText,
  // txn/journal_form.h), and `validation` is kAlreadyValidated. Then a
  // `set` or `add` of one whole member keeps that text as the member,
  // where PutMemberText takes it: in an open store's state
  // (ChangedMembers::kTrees) that is one object tree, it goes into
  // put_texts_ and the tree is left alone.
  absl::Status Apply(const Transaction& txn,
                     Validation validation = Validation::kValidate,
                     Values values = Values::kCopy,
                     absl::string_view value_text = {});

  // Reading a value is two steps, so that a reader that finds everything
  // parsed needs no exclusive access: Prepare parses what the pointer
  // `tokens` (SplitPointer's) reaches into (every member, for the root),
  // Prepared says whether that is done, and Find walks to the value,
  // failing as FindValue does on the whole tree.
  bool Prepared(const std::vector<std::string>& tokens) const;
  absl::Status Prepare(const std::vector<std::string>& tokens);
  // REQUIRES: Prepared(tokens).
  absl::StatusOr<const Json*> Find(
      const std::vector<std::string>& tokens) const;

  // The whole state as one tree, parsing what is left as text.
  absl::StatusOr<const Json*> Whole();
  // The tree, once the state is one (Whole() succeeded) and until a member
  // put is kept as text again; null otherwise.
  const Json* tree() const {
    return whole_ && put_texts_.empty() ? &tree_ : nullptr;
  }

  // The compact JSON of the whole state.
  absl::StatusOr<std::string> Dump() const;
  // The same bytes given to `sink` a member at a time, so that they need
  // not be whole in memory (compaction writes them straight to the new
  // snapshot).
  absl::Status DumpTo(const ByteSink& sink) const;

  // Replay's way with a record that sets or adds one whole member
  // (PeekMemberPut, txn/journal_form.h): `value_text` (the record's own
  // text of the value) becomes the member's text, with no tree built and
  // no dump made; the same result as Apply of the decoded record. Taken
  // by any state that is one object tree (into put_texts_); otherwise by
  // compaction's state (ChangedMembers::kText) larger than the small-state
  // size, and by an open store's while some member of the source is still
  // text. False, with nothing changed, in any other
  // state: the caller then decodes the record and applies it. `path` has
  // one token. May throw std::bad_alloc, and then has changed nothing.
  bool PutMemberText(const std::string& path, absl::string_view value_text);
  // Whether PutMemberText would take a record now (ask before checking it).
  bool TakesMemberText() const {
    // One object tree keeps puts in put_texts_, in either form: a put
    // there is a copy of the text and one probe, where decoding the record
    // into a tree and moving it in took several times as long (most of
    // compacting a small state that records put members of over and over,
    // docs/tuning.md).
    if (whole_) return tree_.is_object();
    if (changed_form_ == ChangedMembers::kText) {
      return text_bytes_ > small_state_bytes_;
    }
    return text_members_ > 0;
  }

  // Top-level members parsed so far, and whether the state is now one tree.
  size_t parsed_members() const { return parsed_members_; }
  bool whole() const { return whole_; }

 private:
  // FromText, with `owner` (may be null) keeping `text` alive.
  static absl::StatusOr<TextState> Build(absl::string_view text,
                                         absl::string_view what,
                                         std::shared_ptr<const void> owner);
  // The index in index_->members of the member `key` if it is still text,
  // else kNotText.
  static constexpr size_t kNotText = static_cast<size_t>(-1);
  size_t FindText(absl::string_view key) const;
  // Whether the member `key` is text, the source's or a change's.
  bool IsText(const std::string& key) const;
  // The member's value as a tree; Parse also moves it to parsed_.
  absl::StatusOr<Json> ParseValue(const TextMember& member) const;
  absl::Status Parse(size_t i);
  // Moves the member `key` to parsed_ if it is text (either kind).
  absl::Status ParseMember(const std::string& key);
  // With ChangedMembers::kText: moves the members in parsed_ but not in
  // `kept` (sorted) to changed_text_ if a pass is due (see
  // kSmallStateBytes); `parsed_now` is what the last transaction parsed.
  void FoldChangesOverBudget(const std::vector<std::string>& kept,
                             size_t parsed_now);
  absl::Status MakeWhole();
  // A record that puts or removes one whole member (the usual checkpoint)
  // changes the member without parsing what it was: the value moves in
  // (or is copied, per `values`), or its compact JSON replaces the
  // member's text: the record's own (`value_text`, Apply's) if given while
  // some member of the source is still text, or
  // with ChangedMembers::kText in a state larger than kSmallStateBytes, a
  // dump of it. False (and nothing changed) for any other transaction,
  // and for one that would fail, which the general path then reports.
  bool ApplyWholeMember(const Transaction& txn, Values values,
                        absl::string_view value_text);
  // A transaction that Apply's `value_text` lets keep as text (see there):
  // its text goes into put_texts_, and true. False, with nothing changed,
  // for any other. May throw std::bad_alloc, and then has changed nothing.
  bool PutText(const Transaction& txn, Validation validation,
               absl::string_view value_text);
  // Puts the members of put_texts_ named in `keys` (every one, if null)
  // into the tree, as the `set` of each that they stand for. All are
  // parsed first: a failure (only memory can fail) changes nothing.
  absl::Status Settle(const std::vector<std::string>* keys);
  // DumpTo of a tree with put_texts_ over it.
  absl::Status DumpPutTexts(const ByteSink& sink) const;
  // Sets `*out` to a member's `"key":`, after a comma unless `*first`
  // (which it then clears): the members of a dump, one at a time.
  static void StartMember(const std::string& key, bool* first,
                          std::string* out);
  // Appends `value`'s compact JSON, checked as DumpJson checks a member's
  // value (one level below the root).
  static absl::Status AppendMemberValue(const Json& value, std::string* out);
  using ChangedText = absl::btree_map<std::string, std::string>;
  // Where the member `key` is: in the source text (text_at, else
  // kNotText), among the parsed members (or where it would go), among the
  // changed texts.
  struct MemberSlot {
    size_t text_at = kNotText;
    Json::object_t::iterator parsed;
    bool is_parsed = false;
    ChangedText::iterator changed;
  };
  MemberSlot Locate(absl::string_view key);
  // Marks the member's source text, if it has one, as replaced.
  void Supersede(const MemberSlot& slot);
  // Makes `text` the changed text of the member `key`, at `slot`.
  void PutChangedText(absl::string_view key, absl::string_view text,
                      const MemberSlot& slot);
  // Parses `txn`'s touched members and applies it to the object of the
  // parsed members; the members still text stay as they are.
  absl::Status ApplyToMembers(const Transaction& txn,
                              const std::vector<std::string>& keys,
                              Validation validation, Values values);

  // The source text and its index; null once whole. Shared (const) with
  // states built by FromSource.
  std::shared_ptr<const TextIndex> index_;
  // Per member of the index: parsed, i.e. moved to parsed_ (and maybe
  // removed since). The one part of the index a state changes.
  std::vector<bool> parsed_flags_;
  // The members parsed or added so far (a key is in at most one of the
  // index as text, parsed_ and changed_text_). The tree's own object type,
  // so that members move between it and a transaction's tree as map nodes,
  // uncopied.
  Json::object_t parsed_;
  // With ChangedMembers::kText, the members transactions changed, as the
  // compact JSON of their values. A B-tree: no node per member.
  ChangedText changed_text_;
  ChangedMembers changed_form_ = ChangedMembers::kTrees;
  size_t small_state_bytes_ = kSmallStateBytes;
  size_t text_members_ = 0;  // members of the index not parsed
  bool whole_ = true;
  Json tree_;  // the state, once whole_
  // In a state that is one object tree (an open store's, as a rule), the
  // members whose last change was a `set` or `add` of the whole member, as
  // the compact JSON of their values (their record's own text); what the
  // tree holds for them is stale. A put then costs a copy of the text and
  // one probe, and touches no node of the member's old value: in a large
  // state those are cold in the caches, and overwriting them was the
  // largest cost of a checkpoint (docs/tuning.md). A transaction or read
  // that needs one of them in the tree settles it there first, and the
  // whole tree (Whole()) settles them all. The text takes about a fifth of
  // the memory of the member's tree.
  absl::flat_hash_map<std::string, std::string> put_texts_;
  RootIndex root_index_;  // of tree_'s members, if it has many
  size_t parsed_members_ = 0;
  size_t text_bytes_ = 0;  // of the source, to size Dump's output
  // Text bytes of the members parsed since the last fold, and how many
  // members parsed_ held after it (values that do not dump stay there, and
  // those the transaction that triggered it touched).
  size_t unfolded_bytes_ = 0;
  size_t parsed_after_fold_ = 0;
  // What the transaction that triggered the last fold parsed: those
  // members stayed trees, and are not folded before as much more is parsed.
  size_t kept_bytes_ = 0;
};

}  // namespace statelog::internal

#endif  // STATELOG_STORE_TEXT_STATE_H_
