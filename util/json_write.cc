// util/json_write.cc
//
// The writing half of json_util.h: whether a value can be written so that
// it reads back as itself (ValidateValue, IsValidUtf8), and writing it as
// compact JSON (DumpJson, AppendValidatedJson, AppendJsonString). The
// reading half is json_util.cc.

#include <cmath>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "util/json_util.h"
#include "util/printable.h"
#include "util/status_macros.h"
#include "util/string_words.h"

namespace statelog::internal {
namespace {

// One container being walked by ValidateValue; `member` or `index` is the
// child being looked at.
struct Frame {
  const Json::object_t* object = nullptr;
  const Json::array_t* array = nullptr;
  Json::object_t::const_iterator member;
  size_t index = 0;

  bool done() const {
    return object != nullptr ? member == object->end() : index == array->size();
  }
  const Json& child() const {
    return object != nullptr ? member->second : (*array)[index];
  }
  void Advance() {
    if (object != nullptr) {
      ++member;
    } else {
      ++index;
    }
  }
};

// The walk's stack: the first levels inline, so that checking the usual
// small value (a transaction's, once per Apply) allocates nothing.
using Frames = absl::InlinedVector<Frame, 8>;

// " at /a/0" for the child of each of frames[0, count), "" for the root.
std::string Location(const Frames& frames, size_t count) {
  if (count == 0) return "";
  std::string pointer = " at ";
  for (size_t i = 0; i < count; ++i) {
    pointer += '/';
    if (frames[i].object == nullptr) {
      absl::StrAppend(&pointer, frames[i].index);
      continue;
    }
    for (char c : frames[i].member->first) {
      if (c == '~') {
        pointer += "~0";
      } else if (c == '/') {
        pointer += "~1";
      } else {
        pointer += c;
      }
    }
  }
  return PrintableExcerpt(pointer);
}

// The recursion of AppendValidatedJson; `depth` guards it against a value
// that was not validated after all.
absl::Status AppendValue(const Json& value, int depth, std::string* out) {
  if (depth > kMaxNestingDepth) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot serialize JSON: nested deeper than ", kMaxNestingDepth));
  }
  switch (value.type()) {
    case Json::value_t::null:
      out->append("null");
      return absl::OkStatus();
    case Json::value_t::boolean:
      out->append(value.get<bool>() ? "true" : "false");
      return absl::OkStatus();
    case Json::value_t::number_integer:
      absl::StrAppend(out, value.get<Json::number_integer_t>());
      return absl::OkStatus();
    case Json::value_t::number_unsigned:
      absl::StrAppend(out, value.get<Json::number_unsigned_t>());
      return absl::OkStatus();
    case Json::value_t::number_float: {
      const double x = value.get<double>();
      if (!std::isfinite(x)) {
        return absl::InvalidArgumentError(
            "cannot serialize JSON: a number is not finite");
      }
      // nlohmann's own shortest round-trip formatting, as dump() uses.
      char buffer[64];
      const char* end =
          nlohmann::detail::to_chars(buffer, buffer + sizeof(buffer), x);
      out->append(buffer, static_cast<size_t>(end - buffer));
      return absl::OkStatus();
    }
    case Json::value_t::string:
      AppendJsonString(*value.get_ptr<const Json::string_t*>(), out);
      return absl::OkStatus();
    case Json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const Json& element : *value.get_ptr<const Json::array_t*>()) {
        if (!first) out->push_back(',');
        first = false;
        STATELOG_RETURN_IF_ERROR(AppendValue(element, depth + 1, out));
      }
      out->push_back(']');
      return absl::OkStatus();
    }
    case Json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, member] :
           *value.get_ptr<const Json::object_t*>()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(key, out);
        out->push_back(':');
        STATELOG_RETURN_IF_ERROR(AppendValue(member, depth + 1, out));
      }
      out->push_back('}');
      return absl::OkStatus();
    }
    case Json::value_t::binary:
    case Json::value_t::discarded:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("cannot serialize JSON: a ", value.type_name(), " value"));
}

}  // namespace

