// util/json_type_name.h
//
// JSON types as error messages name them. Internal to statelog.

#ifndef STATELOG_UTIL_JSON_TYPE_NAME_H_
#define STATELOG_UTIL_JSON_TYPE_NAME_H_

#include "statelog/transaction.h"

namespace statelog::internal {

// The type of `value` as a noun phrase: "an object", "an array", "a string",
// "a number", "a boolean", "null" (and "binary data", "a discarded value").
const char* JsonTypeName(const Json& value);

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_JSON_TYPE_NAME_H_
