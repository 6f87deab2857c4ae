// fuzz/fuzz_input.cc

#include "fuzz/fuzz_input.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace statelog::fuzz {
namespace {

constexpr absl::string_view kMarker = "--file ";
constexpr absl::string_view kNewlineMarker = "\n--file ";

bool UsableName(absl::string_view name) {
  return !name.empty() && name.size() <= 128 && name != "." && name != ".." &&
         name.find('/') == absl::string_view::npos &&
         name.find('\0') == absl::string_view::npos;
}

void AddFile(absl::string_view chunk, DirInput* dir) {
  size_t newline = chunk.find('\n');
  absl::string_view name = chunk.substr(0, newline);
  absl::string_view data = newline == absl::string_view::npos
                               ? absl::string_view()
                               : chunk.substr(newline + 1);
  if (!UsableName(name)) return;
  for (NamedFile& file : dir->files) {
    if (file.name == name) {
      file.data = std::string(data);
      return;
    }
  }
  dir->files.push_back(NamedFile{std::string(name), std::string(data)});
}

}  // namespace

DirInput ParseDirInput(absl::string_view input) {
  DirInput dir;
  // `start` is where the current chunk's name begins; npos while reading
  // the options.
  size_t start = absl::string_view::npos;
  size_t pos = 0;
  if (absl::StartsWith(input, kMarker)) {
    start = kMarker.size();
  } else {
    pos = input.find(kNewlineMarker);
    dir.options = std::string(input.substr(0, pos));
    if (pos == absl::string_view::npos) return dir;
    start = pos + kNewlineMarker.size();
  }
  while (true) {
    pos = input.find(kNewlineMarker, start);
    AddFile(input.substr(start, pos == absl::string_view::npos
                                    ? absl::string_view::npos
                                    : pos - start),
            &dir);
    if (pos == absl::string_view::npos) return dir;
    start = pos + kNewlineMarker.size();
  }
}

std::string FormatDirInput(const DirInput& dir) {
  std::string out = dir.options;
  for (const NamedFile& file : dir.files) {
    absl::StrAppend(&out, out.empty() ? kMarker : kNewlineMarker, file.name,
                    "\n", file.data);
  }
  return out;
}

}  // namespace statelog::fuzz
