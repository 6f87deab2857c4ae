// snapshot/snapshot_file.cc

#include "snapshot/snapshot_file.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "io/atomic_file.h"
#include "io/errno_status.h"
#include "journal/format.h"
#include "util/checksum.h"
#include "util/file_names.h"
#include "util/hex.h"
#include "util/json_util.h"
#include "util/status_macros.h"
#include "util/time_format.h"

namespace statelog::internal {
namespace {

constexpr absl::string_view kPrefix = "{\"statelog_snapshot\":";
constexpr absl::string_view kStateKey = ",\n\"state\":";
constexpr absl::string_view kTrailer = "\n}\n";

constexpr char kHeaderChecksumKey[] = "header_xxh3";

// XXH3 of the compact dump of every other header member (keys in sorted
// order, as nlohmann dumps objects), so no header field can change
// unnoticed: not the chain value, not the schema version.
absl::StatusOr<uint64_t> HeaderChecksum(Json header) {
  header.erase(kHeaderChecksumKey);
  STATELOG_ASSIGN_OR_RETURN(std::string text, DumpJson(header));
  return Checksum(text);
}

Json HeaderFields(const SnapshotHeader& h) {
  return Json{{"format", kSnapshotFormatVersion},
              {"store_id", ToHex(h.store_id)},
              {"seq", h.seq},
              {"chain", ChecksumHex(h.chain)},
              {"schema_version", h.schema_version},
              {"state_bytes", h.state_bytes},
              {"state_xxh3", ChecksumHex(h.state_checksum)},
              {"created_at", h.created_at}};
}

absl::StatusOr<Json> HeaderToJson(const SnapshotHeader& h) {
  Json j = HeaderFields(h);
  STATELOG_ASSIGN_OR_RETURN(uint64_t sum, HeaderChecksum(j));
  j[kHeaderChecksumKey] = ChecksumHex(sum);
  return j;
}

absl::StatusOr<SnapshotHeader> HeaderFromJson(const Json& j,
                                              const std::string& file) {
  auto bad = [&](absl::string_view what) {
    return absl::DataLossError(absl::StrCat(file, ": snapshot header field ",
                                            what, " is missing or malformed"));
  };
  if (!j.is_object()) return bad("(header)");
  auto get_uint = [&](const char* key, uint64_t* out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned()) return false;
    *out = it->get<uint64_t>();
    return true;
  };
  auto get_string = [&](const char* key, std::string* out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return false;
    *out = it->get<std::string>();
    return true;
  };
  SnapshotHeader h;
  // The header's own checksum first: a format number changed by damage (a
  // bit flip makes 1 a 3) is damage, and an older snapshot serves. Only a
  // header that checks out and names another format is a newer statelog's.
  std::string header_sum_hex;
  uint64_t header_sum = 0;
  if (!get_string(kHeaderChecksumKey, &header_sum_hex) ||
      !ParseChecksumHex(header_sum_hex, &header_sum)) {
    return bad(kHeaderChecksumKey);
  }
  absl::StatusOr<uint64_t> actual = HeaderChecksum(j);
  if (!actual.ok() || *actual != header_sum) {
    return absl::DataLossError(
        absl::StrCat(file, ": snapshot header checksum mismatch"));
  }
  uint64_t format = 0;
  if (!get_uint("format", &format)) return bad("format");
  if (format != kSnapshotFormatVersion) {
    return NewerFormatError(absl::StrCat(file, ": snapshot format ", format,
                                         " is not supported (this build reads "
                                         "format ",
                                         kSnapshotFormatVersion, ")"));
  }
  std::string id_hex, chain_hex, sum_hex;
  if (!get_string("store_id", &id_hex)) return bad("store_id");
  std::optional<std::string> id = FromHex(id_hex);
  if (!id || id->size() != kStoreIdSize) return bad("store_id");
  h.store_id = *id;
  if (!get_uint("seq", &h.seq)) return bad("seq");
  if (!get_string("chain", &chain_hex) ||
      !ParseChecksumHex(chain_hex, &h.chain)) {
    return bad("chain");
  }
  auto sv = j.find("schema_version");
  if (sv == j.end() || !sv->is_number_integer()) return bad("schema_version");
  h.schema_version = sv->get<int64_t>();
  if (!get_uint("state_bytes", &h.state_bytes)) return bad("state_bytes");
  if (!get_string("state_xxh3", &sum_hex) ||
      !ParseChecksumHex(sum_hex, &h.state_checksum)) {
    return bad("state_xxh3");
  }
  if (!get_string("created_at", &h.created_at)) return bad("created_at");
  return h;
}

// Publishes a snapshot whose header already holds the state's size and
// checksum; `state` gives the state's bytes, which are checked against
// both as they are written.
absl::StatusOr<std::string> WriteSnapshotFile(Env* env, const std::string& dir,
                                              SnapshotHeader header,
                                              const ByteSource& state,
                                              bool* outcome_unknown,
                                              const PieceWritten* written) {
  header.created_at = FormatUtc(absl::Now());
  STATELOG_ASSIGN_OR_RETURN(Json header_fields, HeaderToJson(header));
  STATELOG_ASSIGN_OR_RETURN(std::string header_json, DumpJson(header_fields));
  const std::string name = SnapshotFileName(header.seq);
  STATELOG_RETURN_IF_ERROR(WriteFileAtomically(
      env, dir, name,
      [&](const ByteSink& sink) -> absl::Status {
        STATELOG_RETURN_IF_ERROR(sink(kPrefix));
        STATELOG_RETURN_IF_ERROR(sink(header_json));
        STATELOG_RETURN_IF_ERROR(sink(kStateKey));
        ChecksumStream sent;
        STATELOG_RETURN_IF_ERROR(state([&](absl::string_view piece) {
          sent.Update(piece);
          return sink(piece);
        }));
        if (sent.bytes() != header.state_bytes ||
            sent.Digest() != header.state_checksum) {
          return absl::InternalError(
              absl::StrCat(name, ": the state changed while it was written (",
                           sent.bytes(), " bytes, ", header.state_bytes,
                           " when it was checksummed); nothing was published"));
        }
        return sink(kTrailer);
      },
      outcome_unknown, written));
  return name;
}

}  // namespace

