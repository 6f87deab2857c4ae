// tests/testing/fs_image.cc

#include "tests/testing/fs_image.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "util/checksum.h"

namespace statelog::testing {
namespace {

constexpr absl::string_view kCreatedAtKey = "\"created_at\":\"";
constexpr size_t kTimestampSize = 24;  // 2026-11-25T03:00:54.123Z

bool LooksLikeTimestamp(absl::string_view s) {
  if (s.size() != kTimestampSize || s.back() != 'Z') return false;
  for (char c : s.substr(0, kTimestampSize - 1)) {
    if (!((c >= '0' && c <= '9') || c == '-' || c == ':' || c == 'T' ||
          c == '.')) {
      return false;
    }
  }
  return true;
}

bool UnderQuarantine(const std::string& path) {
  return absl::StrContains(path, "/quarantine/") ||
         absl::EndsWith(path, "/quarantine");
}

// Mixes `value` into `*h` (order matters).
void Mix(uint64_t* h, uint64_t value) {
  *h = (*h ^ value) * 0x9E3779B97F4A7C15ull;
  *h ^= *h >> 29;
}

uint64_t Hash(absl::string_view s) { return internal::Checksum(s); }

}  // namespace

std::string ChildPath(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

std::pair<std::string, std::string> SplitPath(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return {".", path};
  if (slash == 0) return {"/", path.substr(1)};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

std::string BaseName(const std::string& path) { return SplitPath(path).second; }

uint64_t FsImage::Fingerprint() const {
  uint64_t h = 0x5157A7E106ull;
  for (const std::string& dir : dirs) {
    if (UnderQuarantine(dir)) continue;
    Mix(&h, Hash(dir));
  }
  for (const auto& [path, data] : files) {
    if (UnderQuarantine(path)) continue;
    Mix(&h, Hash(path));
    const std::string name = BaseName(path);
    if (absl::EndsWith(name, ".tmp") || name == "recovery-report.json") {
      continue;
    }
    if (absl::StartsWith(name, "snapshot-")) {
      // Only the first line (the header) holds created_at.
      size_t at = absl::string_view(data).find(kCreatedAtKey);
      size_t newline = data.find('\n');
      if (at != std::string::npos && at < newline) {
        at += kCreatedAtKey.size();
        absl::string_view stamp =
            absl::string_view(data).substr(at, kTimestampSize);
        if (LooksLikeTimestamp(stamp)) {
          Mix(&h, Hash(absl::string_view(data).substr(0, at)));
          Mix(&h, Hash(absl::string_view(data).substr(at + kTimestampSize)));
          continue;
        }
      }
    }
    Mix(&h, Hash(data));
    Mix(&h, data.size());
  }
  return h;
}

std::string FsImage::Listing() const {
  std::string out;
  for (const std::string& dir : dirs) {
    absl::StrAppend(&out, "  ", dir, dir == "/" ? "" : "/", "\n");
  }
  for (const auto& [path, data] : files) {
    absl::StrAppend(&out, "  ", path, " (", data.size(), " bytes)\n");
  }
  return out;
}

}  // namespace statelog::testing
