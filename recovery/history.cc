// recovery/history.cc

#include "statelog/history.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "io/errno_status.h"
#include "journal/format.h"
#include "journal/journal_reader.h"
#include "journal/record.h"
#include "recovery/beside_writer.h"
#include "recovery/recovery.h"
#include "snapshot/snapshot_file.h"
#include "store/identity.h"
#include "txn/pointer_tokens.h"
#include "txn/slot.h"
#include "util/file_names.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog {
namespace internal {
namespace {

// Whether the pointers `a` and `b` (RFC 6901 text) name the same value or
// one is inside the other. A token never holds an unescaped '/', so the
// text's prefixes at a '/' are the value's ancestors.
bool Related(absl::string_view a, absl::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  return b.substr(0, a.size()) == a &&
         (b.size() == a.size() || b[a.size()] == '/');
}

absl::string_view Parent(absl::string_view pointer) {
  const size_t slash = pointer.rfind('/');
  return slash == absl::string_view::npos ? absl::string_view()
                                          : pointer.substr(0, slash);
}

// The value at `tokens` in `state`, or null if there is none.
const Json* Find(const Json& state, const std::vector<std::string>& tokens) {
  absl::StatusOr<Json*> found =
      FindValue(const_cast<Json*>(&state), tokens, tokens.size());
  return found.ok() ? *found : nullptr;
}

// Whether an operation that adds, replaces or removes the value at `path`
// may change the value at `pointer`: it does if one is inside the other,
// and, in an array, the elements after it move.
bool MayTouch(absl::string_view path, absl::string_view pointer,
              const Json& state) {
  if (Related(path, pointer)) return true;
  const absl::string_view parent = Parent(path);
  if (path.empty() || !Related(parent, pointer)) return false;
  absl::StatusOr<std::vector<std::string>> tokens =
      SplitPointer(std::string(parent));
  if (!tokens.ok()) return true;
  const Json* container = Find(state, *tokens);
  return container == nullptr || container->is_array();
}

// Whether the merge patch `patch` (RFC 7386, on the root of `state`) may
// change the value at `tokens`: only if it has a member on the way there,
// or puts an object where the way passes through something else (an
// array, which the object replaces).
bool MergeTouches(const Json& patch, const std::vector<std::string>& tokens,
                  const Json& state) {
  const Json* at = &patch;
  const Json* target = &state;  // null once the way leaves the state
  for (const std::string& token : tokens) {
    if (!at->is_object()) return true;
    if (target != nullptr && !target->is_object()) return true;
    auto member = at->find(token);
    if (member == at->end()) return false;
    at = &*member;
    if (target != nullptr) {
      auto next = target->find(token);
      target = next == target->end() ? nullptr : &*next;
    }
  }
  return true;
}

// A filter that is never wrong by saying no: the caller compares the
// value before and after whatever it lets through.
bool MayChange(const Transaction& txn, const std::string& pointer,
               const std::vector<std::string>& tokens, const Json& state) {
  for (const Operation& op : txn.ops()) {
    switch (op.kind) {
      case OpKind::kTest:
        break;
      case OpKind::kMerge:
        if (MergeTouches(op.value, tokens, state)) return true;
        break;
      case OpKind::kMove:
        if (MayTouch(op.from, pointer, state)) return true;
        [[fallthrough]];
      default:
        if (MayTouch(op.path, pointer, state)) return true;
    }
  }
  return false;
}

std::optional<Json> CopyAt(const Json& state,
                           const std::vector<std::string>& tokens) {
  const Json* value = Find(state, tokens);
  return value == nullptr ? std::nullopt : std::optional<Json>(*value);
}

// Where the journal starts: the first seq of its oldest segment and the
// chain value its header continues from. Zero seq if there is no segment.
struct JournalStart {
  uint64_t first_seq = 0;
  uint64_t chain_in = 0;
};

absl::StatusOr<JournalStart> FindJournalStart(Env* env,
                                              const std::string& dir) {
  STATELOG_ASSIGN_OR_RETURN(std::vector<SegmentFile> segments,
                            ListSegments(env, dir));
  if (segments.empty()) return JournalStart{};
  const std::string& oldest = segments.front().name;
  STATELOG_ASSIGN_OR_RETURN(std::unique_ptr<FileContents> contents,
                            env->ReadWhole(JoinPath(dir, oldest)));
  STATELOG_ASSIGN_OR_RETURN(SegmentHeader header,
                            DecodeSegmentHeader(contents->data(), oldest));
  return JournalStart{header.first_seq, header.chain_in};
}

// A snapshot's verified state, parsed.
struct Base {
  std::string file;
  uint64_t seq = 0;
  uint64_t chain = 0;
  Json state;
};

// The first of `candidates` whose file verifies and parses; those that do
// not are added to `passed_over`. A file that could not be read, or that a
// newer statelog wrote, is an error, not damage to pass over. Nullopt if
// none serves.
absl::StatusOr<std::optional<Base>> FirstGoodSnapshot(
    Env* env, const std::string& dir, const std::string& store_id,
    const std::vector<SnapshotName>& candidates,
    std::vector<SnapshotAttempt>* passed_over) {
  for (const SnapshotName& name : candidates) {
    absl::StatusOr<VerifiedSnapshot> snap =
        ReadSnapshot(env, dir, name.file, store_id);
    absl::StatusOr<Json> state = snap.ok()
                                     ? ParseJson(snap->state_json, name.file)
                                     : absl::StatusOr<Json>(snap.status());
    if (CouldNotRead(state.status()) || IsNewerFormat(state.status())) {
      return state.status();
    }
    if (!state.ok()) {
      SnapshotAttempt attempt;
      attempt.file = name.file;
      attempt.seq = name.seq;
      attempt.error = std::string(state.status().message());
      passed_over->push_back(std::move(attempt));
      continue;
    }
    return std::optional<Base>(Base{name.file, snap->header.seq,
                                    snap->header.chain, *std::move(state)});
  }
  return std::optional<Base>();
}

// "; <file>: <error>" for each, the file named once (most snapshot errors
// start with it).
std::string PassedOverText(const std::vector<SnapshotAttempt>& passed_over) {
  std::string text;
  for (const SnapshotAttempt& a : passed_over) {
    absl::StrAppend(&text, "; passed over ", DescribeAttempt(a));
  }
  return text;
}

// The newest of `names` (newest first) whose header verifies.
std::optional<SnapshotName> NewestVerified(
    Env* env, const std::string& dir, const std::string& store_id,
    const std::vector<SnapshotName>& names) {
  for (const SnapshotName& name : names) {
    if (ReadSnapshotHeader(env, dir, name.file, store_id).ok()) return name;
  }
  return std::nullopt;
}

// Every compaction syncs the journal through a snapshot's seq before it
// publishes the snapshot, so a journal that ends before a snapshot listed
// before it was read has lost segments: damage, as recovery and verify
// call it, not the end of history.
// `names` were listed before the journal was read; `journal` must have
// been read to its end (not stopped early), null if there is no segment
// at all. Headers are read only for a journal that ends before the
// newest name: the usual read reaches it and reads none.
absl::Status CheckReachesSnapshot(Env* env, const std::string& dir,
                                  const std::string& store_id,
                                  const std::vector<SnapshotName>& names,
                                  const JournalReadResult* journal) {
  // Where the journal ends, which is before the records a read started
  // from a snapshot skips if the journal ends before that snapshot.
  const bool any_segment = journal != nullptr && journal->segments_read > 0;
  const uint64_t end = !any_segment || journal->journal_next_seq == 0
                           ? 0
                           : journal->journal_next_seq - 1;
  if (names.empty() || (any_segment && end >= names.front().seq)) {
    return absl::OkStatus();
  }
  const std::optional<SnapshotName> newest =
      NewestVerified(env, dir, store_id, names);
  if (!newest.has_value() || (any_segment && end >= newest->seq)) {
    return absl::OkStatus();
  }
  return absl::DataLossError(
      absl::StrCat(dir, ": ",
                   any_segment ? absl::StrCat("the journal ends at seq ", end)
                               : std::string("no journal segment is left"),
                   ", before the snapshot ", newest->file, " at seq ",
                   newest->seq, ": segments are missing"));
}

// `status` with its message starting with `dir` (the journal reader's
// errors name the segment, not the store).
absl::Status InDir(const std::string& dir, const absl::Status& status) {
  if (absl::StartsWith(status.message(), dir)) return status;
  return absl::Status(status.code(), absl::StrCat(dir, ": ", status.message()));
}

// ReadJournal from (`start_seq`, `start_chain`), going on from the last
// record read when a segment it listed is gone by the time it comes to
// read it: a writer's retention deleted it meanwhile. If the records after
// the last one read went with it, that is Unavailable (what was read is
// whole up to there); if nothing was read yet, the error is returned as it
// is, for the caller to read again from the start.
absl::StatusOr<JournalReadResult> ReadJournalBesideWriter(
    Env* env, const std::string& dir, const std::string& store_id,
    uint64_t start_seq, uint64_t start_chain, const RecordFn& fn,
    uint64_t stop_after_seq, RecordPlace* place) {
  uint64_t seq = start_seq;
  uint64_t chain = start_chain;
  const RecordFn tracked = [&](const RecordHeader& h,
                               absl::string_view payload) -> absl::Status {
    STATELOG_RETURN_IF_ERROR(fn(h, payload));
    seq = h.seq;
    chain = h.checksum;
    return absl::OkStatus();
  };
  absl::Duration pause = absl::Milliseconds(1);
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<JournalReadResult> journal =
        ReadJournal(env, dir, store_id, seq, chain, kMaxRecordPayloadBytes,
                    tracked, stop_after_seq, place);
    const bool vanished = absl::IsNotFound(journal.status());
    const bool gone_on =
        attempt > 1 && absl::IsDataLoss(journal.status()) &&
        absl::StrContains(journal.status().message(), "journal gap");
    if (seq > start_seq &&
        (gone_on || (vanished && attempt == kReadsBesideWriter))) {
      return absl::UnavailableError(absl::StrCat(
          dir, ": the records after seq ", seq,
          " were removed while they were being read (a writer's compaction "
          "and retention); everything up to seq ",
          seq, " was read. Read again for what follows"));
    }
    if (!vanished || attempt == kReadsBesideWriter) return journal;
    absl::SleepFor(pause);
    pause *= 2;
  }
}

absl::StatusOr<StateAt> ReadStateAtOnce(Env* env, const std::string& dir,
                                        uint64_t seq) {
  STATELOG_ASSIGN_OR_RETURN(StoreIdentity identity,
                            ReadIdentityOfStore(env, dir));
  STATELOG_ASSIGN_OR_RETURN(std::vector<SnapshotName> names,
                            ListSnapshots(env, dir));
  std::vector<SnapshotName> candidates;
  for (const SnapshotName& name : names) {
    if (name.seq <= seq) candidates.push_back(name);
  }
  if (candidates.empty()) {
    return absl::OutOfRangeError(absl::StrCat(
        dir, ": no state as of seq ", seq, " can be rebuilt: ",
        names.empty()
            ? std::string("the store holds no snapshot")
            : absl::StrCat("the oldest snapshot kept is ", names.back().file,
                           " (seq ", names.back().seq, ")"),
        "; what came before it was compacted away"));
  }
  StateAt out;
  STATELOG_ASSIGN_OR_RETURN(std::optional<Base> base,
                            FirstGoodSnapshot(env, dir, identity.store_id,
                                              candidates, &out.passed_over));
  if (!base.has_value()) {
    return absl::DataLossError(
        absl::StrCat(dir, ": no snapshot at or before seq ", seq, " verifies",
                     PassedOverText(out.passed_over)));
  }
  out.snapshot = base->file;
  out.snapshot_seq = base->seq;
  out.state = std::move(base->state);
  if (base->seq == seq) return out;
  // Errors from here on say which snapshots were passed over: that is why
  // the records they name were needed.
  auto failed = [&](absl::StatusCode code, absl::string_view message) {
    return absl::Status(code,
                        absl::StrCat(message, " (replaying from ", base->file,
                                     PassedOverText(out.passed_over), ")"));
  };
  absl::StatusOr<JournalReadResult> journal = ReadJournalBesideWriter(
      env, dir, identity.store_id, base->seq, base->chain,
      [&](const RecordHeader&, absl::string_view payload) {
        ++out.records_replayed;
        return ApplyRecordPayload(payload, &out.state);
      },
      seq, nullptr);
  if (!journal.ok()) {
    const absl::Status error = InDir(dir, journal.status());
    return failed(error.code(), error.message());
  }
  out.covered_damage = journal->covered_damage;
  if (journal->last_seq >= seq) return out;
  if (journal->damage && journal->damage->durable_after) {
    return failed(
        absl::StatusCode::kDataLoss,
        absl::StrCat(dir, ": mid-log corruption at ",
                     journal->damage->Describe(), ", before seq ", seq));
  }
  const absl::Status reaches =
      CheckReachesSnapshot(env, dir, identity.store_id, names, &*journal);
  if (!reaches.ok()) return failed(reaches.code(), reaches.message());
  return absl::OutOfRangeError(absl::StrCat(
      dir, ": no seq ", seq, ": the journal ends at seq ", journal->last_seq,
      journal->damage ? absl::StrCat(" (then a torn tail: ",
                                     journal->damage->Describe(), ")")
                      : std::string()));
}

// ReadHistory's one read; `*passed` counts the records given to `fn`.
absl::StatusOr<HistoryEnd> ReadHistoryOnce(
    Env* env, const std::string& dir, const HistoryRequest& request,
    const std::function<absl::Status(const HistoryRecord&)>& fn,
    uint64_t* passed) {
  std::vector<std::string> tokens;
  if (request.pointer.has_value()) {
    STATELOG_ASSIGN_OR_RETURN(tokens, SplitPointer(*request.pointer));
  }
  STATELOG_ASSIGN_OR_RETURN(StoreIdentity identity,
                            ReadIdentityOfStore(env, dir));
  // Listed before the journal is read: the journal then reaches each.
  STATELOG_ASSIGN_OR_RETURN(std::vector<SnapshotName> names,
                            ListSnapshots(env, dir));
  STATELOG_ASSIGN_OR_RETURN(JournalStart start, FindJournalStart(env, dir));
  HistoryEnd end;
  end.first_seq = start.first_seq;
  if (start.first_seq == 0) {
    STATELOG_RETURN_IF_ERROR(
        CheckReachesSnapshot(env, dir, identity.store_id, names, nullptr));
    return end;
  }

  // Without a pointer the records are only listed, from the journal's
  // start; with one, the state is rebuilt from the oldest snapshot the
  // journal reaches.
  uint64_t read_from = start.first_seq - 1;
  uint64_t chain = start.chain_in;
  Json state;
  if (request.pointer.has_value()) {
    std::vector<SnapshotName> reachable;
    for (auto it = names.rbegin(); it != names.rend(); ++it) {
      if (it->seq + 1 >= start.first_seq) reachable.push_back(*it);
    }
    STATELOG_ASSIGN_OR_RETURN(std::optional<Base> base,
                              FirstGoodSnapshot(env, dir, identity.store_id,
                                                reachable, &end.passed_over));
    if (!base.has_value()) {
      return absl::DataLossError(absl::StrCat(
          dir, ": no snapshot the journal reaches (from seq ", start.first_seq,
          ") verifies, so no state to replay from",
          PassedOverText(end.passed_over)));
    }
    end.base_snapshot = base->file;
    end.base_seq = base->seq;
    read_from = base->seq;
    chain = base->chain;
    state = std::move(base->state);
  }

  end.last_seq = read_from;
  if (request.to_seq <= read_from) return end;
  RecordPlace place;
  absl::StatusOr<JournalReadResult> journal = ReadJournalBesideWriter(
      env, dir, identity.store_id, read_from, chain,
      [&](const RecordHeader& h, absl::string_view payload) -> absl::Status {
        const bool wanted = h.seq >= request.from_seq;
        if (!request.pointer.has_value() && !wanted) return absl::OkStatus();
        HistoryRecord record;
        record.seq = h.seq;
        STATELOG_ASSIGN_OR_RETURN(record.txn, DecodeRecordPayload(payload));
        if (!request.pointer.has_value()) {
          record.segment = place.segment;
          record.offset = place.offset;
          ++*passed;
          return fn(record);
        }
        if (!wanted ||
            !MayChange(record.txn, *request.pointer, tokens, state)) {
          return ApplyDecodedRecord(&record.txn, &state);
        }
        record.before = CopyAt(state, tokens);
        // Applying moves the values out; the record shows them as written.
        Transaction applied = record.txn;
        STATELOG_RETURN_IF_ERROR(ApplyDecodedRecord(&applied, &state));
        record.after = CopyAt(state, tokens);
        if (record.before.has_value() == record.after.has_value() &&
            (!record.before.has_value() ||
             SameJsonText(*record.before, *record.after))) {
          return absl::OkStatus();
        }
        record.segment = place.segment;
        record.offset = place.offset;
        ++*passed;
        return fn(record);
      },
      request.to_seq, &place);
  if (!journal.ok()) return InDir(dir, journal.status());
  end.last_seq = journal->last_seq;
  end.covered_damage = journal->covered_damage;
  if (journal->damage && journal->damage->durable_after) {
    return absl::DataLossError(absl::StrCat(dir, ": mid-log corruption at ",
                                            journal->damage->Describe()));
  }
  if (journal->last_seq < request.to_seq) {
    STATELOG_RETURN_IF_ERROR(
        CheckReachesSnapshot(env, dir, identity.store_id, names, &*journal));
  }
  if (journal->damage) end.torn_tail = journal->damage->Describe();
  return end;
}

}  // namespace
}  // namespace internal