absl::StatusOr<std::string> WriteSnapshot(Env* env, const std::string& dir,
                                          SnapshotHeader header,
                                          absl::string_view state_json,
                                          bool* outcome_unknown) {
  return WriteSnapshot(
      env, dir, std::move(header),
      [state_json](const ByteSink& sink) { return sink(state_json); },
      outcome_unknown);
}

absl::StatusOr<std::string> WriteSnapshot(Env* env, const std::string& dir,
                                          SnapshotHeader header,
                                          const ByteSource& state,
                                          bool* outcome_unknown,
                                          const PieceWritten* written) {
  if (outcome_unknown != nullptr) *outcome_unknown = false;
  // The header comes first and holds the state's size and checksum: one
  // pass to learn them, and the state is produced again to be written.
  ChecksumStream sized;
  STATELOG_RETURN_IF_ERROR(state([&sized](absl::string_view piece) {
    sized.Update(piece);
    return absl::OkStatus();
  }));
  header.state_bytes = sized.bytes();
  header.state_checksum = sized.Digest();
  return WriteSnapshotFile(env, dir, std::move(header), state, outcome_unknown,
                           written);
}

namespace {

// A header line longer than this is damage (real ones are ~400 bytes).
constexpr uint64_t kMaxHeaderLineBytes = 64 << 10;

// The state's bytes [offset, offset + bytes) of `file` do not match the
// header's checksum.
absl::Status StateChecksumMismatch(const std::string& file, uint64_t offset,
                                   uint64_t bytes) {
  return absl::DataLossError(absl::StrCat(file,
                                          ": state checksum mismatch (bytes ",
                                          offset, "..", offset + bytes, ")"));
}

// Checks a snapshot's layout, header, name and store id: everything but the
// state's checksum. `head` is the start of the file (at least its header
// line), `size` its size and `tail` its last bytes. Returns the header and
// sets `*state_offset`.
absl::StatusOr<SnapshotHeader> CheckLayout(absl::string_view head,
                                           uint64_t size,
                                           absl::string_view tail,
                                           const std::string& file,
                                           absl::string_view store_id,
                                           uint64_t* state_offset) {
  absl::string_view rest = head;
  if (!absl::ConsumePrefix(&rest, kPrefix)) {
    return absl::DataLossError(absl::StrCat(
        file, ": not a statelog snapshot (bad prefix at offset 0)"));
  }
  size_t newline = rest.find('\n');
  if (newline == absl::string_view::npos || newline == 0 ||
      rest[newline - 1] != ',') {
    return absl::DataLossError(
        absl::StrCat(file, ": snapshot header line is truncated"));
  }
  absl::string_view header_text = rest.substr(0, newline - 1);
  absl::StatusOr<Json> header_json = ParseJson(header_text, file);
  if (!header_json.ok()) {
    return absl::DataLossError(absl::StrCat(
        file,
        ": snapshot header is not JSON: ", header_json.status().message()));
  }
  STATELOG_ASSIGN_OR_RETURN(SnapshotHeader header,
                            HeaderFromJson(*header_json, file));
  if (ParseSnapshotFileName(file) != header.seq) {
    return absl::DataLossError(absl::StrCat(
        file, ": header says seq ", header.seq, ", the name disagrees"));
  }
  if (header.store_id != store_id) {
    return absl::DataLossError(
        absl::StrCat(file, ": snapshot ", kOfAnotherStore));
  }
  rest.remove_prefix(newline - 1);
  *state_offset = kPrefix.size() + newline - 1 + kStateKey.size();
  if (!absl::ConsumePrefix(&rest, kStateKey) || header.state_bytes > size ||
      size != *state_offset + header.state_bytes + kTrailer.size() ||
      !absl::EndsWith(tail, kTrailer)) {
    return absl::DataLossError(absl::StrCat(
        file, ": snapshot is ", size, " bytes, header promises a state of ",
        header.state_bytes, " bytes at offset ", *state_offset));
  }
  return header;
}

}  // namespace

