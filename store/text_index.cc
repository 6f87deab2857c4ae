// store/text_index.cc

#include "store/text_index.h"

#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

// The first 8 bytes of `key` as a big-endian number, zero-padded: keys
// whose prefixes differ compare as their prefixes do.
uint64_t KeyPrefix(absl::string_view key) {
  uint64_t prefix = 0;
  for (size_t i = 0; i < 8; ++i) {
    prefix <<= 8;
    if (i < key.size()) prefix |= static_cast<unsigned char>(key[i]);
  }
  return prefix;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const TextIndex>> TextIndex::Build(
    absl::string_view text, absl::string_view what,
    std::shared_ptr<const void> owner, MemberSpans spans) {
  auto built = std::make_shared<TextIndex>();
  built->owner = std::move(owner);
  built->text = text;
  built->name = std::string(what);
  TextMembers& index = built->members;
  index.reserve(spans.size());
  bool sorted = true;
  for (const MemberSpan& span : spans) {
    TextMember member;
    member.begin = span.key_begin;
    member.escaped = span.key_escaped;
    member.end = span.value_end;
    member.value_begin = span.value_begin;
    if (span.key_escaped) {
      STATELOG_ASSIGN_OR_RETURN(
          std::string key,
          UnquoteJsonString(
              text.substr(span.key_begin, span.key_end - span.key_begin),
              what));
      built->escaped_keys.emplace_back(span.key_begin, std::move(key));
    }
    // The previous key is looked up again, not kept: an escaped one may
    // have moved when escaped_keys grew.
    const absl::string_view key = built->Key(member);
    member.key_prefix = KeyPrefix(key);
    if (!index.empty() && !(built->Key(index.back()) < key)) sorted = false;
    index.push_back(member);
  }
  spans = MemberSpans();
  // DumpJson writes keys sorted and unique, so this is for text from
  // elsewhere. A repeated key keeps its last value, as in ParseJson.
  if (!sorted) {
    const TextIndex& keys = *built;
    std::stable_sort(index.begin(), index.end(),
                     [&keys](const TextMember& a, const TextMember& b) {
                       return keys.Key(a) < keys.Key(b);
                     });
    size_t kept = 0;
    for (size_t i = 0; i < index.size(); ++i) {
      if (i + 1 < index.size() &&
          keys.Key(index[i + 1]) == keys.Key(index[i])) {
        continue;
      }
      index[kept++] = index[i];
    }
    index.resize(kept);
  }
  return std::shared_ptr<const TextIndex>(std::move(built));
}

size_t TextIndex::Find(absl::string_view key) const {
  const uint64_t prefix = KeyPrefix(key);
  auto it = std::lower_bound(
      members.begin(), members.end(), key,
      [prefix, this](const TextMember& m, absl::string_view k) {
        if (m.key_prefix != prefix) return m.key_prefix < prefix;
        return Key(m) < k;
      });
  if (it == members.end() || it->key_prefix != prefix || Key(*it) != key) {
    return kNone;
  }
  return static_cast<size_t>(it - members.begin());
}

}  // namespace statelog::internal
