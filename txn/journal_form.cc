// txn/journal_form.cc
//
// The journal form of a transaction: {"ops":[{"from":..,"op":..,"path":..,
// "value":..},...]}, members in the order ToJson's std::map keeps them.

#include "txn/journal_form.h"

#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "txn/op_kind.h"
#include "txn/pointer_tokens.h"
#include "util/canonical_json.h"
#include "util/json_scan.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

// The journal form's opening, and what comes between an operation's other
// members and its value: the reader takes the same bytes.
constexpr absl::string_view kOpsOpen = "{\"ops\":[";
constexpr absl::string_view kValueKey = ",\"value\":";

// Reads the journal form left to right; every method is false (and the
// decoding gives up) at the first byte that is not what EncodeJournalForm
// writes there.
class FormReader {
 public:
  explicit FormReader(absl::string_view text)
      : p_(text.data()), end_(text.data() + text.size()) {}

  bool at_end() const { return p_ == end_; }
  // The text not read yet.
  absl::string_view rest() const {
    return absl::string_view(p_, static_cast<size_t>(end_ - p_));
  }

  // Takes `literal` if the text goes on with it.
  bool Take(absl::string_view literal) {
    if (static_cast<size_t>(end_ - p_) < literal.size() ||
        std::memcmp(p_, literal.data(), literal.size()) != 0) {
      return false;
    }
    p_ += literal.size();
    return true;
  }

  bool String(std::string* out) {
    p_ = ParseJsonStringFast(p_, end_, out);
    return p_ != nullptr;
  }

  bool Value(int max_depth, Json* out) {
    p_ = ParseJsonValueFast(p_, end_, max_depth, out);
    return p_ != nullptr;
  }

  // An operation's name up to its closing quote (names hold no escapes).
  std::optional<OpKind> Kind() {
    const char* const name = p_;
    while (p_ != end_ && *p_ != '"') ++p_;
    if (p_ == end_) return std::nullopt;
    const absl::string_view text(name, static_cast<size_t>(p_ - name));
    ++p_;
    return KindNamed(text);
  }

 private:
  const char* p_;
  const char* end_;
};

// One operation object, validated as Transaction::Validate would.
bool ReadOperation(FormReader& in, Transaction* txn) {
  if (!in.Take("{")) return false;
  std::string from;
  const bool has_from = in.Take("\"from\":");
  if (has_from) {
    if (!in.String(&from) || !in.Take(",\"op\":\"")) return false;
  } else if (!in.Take("\"op\":\"")) {
    return false;
  }
  const std::optional<OpKind> kind = in.Kind();
  if (!kind.has_value() || has_from != HasFrom(*kind)) return false;
  if (has_from && !PointerDepth(from).has_value()) return false;
  std::string path;
  size_t depth = 0;
  if (HasPath(*kind)) {
    if (!in.Take(",\"path\":") || !in.String(&path)) return false;
    const std::optional<size_t> tokens = PointerDepth(path);
    if (!tokens.has_value()) return false;
    depth = *tokens;
  }
  Json value;
  if (HasValue(*kind)) {
    // What the reader accepts is valid UTF-8 with finite numbers, so of
    // ValidateValue's checks only the depth is left, and the reader's
    // limit is that same count.
    const int room = kMaxNestingDepth - ValueBaseDepth(depth);
    if (room < 0 || !in.Take(kValueKey) || !in.Value(room, &value)) {
      return false;
    }
  }
  if (!in.Take("}")) return false;
  txn->Append(
      Operation{*kind, std::move(path), std::move(from), std::move(value)});
  return true;
}

// Appends an operation object's opening brace and its members before the
// value, in the order ToJson's std::map keeps them: from (if the kind has
// one), op, path (if it has one).
void AppendOperationHead(OpKind kind, absl::string_view path,
                         absl::string_view from, std::string* out) {
  *out += '{';
  if (HasFrom(kind)) {
    *out += "\"from\":";
    AppendJsonString(from, out);
    *out += ',';
  }
  *out += "\"op\":\"";
  *out += OpKindName(kind);
  *out += '"';
  if (HasPath(kind)) {
    *out += ",\"path\":";
    AppendJsonString(path, out);
  }
}