absl::StatusOr<StateAt> ReadStateAt(const std::string& dir, uint64_t seq,
                                    Env* env) {
  if (env == nullptr) env = Env::Default();
  return internal::ReadBesideWriter(
      env, dir, [&] { return internal::ReadStateAtOnce(env, dir, seq); },
      [](const absl::StatusOr<StateAt>& state) {
        // Nothing has been given to the caller yet: a read that a writer's
        // retention cut short (Unavailable) is simply made again.
        return absl::IsNotFound(state.status()) ||
               absl::IsDataLoss(state.status()) ||
               absl::IsUnavailable(state.status());
      });
}

absl::StatusOr<HistoryEnd> ReadHistory(
    const std::string& dir, const HistoryRequest& request,
    const std::function<absl::Status(const HistoryRecord&)>& fn, Env* env) {
  if (env == nullptr) env = Env::Default();
  // A writer's retention may delete the oldest segment or snapshot between
  // the listing and the read. That is read again, as verify does, but only
  // while no record has been passed on: the caller has those already.
  uint64_t passed = 0;
  return internal::ReadBesideWriter(
      env, dir,
      [&] { return internal::ReadHistoryOnce(env, dir, request, fn, &passed); },
      [&](const absl::StatusOr<HistoryEnd>& end) {
        return passed == 0 && (absl::IsNotFound(end.status()) ||
                               absl::IsDataLoss(end.status()));
      });
}

}  // namespace statelog
