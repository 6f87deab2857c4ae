// store/text_index.h
//
// Where the top-level members of a state's JSON text are: TextState's
// index, built once per text (a snapshot's) and never changed after, so
// that states share it without a lock (store/text_state.h). Internal to
// statelog.

#ifndef STATELOG_STORE_TEXT_INDEX_H_
#define STATELOG_STORE_TEXT_INDEX_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "util/huge_pages.h"
#include "util/json_scan.h"

namespace statelog::internal {

// A top-level member as it stands in the source text: 32 bytes, one per
// member of a snapshot that may have millions. The key is not stored: it
// is found from the offsets (TextIndex::Key).
struct TextMember {
  // The key's first 8 bytes, big-endian, zero-padded: most comparisons of
  // a lookup end here, without reading the key from the text (a cache miss
  // each, in a text of megabytes).
  uint64_t key_prefix = 0;
  uint64_t begin : 63;   // `"key":value` is text[begin, end)
  uint64_t escaped : 1;  // the key is spelled with escapes
  uint64_t end = 0;
  uint64_t value_begin = 0;
};
static_assert(sizeof(TextMember) == 32, "TextMember grew");

// 3.2 MB for 100,000 members (util/huge_pages.h says why its own
// allocator).
using TextMembers = std::vector<TextMember, HugePageAllocator<TextMember>>;

// The source text and where its members are. Built once by FromText and
// never changed after, so states share it (TextState::Source) without a
// lock: each keeps its own record of which members it has parsed.
struct TextIndex {
  // Keeps `text` alive when the state owns it (FromContents): the file's
  // contents or a copy of them. Null for FromText, whose caller keeps it.
  std::shared_ptr<const void> owner;
  absl::string_view text;
  std::string name;  // FromContents' `what`
  // Not a map: one sorted array, a few bytes per member and no allocation
  // each, where a map node per member took three times the memory and
  // most of the time to open a 100,000-member state.
  TextMembers members;  // sorted by key, keys unique
  // The unescaped keys of members whose keys hold escapes, by the member's
  // begin, in text order.
  std::vector<std::pair<uint64_t, std::string>> escaped_keys;

  // Indexes the top-level members of `text` (an object, checked by
  // CheckJson, whose `spans` these are). `owner` (may be null) keeps
  // `text` alive; `what` names it in errors (an escaped key that does
  // not unquote) and in name.
  static absl::StatusOr<std::shared_ptr<const TextIndex>> Build(
      absl::string_view text, absl::string_view what,
      std::shared_ptr<const void> owner, MemberSpans spans);

  // The position in `members` of the member `key`, or kNone.
  static constexpr size_t kNone = static_cast<size_t>(-1);
  size_t Find(absl::string_view key) const;

  // The member's key, unescaped. Without escapes it is the text between
  // the opening quote at `begin` and the closing one, which is the first
  // quote before the colon that ends before value_begin (only white space
  // comes between them).
  absl::string_view Key(const TextMember& member) const {
    if (member.escaped) {
      auto it = std::lower_bound(
          escaped_keys.begin(), escaped_keys.end(), member.begin,
          [](const std::pair<uint64_t, std::string>& e, uint64_t begin) {
            return e.first < begin;
          });
      return it->second;
    }
    size_t close = member.value_begin - 1;
    while (text[close] != ':') --close;
    while (text[--close] != '"') {
    }
    return text.substr(member.begin + 1, close - member.begin - 1);
  }
};

}  // namespace statelog::internal

#endif  // STATELOG_STORE_TEXT_INDEX_H_
