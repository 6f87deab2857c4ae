// tests/testing/fs_image.h
//
// FsImage: a directory tree held in memory. It is the unit the crash tests
// trade in: what a simulated power cut leaves behind, and what the next
// Store::Open starts from (CrashEnv is constructed from one).

#ifndef STATELOG_TESTS_TESTING_FS_IMAGE_H_
#define STATELOG_TESTS_TESTING_FS_IMAGE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace statelog::testing {

struct FsImage {
  // Absolute paths of directories; "/" is always present.
  std::set<std::string> dirs{"/"};
  // Absolute path of each regular file -> its bytes.
  std::map<std::string, std::string> files;

  // A hash of what recovery can observe, for skipping crash states already
  // checked. It leaves out what recovery never reads: the contents of
  // `*.tmp` files (removed unread), of recovery-report.json (only written)
  // and everything under quarantine/ (evidence, never read back), and the
  // `created_at` timestamp of snapshots (parsed as a string, never used).
  uint64_t Fingerprint() const;

  // One line per directory and file with its size, for failure messages.
  std::string Listing() const;
};

// "/" + "a" -> "/a"; "/a" + "b" -> "/a/b".
std::string ChildPath(const std::string& dir, const std::string& name);
// "/a/b" -> {"/a", "b"}; "/a" -> {"/", "a"}.
std::pair<std::string, std::string> SplitPath(const std::string& path);
// The last path component.
std::string BaseName(const std::string& path);

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_FS_IMAGE_H_