absl::StatusOr<VerifiedSnapshot> ReadSnapshot(Env* env, const std::string& dir,
                                              const std::string& file,
                                              absl::string_view store_id) {
  STATELOG_ASSIGN_OR_RETURN(std::unique_ptr<FileContents> contents,
                            env->ReadWhole(JoinPath(dir, file)));
  const absl::string_view data = contents->data();
  uint64_t state_offset = 0;
  STATELOG_ASSIGN_OR_RETURN(
      SnapshotHeader header,
      CheckLayout(data, data.size(), data, file, store_id, &state_offset));
  absl::string_view state = data.substr(state_offset, header.state_bytes);
  if (Checksum(state) != header.state_checksum) {
    return StateChecksumMismatch(file, state_offset, state.size());
  }
  VerifiedSnapshot out;
  out.header = std::move(header);
  out.state_json = state;
  out.contents = std::move(contents);
  return out;
}

namespace {

// Opens `dir/file` and checks what its first and last bytes show; sets
// `*state_offset`.
absl::StatusOr<SnapshotHeader> OpenAndCheckLayout(Env* env,
                                                  const std::string& dir,
                                                  const std::string& file,
                                                  absl::string_view store_id,
                                                  std::unique_ptr<File>* f,
                                                  uint64_t* state_offset) {
  STATELOG_ASSIGN_OR_RETURN(
      *f, env->OpenFile(JoinPath(dir, file), Env::OpenMode::kRead));
  STATELOG_ASSIGN_OR_RETURN(uint64_t size, (*f)->Size());
  std::string head, tail;
  STATELOG_RETURN_IF_ERROR(
      (*f)->Read(0, std::min(size, kMaxHeaderLineBytes), &head));
  if (size >= kTrailer.size()) {
    STATELOG_RETURN_IF_ERROR(
        (*f)->Read(size - kTrailer.size(), kTrailer.size(), &tail));
  }
  return CheckLayout(head, size, tail, file, store_id, state_offset);
}

}  // namespace

absl::StatusOr<SnapshotHeader> ReadSnapshotHeader(Env* env,
                                                  const std::string& dir,
                                                  const std::string& file,
                                                  absl::string_view store_id) {
  std::unique_ptr<File> f;
  uint64_t state_offset = 0;
  return OpenAndCheckLayout(env, dir, file, store_id, &f, &state_offset);
}

absl::StatusOr<SnapshotHeader> VerifySnapshot(Env* env, const std::string& dir,
                                              const std::string& file,
                                              absl::string_view store_id) {
  std::unique_ptr<File> f;
  uint64_t state_offset = 0;
  STATELOG_ASSIGN_OR_RETURN(
      SnapshotHeader header,
      OpenAndCheckLayout(env, dir, file, store_id, &f, &state_offset));
  ChecksumStream read;
  STATELOG_RETURN_IF_ERROR(
      ReadRange(f.get(), state_offset, state_offset + header.state_bytes, file,
                "the state", [&read](absl::string_view piece) {
                  read.Update(piece);
                  return absl::OkStatus();
                }));
  if (read.Digest() != header.state_checksum) {
    return StateChecksumMismatch(file, state_offset, header.state_bytes);
  }
  return header;
}

absl::StatusOr<std::vector<SnapshotName>> ListSnapshots(
    Env* env, const std::string& dir) {
  STATELOG_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
  std::vector<SnapshotName> out;
  for (std::string& name : names) {
    if (std::optional<uint64_t> seq = ParseSnapshotFileName(name)) {
      out.push_back(SnapshotName{std::move(name), *seq});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const SnapshotName& a, const SnapshotName& b) {
              return a.seq > b.seq;
            });
  return out;
}

}  // namespace statelog::internal
