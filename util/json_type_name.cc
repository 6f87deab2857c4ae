// util/json_type_name.cc

#include "util/json_type_name.h"

namespace statelog::internal {

const char* JsonTypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number";
    case Json::value_t::null:
      return "null";
    case Json::value_t::binary:
      return "binary data";
    case Json::value_t::discarded:
      return "a discarded value";
  }
  return "an unknown value";
}

}  // namespace statelog::internal