absl::Status CheckRecordSize(const std::string& payload,
                             uint64_t max_record_bytes) {
  if (payload.size() <= max_record_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "transaction encodes to ", payload.size(),
      " bytes, over the maximum record size of ", max_record_bytes));
}

}  // namespace

absl::StatusOr<std::string> EncodeRecordPayload(const Transaction& txn,
                                                uint64_t max_record_bytes,
                                                size_t* value_at) {
  if (txn.empty()) {
    return absl::InvalidArgumentError("transaction has no operations");
  }
  STATELOG_RETURN_IF_ERROR(txn.Validate());
  STATELOG_ASSIGN_OR_RETURN(std::string payload,
                            EncodeJournalForm(txn, value_at));
  STATELOG_RETURN_IF_ERROR(CheckRecordSize(payload, max_record_bytes));
  return payload;
}

absl::StatusOr<bool> EncodeMemberSetText(absl::string_view pointer,
                                         absl::string_view value_text,
                                         uint64_t max_record_bytes,
                                         std::string* payload,
                                         size_t* value_at) {
  if (PointerDepth(pointer) != std::optional<size_t>(1) ||
      !IsCanonicalJson(value_text, kMaxNestingDepth - ValueBaseDepth(1))) {
    return false;
  }
  // EncodeJournalForm's bytes for one `set`, its value's as they are.
  std::string out(kOpsOpen);
  out.reserve(64 + pointer.size() + value_text.size());
  AppendOperationHead(OpKind::kSet, pointer, {}, &out);
  out.append(kValueKey.data(), kValueKey.size());
  if (value_at != nullptr) *value_at = out.size();
  out.append(value_text.data(), value_text.size());
  out.append(kValueTail.data(), kValueTail.size());
  STATELOG_RETURN_IF_ERROR(CheckRecordSize(out, max_record_bytes));
  *payload = std::move(out);
  return true;
}

absl::StatusOr<std::string> EncodeJournalForm(const Transaction& txn,
                                              size_t* value_at) {
  // Members in the order ToJson's std::map keeps them: from, op, path, value.
  std::string out(kOpsOpen);
  size_t only_value_at = std::string::npos;
  bool first = true;
  for (const Operation& op : txn.ops()) {
    if (!first) out += ',';
    first = false;
    AppendOperationHead(op.kind, op.path, op.from, &out);
    if (HasValue(op.kind)) {
      out.append(kValueKey.data(), kValueKey.size());
      only_value_at = out.size();
      STATELOG_RETURN_IF_ERROR(AppendValidatedJson(op.value, &out));
    }
    out += '}';
  }
  out += "]}";
  if (value_at != nullptr) {
    *value_at = txn.ops().size() == 1 ? only_value_at : std::string::npos;
  }
  return out;
}

bool DecodeJournalFormFast(absl::string_view payload, Transaction* txn) {
  FormReader in(payload);
  if (!in.Take(kOpsOpen)) return false;
  Transaction decoded;
  do {
    if (!ReadOperation(in, &decoded)) return false;
  } while (in.Take(","));
  if (!in.Take("]}") || !in.at_end()) return false;
  *txn = std::move(decoded);
  return true;
}

bool PeekMemberPut(absl::string_view payload, MemberPutText* put) {
  if (payload.size() < kValueTail.size() ||
      payload.substr(payload.size() - kValueTail.size()) != kValueTail) {
    return false;
  }
  FormReader in(payload.substr(0, payload.size() - kValueTail.size()));
  put->path.clear();  // the reader appends
  if (!in.Take("{\"ops\":[{\"op\":\"")) return false;
  const std::optional<OpKind> kind = in.Kind();
  if (kind != OpKind::kSet && kind != OpKind::kAdd) return false;
  if (!in.Take(",\"path\":") || !in.String(&put->path) ||
      PointerDepth(put->path) != std::optional<size_t>(1) ||
      !in.Take(",\"value\":")) {
    return false;
  }
  const absl::string_view value = in.rest();
  // ScanJson allows whitespace around the value; the reader does not.
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  };
  if (value.empty() || space(value.front()) || space(value.back())) {
    return false;
  }
  const int room = kMaxNestingDepth - ValueBaseDepth(1);
  if (!ScanJson(value, room, nullptr)) return false;
  put->value_text = value;
  return true;
}

}  // namespace statelog::internal
