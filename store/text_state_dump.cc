// store/text_state_dump.cc
//
// TextState's output: the source text's members verbatim, merged in key
// order with the parsed and changed ones, dumped.

#include <string>

#include "store/text_state.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {

absl::Status TextState::AppendMemberValue(const Json& value, std::string* out) {
  STATELOG_RETURN_IF_ERROR(ValidateValue(value, /*base_depth=*/1, "value"));
  return AppendValidatedJson(value, out);
}

void TextState::StartMember(const std::string& key, bool* first,
                            std::string* out) {
  out->assign(*first ? "" : ",");
  *first = false;
  AppendJsonString(key, out);  // a key the text or a checked record gave
  *out += ':';
}

absl::StatusOr<std::string> TextState::Dump() const {
  if (whole_ && put_texts_.empty()) return DumpJson(tree_);
  std::string out;
  out.reserve(text_bytes_ + text_bytes_ / 8 + 2);
  STATELOG_RETURN_IF_ERROR(DumpTo([&out](absl::string_view piece) {
    out.append(piece.data(), piece.size());
    return absl::OkStatus();
  }));
  return out;
}

absl::Status TextState::DumpTo(const ByteSink& sink) const {
  if (whole_ && !put_texts_.empty()) return DumpPutTexts(sink);
  if (whole_) {
    STATELOG_ASSIGN_OR_RETURN(std::string dumped, DumpJson(tree_));
    return sink(dumped);
  }
  bool first = true;
  std::string dumped;  // one parsed or changed member at a time
  auto start_member = [&](const std::string& key) {
    StartMember(key, &first, &dumped);
  };
  // The three sequences are sorted by key and share none; merged, the
  // members come out in DumpJson's order. This writes the parsed and the
  // changed members below `key` (all of them for null).
  auto next_parsed = parsed_.begin();
  auto next_changed = changed_text_.begin();
  auto dump_below = [&](const absl::string_view* key) -> absl::Status {
    while (true) {
      const bool parsed_due = next_parsed != parsed_.end() &&
                              (key == nullptr || next_parsed->first < *key);
      const bool changed_due = next_changed != changed_text_.end() &&
                               (key == nullptr || next_changed->first < *key);
      if (parsed_due &&
          (!changed_due || next_parsed->first < next_changed->first)) {
        start_member(next_parsed->first);
        STATELOG_RETURN_IF_ERROR(
            AppendMemberValue(next_parsed->second, &dumped));
        ++next_parsed;
      } else if (changed_due) {
        start_member(next_changed->first);
        dumped += next_changed->second;
        ++next_changed;
      } else {
        return absl::OkStatus();
      }
      STATELOG_RETURN_IF_ERROR(sink(dumped));
    }
  };
  STATELOG_RETURN_IF_ERROR(sink("{"));
  const TextMembers& members = index_->members;
  for (size_t i = 0; i < members.size(); ++i) {
    if (parsed_flags_[i]) continue;
    const TextMember& member = members[i];
    const absl::string_view key = index_->Key(member);
    STATELOG_RETURN_IF_ERROR(dump_below(&key));
    if (!first) STATELOG_RETURN_IF_ERROR(sink(","));
    first = false;
    STATELOG_RETURN_IF_ERROR(
        sink(index_->text.substr(member.begin, member.end - member.begin)));
  }
  STATELOG_RETURN_IF_ERROR(dump_below(nullptr));
  return sink("}");
}

}  // namespace statelog::internal
