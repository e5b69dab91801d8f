// Conversion of NATS C client statuses (and JetStream API error codes) into
// absl::Status. This is the one place in pactlog where that happens; the
// header is internal to storage/ and its tests.
#ifndef PACTLOG_STORAGE_NATS_STATUS_H_
#define PACTLOG_STORAGE_NATS_STATUS_H_

#include <nats/nats.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pactlog::storage::internal {

// Returns OK for NATS_OK. Otherwise an error whose message is
// "<doing>: <the library's text>" (the calling thread's last NATS error
// when it has one, else the status' own text), where `doing` says what was
// being done (e.g. "reading the state of stream PACTLOG"), and whose code
// is, the JetStream error code deciding first when there is one:
//   JSStreamWrongLastSequenceErr            -> ABORTED (a conditional
//                                              publish lost to another)
//   JSStreamNotFoundErr, JSNoMessageFoundErr,
//   NATS_NOT_FOUND                          -> NOT_FOUND
//   JSClusterNotAvailErr, JSInsufficientResourcesErr,
//   NATS_TIMEOUT, NATS_NO_RESPONDERS, NATS_IO_ERROR, NATS_NO_SERVER,
//   NATS_CONNECTION_CLOSED, NATS_CONNECTION_DISCONNECTED,
//   NATS_NOT_YET_CONNECTED, NATS_STALE_CONNECTION, NATS_DRAINING,
//   NATS_PROTOCOL_ERROR, NATS_SLOW_CONSUMER, NATS_MISSED_HEARTBEAT,
//   NATS_MISMATCH                           -> UNAVAILABLE (may be retried)
//   NATS_MAX_PAYLOAD, NATS_NO_MEMORY,
//   NATS_INSUFFICIENT_BUFFER                -> RESOURCE_EXHAUSTED
//   NATS_CONNECTION_AUTH_FAILED,
//   NATS_NOT_PERMITTED                      -> PERMISSION_DENIED
//   NATS_SECURE_CONNECTION_WANTED, NATS_SECURE_CONNECTION_REQUIRED,
//   NATS_SSL_ERROR, NATS_NO_SERVER_SUPPORT,
//   NATS_ADDRESS_MISSING                    -> FAILED_PRECONDITION (the
//                                              configuration must change)
//   anything else (NATS_ERR with another
//   JetStream code, NATS_INVALID_ARG, ...)  -> INTERNAL
[[nodiscard]] absl::Status FromNats(natsStatus status, jsErrCode js_error,
                                    absl::string_view doing);
[[nodiscard]] inline absl::Status FromNats(natsStatus status,
                                           absl::string_view doing) {
  return FromNats(status, static_cast<jsErrCode>(0), doing);
}

}  // namespace pactlog::storage::internal

#endif  // PACTLOG_STORAGE_NATS_STATUS_H_
