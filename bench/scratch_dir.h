// bench/scratch_dir.h
//
// A fresh directory for one benchmark, created under a base directory (the
// current one by default, so that disk benchmarks hit the real disk and not
// a tmpfs) and removed with everything in it when the object dies.
// Header-only, shared by the micro-benchmarks and the comparison program.

#ifndef STATELOG_BENCH_SCRATCH_DIR_H_
#define STATELOG_BENCH_SCRATCH_DIR_H_

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace statelog::bench {

class ScratchDir {
 public:
  // Creates `<base>/<prefix>XXXXXX`. Exits the program if that fails: a
  // benchmark without its directory has nothing to measure.
  explicit ScratchDir(const std::string& base = ".",
                      const std::string& prefix = "statelog-bench-") {
    std::string pattern = base + "/" + prefix + "XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
      std::perror(("mkdtemp " + pattern).c_str());
      std::exit(2);
    }
    path_ =
        std::filesystem::weakly_canonical(std::filesystem::absolute(buf.data()))
            .string();
  }
  ~ScratchDir() {
    if (keep_) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // `<path>/<name>`.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }
  // Leaves the directory in place when the object dies.
  void Keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

}  // namespace statelog::bench

#endif  // STATELOG_BENCH_SCRATCH_DIR_H_
