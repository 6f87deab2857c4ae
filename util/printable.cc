// util/printable.cc

#include "util/printable.h"

#include "absl/strings/str_cat.h"
#include "util/json_util.h"

namespace statelog::internal {

std::string Printable(absl::string_view bytes) {
  if (IsValidUtf8(bytes)) return std::string(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  size_t i = 0;
  while (i < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    const size_t length = lead < 0x80             ? 1
                          : (lead & 0xE0) == 0xC0 ? 2
                          : (lead & 0xF0) == 0xE0 ? 3
                          : (lead & 0xF8) == 0xF0 ? 4
                                                  : 0;
    if (length > 0 && i + length <= bytes.size() &&
        IsValidUtf8(bytes.substr(i, length))) {
      out.append(bytes.data() + i, length);
      i += length;
    } else {
      out += "\\x";
      out += kHex[lead >> 4];
      out += kHex[lead & 0xF];
      ++i;
    }
  }
  return out;
}

std::string PrintableExcerpt(absl::string_view bytes) {
  if (bytes.size() <= kExcerptBytes) return Printable(bytes);
  return absl::StrCat(Printable(bytes.substr(0, kExcerptBytes)), "... (",
                      bytes.size(), " bytes)");
}

}  // namespace statelog::internal