absl::Status ValidateValue(const Json& value, int base_depth,
                           absl::string_view what) {
  const size_t base = base_depth < 0 ? 0 : static_cast<size_t>(base_depth);
  Frames frames;
  // Checks `v`, the child of every frame (or the root if there are none),
  // and starts walking it if it is a container. The depth counts the
  // containers enclosing `v`, and `v` itself if it is one: the same count
  // the parser limits, so whatever passes here can be read back.
  auto visit = [&](const Json& v) -> absl::Status {
    const bool container = v.is_object() || v.is_array();
    if (base + frames.size() + (container ? 1 : 0) >
        static_cast<size_t>(kMaxNestingDepth)) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": nesting deeper than ", kMaxNestingDepth, " levels",
          base > kMaxNestingDepth
              ? std::string(" (its pointer alone is deeper than that)")
          : base > 0 ? absl::StrCat(" (counting ", base, " levels above it)")
                     : ""));
    }
    const char* problem = nullptr;
    switch (v.type()) {
      case Json::value_t::object:
        frames.emplace_back();
        frames.back().object = v.get_ptr<const Json::object_t*>();
        frames.back().member = frames.back().object->begin();
        return absl::OkStatus();
      case Json::value_t::array:
        frames.emplace_back();
        frames.back().array = v.get_ptr<const Json::array_t*>();
        return absl::OkStatus();
      case Json::value_t::string:
        if (!IsValidUtf8(*v.get_ptr<const Json::string_t*>())) {
          problem = "string is not valid UTF-8";
        }
        break;
      case Json::value_t::number_float:
        if (!std::isfinite(*v.get_ptr<const Json::number_float_t*>())) {
          problem = "number is not finite";
        }
        break;
      case Json::value_t::binary:
        problem = "binary data is not JSON";
        break;
      case Json::value_t::discarded:
        problem = "discarded value is not JSON";
        break;
      default:
        break;
    }
    if (problem == nullptr) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(what, Location(frames, frames.size()), ": ", problem));
  };

  if (absl::Status s = visit(value); !s.ok()) return s;
  while (!frames.empty()) {
    Frame& top = frames.back();
    if (top.done()) {
      frames.pop_back();
      if (!frames.empty()) frames.back().Advance();
      continue;
    }
    if (top.object != nullptr && !IsValidUtf8(top.member->first)) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, Location(frames, frames.size() - 1), ": object key \"",
          Printable(top.member->first), "\" is not valid UTF-8"));
    }
    const Json& child = top.child();
    const size_t before = frames.size();
    if (absl::Status s = visit(child); !s.ok()) return s;
    // A container child is now on top and is advanced past when it is done.
    if (frames.size() == before) frames.back().Advance();
  }
  return absl::OkStatus();
}

bool IsValidUtf8(absl::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // Eight ASCII bytes at a time: most of the text of a state is ASCII.
    while (n - i >= 8 && NonAsciiBytes(LoadWord(p + i)) == 0) i += 8;
    if (i == n) break;
    const unsigned char lead = p[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t code_point;
    uint32_t smallest;  // anything below has a shorter (overlong) encoding
    if ((lead & 0xE0) == 0xC0) {
      length = 2, code_point = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code_point = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code_point = lead & 0x07, smallest = 0x10000;
    } else {
      return false;
    }
    if (n - i < length) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (p[i + k] & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

absl::StatusOr<std::string> DumpJson(const Json& value, int base_depth) {
  // nlohmann would write NaN as null and a too-deep value that ParseJson
  // rejects; either would put a record in the journal that does not read
  // back as what was written.
  if (absl::Status s = ValidateValue(value, base_depth, "value"); !s.ok()) {
    return s;
  }
  std::string text;
  STATELOG_RETURN_IF_ERROR(AppendValidatedJson(value, &text));
  return text;
}

absl::Status AppendValidatedJson(const Json& value, std::string* out) {
  try {
    return AppendValue(value, 0, out);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory serializing JSON");
  }
}

void AppendJsonString(absl::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t plain = 0;  // start of the run of bytes that need no escape
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size(); ++i) {
    // Eight bytes at a time while none needs an escape.
    while (text.size() - i >= 8 && EscapeBytes(LoadWord(bytes + i)) == 0)
      i += 8;
    if (i == text.size()) break;
    const unsigned char c = bytes[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(text.data() + plain, i - plain);
    plain = i + 1;
    out->push_back('\\');
    switch (c) {
      case '"':
      case '\\':
        out->push_back(static_cast<char>(c));
        break;
      case '\b':
        out->push_back('b');
        break;
      case '\f':
        out->push_back('f');
        break;
      case '\n':
        out->push_back('n');
        break;
      case '\r':
        out->push_back('r');
        break;
      case '\t':
        out->push_back('t');
        break;
      default:  // the other control characters, as nlohmann writes them
        out->append("u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xF]);
    }
  }
  out->append(text.data() + plain, text.size() - plain);
  out->push_back('"');
}

}  // namespace statelog::internal
