// io/env.cc
//
// Env's default methods: what any Env can do with its own primitives.

#include "statelog/env.h"

#include <memory>
#include <string>

#include "util/status_macros.h"

namespace statelog {
namespace {

class StringContents final : public FileContents {
 public:
  explicit StringContents(std::string bytes) : bytes_(std::move(bytes)) {}
  absl::string_view data() const override { return bytes_; }
  bool private_copy() const override { return true; }

 private:
  const std::string bytes_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<FileContents>> Env::ReadWhole(
    const std::string& path) {
  STATELOG_ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                            OpenFile(path, OpenMode::kRead));
  STATELOG_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::string bytes;
  STATELOG_RETURN_IF_ERROR(file->Read(0, size, &bytes));
  return std::unique_ptr<FileContents>(new StringContents(std::move(bytes)));
}

bool Env::MayBeLocked(const std::string& path) {
  (void)path;
  return true;
}

}  // namespace statelog
