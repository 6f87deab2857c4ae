// recovery/verify.cc

#include "recovery/verify.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "io/atomic_file.h"
#include "io/errno_status.h"
#include "journal/journal_reader.h"
#include "journal/record.h"
#include "recovery/beside_writer.h"
#include "recovery/recovery.h"
#include "snapshot/snapshot_file.h"
#include "store/identity.h"
#include "util/checksum.h"
#include "util/file_names.h"
#include "util/hex.h"
#include "util/json_scan.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

// Each quarantine/recovery-report.*.json: its name, whether the recovery
// finished, and the damage it found. Read failures and notes that do not
// parse are listed as such: they are no finding about the store.
Json QuarantineNotes(Env* env, const std::string& dir) {
  Json notes = Json::array();
  const std::string qdir = JoinPath(dir, kQuarantineDirName);
  if (!env->CheckDir(qdir).ok()) return notes;
  absl::StatusOr<std::vector<std::string>> names = env->ListDir(qdir);
  if (!names.ok()) return notes;
  std::sort(names->begin(), names->end());
  for (const std::string& name : *names) {
    if (!absl::StartsWith(name, "recovery-report.") ||
        !absl::EndsWith(name, ".json")) {
      continue;
    }
    Json entry = {{"file", JoinPath(kQuarantineDirName, name)}};
    absl::StatusOr<std::string> text =
        ReadFileToString(env, JoinPath(qdir, name));
    absl::StatusOr<Json> note =
        text.ok() ? ParseJson(*text, name) : text.status();
    if (note.ok() && note->is_object()) {
      entry["complete"] = note->value("complete", false);
      entry["damage"] = note->value("damage", std::string());
      entry["covered_damage"] = note->value("covered_damage", std::string());
    } else {
      entry["error"] =
          note.ok() ? "not an object" : std::string(note.status().message());
    }
    notes.push_back(std::move(entry));
  }
  return notes;
}

// Whether a snapshot's state text parses as ParseJson would parse it,
// without building the tree (ScanJson); ParseJson only to say why not.
// Building a large state's tree to drop it was the memory verify needed
// most, and under a memory limit nlohmann's destructor, which allocates,
// ended the process.
absl::Status CheckStateText(absl::string_view text, absl::string_view what) {
  try {
    if (ScanJson(text, kMaxNestingDepth, nullptr)) return absl::OkStatus();
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": out of memory checking ", text.size(), " bytes"));
  }
  return ParseJson(text, what).status();
}

