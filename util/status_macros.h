// Small helpers for absl::Status propagation. Debian's Abseil (20220623)
// ships no status macros of its own.
#ifndef PACTLOG_UTIL_STATUS_MACROS_H_
#define PACTLOG_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PACTLOG_CONCAT_INNER_(a, b) a##b
#define PACTLOG_CONCAT_(a, b) PACTLOG_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` yields a non-OK status.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status pactlog_status_ = (expr);           \
    if (!pactlog_status_.ok()) return pactlog_status_; \
  } while (0)

// ASSIGN_OR_RETURN(auto x, F()) declares x from an absl::StatusOr, or
// returns its status.
#define ASSIGN_OR_RETURN(lhs, expr)                               \
  auto PACTLOG_CONCAT_(pactlog_statusor_, __LINE__) = (expr);     \
  if (!PACTLOG_CONCAT_(pactlog_statusor_, __LINE__).ok())         \
    return PACTLOG_CONCAT_(pactlog_statusor_, __LINE__).status(); \
  lhs = std::move(*PACTLOG_CONCAT_(pactlog_statusor_, __LINE__))

#endif  // PACTLOG_UTIL_STATUS_MACROS_H_
