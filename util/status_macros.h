// util/status_macros.h
//
// Early-return helpers for absl::Status, which this Abseil version lacks.
// Internal to statelog.

#ifndef STATELOG_UTIL_STATUS_MACROS_H_
#define STATELOG_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define STATELOG_CONCAT_INNER_(a, b) a##b
#define STATELOG_CONCAT_(a, b) STATELOG_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function if it is not OK.
#define STATELOG_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    ::absl::Status statelog_status_ = (expr);            \
    if (!statelog_status_.ok()) return statelog_status_; \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status,
// otherwise moves the value into `lhs` (which may be a declaration).
#define STATELOG_ASSIGN_OR_RETURN(lhs, rexpr) \
  STATELOG_ASSIGN_OR_RETURN_IMPL_(            \
      STATELOG_CONCAT_(statelog_statusor_, __LINE__), lhs, rexpr)

#define STATELOG_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();    \
  lhs = std::move(statusor).value()

#endif  // STATELOG_UTIL_STATUS_MACROS_H_