absl::StatusOr<Json> VerifyStoreOnce(const std::string& dir, Env* env) {
  absl::StatusOr<StoreIdentity> identity = ReadIdentityOfStore(env, dir);
  if (absl::IsNotFound(identity.status())) return identity.status();
  if (absl::IsDataLoss(identity.status()) || IsNewerFormat(identity.status())) {
    // Without the store's identity nothing else can be checked against it;
    // the report says so instead of failing without one.
    return Json{
        {"ok", false},
        {"problems", Json::array({std::string(identity.status().message())})}};
  }
  if (!identity.ok()) return identity.status();

  Json out = {{"store_id", ToHex(identity->store_id)}};
  Json problems = Json::array();
  Json snapshots = Json::array();
  STATELOG_ASSIGN_OR_RETURN(std::vector<SnapshotName> names,
                            ListSnapshots(env, dir));
  // Files whose store id is not STORE's: if every one is, STORE (which has
  // no checksum) is the likelier damage.
  size_t foreign = 0;
  std::optional<uint64_t> newest_verified;  // seq
  // The chain value of each snapshot that verifies, by seq: the journal's
  // record at that seq must end with it, or no open accepts the snapshot.
  std::map<uint64_t, std::pair<std::string, uint64_t>> chains;
  bool journal_read_whole = true;  // false once a problem stops the read
  auto is_foreign = [](const absl::Status& status) {
    return absl::EndsWith(status.message(), kOfAnotherStore);
  };
  for (const SnapshotName& name : names) {
    absl::StatusOr<VerifiedSnapshot> snap =
        ReadSnapshot(env, dir, name.file, identity->store_id);
    const absl::Status state =
        snap.ok() ? CheckStateText(snap->state_json, name.file) : snap.status();
    if (CouldNotRead(state)) return state;
    Json entry = {{"file", name.file}, {"seq", name.seq}, {"ok", state.ok()}};
    if (state.ok() && !newest_verified.has_value()) newest_verified = name.seq;
    if (state.ok()) chains[name.seq] = {name.file, snap->header.chain};
    if (!state.ok()) {
      if (is_foreign(state)) ++foreign;
      entry["error"] = std::string(state.message());
      // Named once: most snapshot errors start with the file's name.
      const absl::string_view message = state.message();
      problems.push_back(absl::StartsWith(message, name.file)
                             ? std::string(message)
                             : absl::StrCat(name.file, ": ", message));
    }
    snapshots.push_back(std::move(entry));
  }
  if (names.empty()) {
    // Every open starts from a snapshot: with none, nothing opens the store.
    problems.push_back(
        "no snapshot: every open needs one to start from, and the journal "
        "alone does not hold the state before its oldest segment");
  }
  out["snapshots"] = std::move(snapshots);

  // Walk the whole journal from its oldest segment, checking every record's
  // framing, chain and payload (without a state to apply it to).
  STATELOG_ASSIGN_OR_RETURN(std::vector<SegmentFile> segments,
                            ListSegments(env, dir));
  Json segment_list = Json::array();
  for (const SegmentFile& s : segments) segment_list.push_back(s.name);
  out["segments"] = std::move(segment_list);
  uint64_t records = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  if (!segments.empty()) {
    const std::string& oldest = segments.front().name;
    absl::StatusOr<std::string> data =
        ReadFileToString(env, JoinPath(dir, oldest));
    absl::StatusOr<SegmentHeader> header =
        data.ok() ? DecodeSegmentHeader(*data, oldest)
                  : absl::StatusOr<SegmentHeader>(data.status());
    if (CouldNotRead(header.status())) return header.status();
    if (!header.ok()) {
      journal_read_whole = false;
      problems.push_back(std::string(header.status().message()));
    } else {
      first_seq = header->first_seq;
      auto contradicts = [&](uint64_t seq, uint64_t chain) {
        auto it = chains.find(seq);
        if (it == chains.end() || it->second.second == chain) return;
        const std::string problem = absl::StrCat(
            it->second.first, ": its chain value (",
            ChecksumHex(it->second.second), ") is not the journal's at seq ",
            seq, " (", ChecksumHex(chain),
            "): the snapshot and the journal are not one history, and every "
            "open that starts from this snapshot fails");
        for (Json& entry : out["snapshots"]) {
          if (entry["file"] == it->second.first) {
            entry["ok"] = false;
            entry["error"] = problem;
          }
        }
        problems.push_back(problem);
      };
      contradicts(first_seq - 1, header->chain_in);
      absl::StatusOr<JournalReadResult> journal =
          ReadJournal(env, dir, identity->store_id, header->first_seq - 1,
                      header->chain_in, kMaxRecordPayloadBytes,
                      [&](const RecordHeader& h,
                          absl::string_view payload) -> absl::Status {
                        ++records;
                        last_seq = h.seq;
                        contradicts(h.seq, h.checksum);
                        return CheckRecordPayload(payload);
                      });
      if (CouldNotRead(journal.status())) return journal.status();
      // The read's own last sequence number counts the records it skips
      // (a type this build may ignore), which the callback never sees.
      if (journal.ok()) last_seq = journal->last_seq;
      journal_read_whole = journal.ok() && !journal->damage;
      if (!journal.ok()) {
        if (is_foreign(journal.status())) ++foreign;
        problems.push_back(std::string(journal.status().message()));
      } else if (journal->damage) {
        problems.push_back(absl::StrCat(journal->damage->durable_after
                                            ? "mid-log corruption: "
                                            : "torn tail: ",
                                        journal->damage->Describe()));
      }
    }
  }
  out["journal"] = {
      {"first_seq", first_seq}, {"last_seq", last_seq}, {"records", records}};
  // A journal that ends before the newest snapshot that verifies has lost
  // segments; checked only when the journal was read to its end (a problem
  // already named stops it early) and against snapshots that verify (a
  // stray file named like a newer one is a problem of its own).
  if (journal_read_whole && newest_verified.has_value() &&
      last_seq < *newest_verified) {
    problems.push_back(absl::StrCat("the journal ends at seq ", last_seq,
                                    ", before the newest snapshot (seq ",
                                    *newest_verified, ")"));
  }
  // A snapshot the journal no longer reaches (its oldest segment starts
  // after the snapshot's next record) cannot be started from: the records
  // after it are gone. Retention never leaves one behind, but deleted
  // segments, and point-in-time recovery of a journal that ended short
  // (it quarantines the segments before the snapshot it used), do. The
  // newest snapshot so is damage every open meets; an older one only
  // stops being a fallback (and `get --at` before the journal's start),
  // a warning.
  Json warnings = Json::array();
  if (first_seq > 0) {
    for (Json& entry : out["snapshots"]) {
      const uint64_t seq = entry.value("seq", uint64_t{0});
      if (!entry.value("ok", false) || seq + 1 >= first_seq) continue;
      const std::string why = absl::StrCat(
          entry.value("file", std::string()), ": the journal starts at seq ",
          first_seq, ", and the records between this snapshot (seq ", seq,
          ") and it are gone: no open can start from it");
      entry["unreachable"] = why;
      if (newest_verified.has_value() && seq == *newest_verified) {
        entry["ok"] = false;
        problems.push_back(why);
      } else {
        warnings.push_back(why);
      }
    }
  }
  out["warnings"] = std::move(warnings);
  if (foreign > 0 && foreign == names.size() + (segments.empty() ? 0 : 1)) {
    problems.push_back(absl::StrCat(
        "no snapshot or segment has the store id in STORE (",
        ToHex(identity->store_id),
        "): if they share another one, STORE is the damaged file (it has no "
        "checksum), not they"));
  }
  // Evidence, not damage: the notes recovery left in quarantine/
  // (recovery/quarantine.h), an interrupted recovery's among them.
  out["quarantine_notes"] = QuarantineNotes(env, dir);
  out["ok"] = problems.empty();
  out["problems"] = std::move(problems);
  return out;
}

}  // namespace

absl::StatusOr<Json> VerifyStore(const std::string& dir, Env* env) {
  if (env == nullptr) env = Env::Default();
  // verify takes no lock: a writer's retention or half-copied record may
  // look like damage (recovery/beside_writer.h).
  return ReadBesideWriter(
      env, dir, [&] { return VerifyStoreOnce(dir, env); },
      [](const absl::StatusOr<Json>& report) {
        if (!report.ok()) {
          return absl::IsNotFound(report.status());
        }
        return !report->value("ok", false);
      });
}

}  // namespace statelog::internal
