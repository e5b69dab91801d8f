#include "storage/nats_status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace pactlog::storage::internal {
namespace {

// The library's text for a failed call: the thread's last error when it
// has one (it names the server's complaint), else the status' own text.
std::string LibraryText(natsStatus status) {
  natsStatus last = NATS_OK;
  const char* text = nats_GetLastError(&last);
  if (last == status && text != nullptr && *text != '\0') return text;
  return natsStatus_GetText(status);
}

absl::StatusCode CodeFor(natsStatus status, jsErrCode js_error) {
  switch (static_cast<int>(js_error)) {
    case JSStreamWrongLastSequenceErr:
      return absl::StatusCode::kAborted;
    case JSStreamNotFoundErr:
    case JSNoMessageFoundErr:
      return absl::StatusCode::kNotFound;
    case JSClusterNotAvailErr:
    case JSInsufficientResourcesErr:
      return absl::StatusCode::kUnavailable;
    default:
      break;
  }
  switch (status) {
    case NATS_NOT_FOUND:
      return absl::StatusCode::kNotFound;
    case NATS_TIMEOUT:
    case NATS_NO_RESPONDERS:
    case NATS_IO_ERROR:
    case NATS_NO_SERVER:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NOT_YET_CONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_DRAINING:
    case NATS_PROTOCOL_ERROR:
    case NATS_SLOW_CONSUMER:
    case NATS_MISSED_HEARTBEAT:
    case NATS_MISMATCH:
      return absl::StatusCode::kUnavailable;
    case NATS_MAX_PAYLOAD:
    case NATS_NO_MEMORY:
    case NATS_INSUFFICIENT_BUFFER:
      return absl::StatusCode::kResourceExhausted;
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
      return absl::StatusCode::kPermissionDenied;
    case NATS_SECURE_CONNECTION_WANTED:
    case NATS_SECURE_CONNECTION_REQUIRED:
    case NATS_SSL_ERROR:
    case NATS_NO_SERVER_SUPPORT:
    case NATS_ADDRESS_MISSING:
      return absl::StatusCode::kFailedPrecondition;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status FromNats(natsStatus status, jsErrCode js_error,
                      absl::string_view doing) {
  if (status == NATS_OK) return absl::OkStatus();
  return absl::Status(CodeFor(status, js_error),
                      absl::StrCat(doing, ": ", LibraryText(status)));
}

}  // namespace pactlog::storage::internal
