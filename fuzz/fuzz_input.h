// fuzz/fuzz_input.h
//
// How the fuzz targets read their input bytes. The journal and recovery
// targets read a whole store directory from one input:
//
//   <options bytes>
//   --file <name>\n<contents>
//   --file <name>\n<contents>
//
// Each file's contents run to the next "\n--file " or the end of the input,
// so mutations that insert or delete bytes keep the other files intact and
// the file names themselves (temp files, odd sequence numbers) are fuzzed
// too. The model target reads a stream of small choices (ByteReader).

#ifndef STATELOG_FUZZ_FUZZ_INPUT_H_
#define STATELOG_FUZZ_FUZZ_INPUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace statelog::fuzz {

struct NamedFile {
  std::string name;  // a plain name: no '/', not "." or ".."
  std::string data;
};

struct DirInput {
  std::string options;           // bytes before the first file
  std::vector<NamedFile> files;  // in input order; a later duplicate wins
};

// Splits `input` as above. Files whose name is empty, longer than 128
// bytes, "." or "..", or holds '/' or a NUL are dropped.
DirInput ParseDirInput(absl::string_view input);
// The inverse of ParseDirInput for inputs whose contents do not hold
// "\n--file " (the corpus generator's seeds).
std::string FormatDirInput(const DirInput& dir);

// Reads small choices from the input; past its end every read is 0, so
// any prefix of an input is an input too.
class ByteReader {
 public:
  explicit ByteReader(absl::string_view data) : data_(data) {}

  bool empty() const { return pos_ >= data_.size(); }
  uint8_t Byte() {
    return pos_ < data_.size() ? static_cast<uint8_t>(data_[pos_++]) : 0;
  }
  // In [0, n); REQUIRES: 0 < n <= 65536.
  uint32_t Below(uint32_t n) {
    uint32_t v = Byte();
    if (n > 256) v = (v << 8) | Byte();
    return v % n;
  }

 private:
  absl::string_view data_;
  size_t pos_ = 0;
};

}  // namespace statelog::fuzz

#endif  // STATELOG_FUZZ_FUZZ_INPUT_H_
