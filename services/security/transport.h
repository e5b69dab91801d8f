// Transport security of pactlogd's gRPC port: TLS, mutual TLS, and the
// secure-by-default rule for the listening address. Pure functions over
// options and files; thread-safe.
#ifndef PACTLOG_SERVICES_SECURITY_TRANSPORT_H_
#define PACTLOG_SERVICES_SECURITY_TRANSPORT_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pactlog::services::security {

struct TransportOptions {
  // PEM files. cert and key together turn TLS on; client_ca additionally
  // requires every client to present a certificate signed by it (mTLS).
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;

  bool tls() const { return !cert_file.empty(); }
  bool mutual_tls() const { return !client_ca_file.empty(); }
};

// Credentials for the listening port: insecure when TLS is off, else TLS
// with the certificate chain and key, and with client certificates
// required and verified against the CA when one is given. Errors:
// INVALID_ARGUMENT for an incomplete combination (key without cert, CA
// without cert); NOT_FOUND when a file cannot be read; INVALID_ARGUMENT
// when a file holds no PEM block.
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
ServerCredentialsFor(const TransportOptions& options);

// True when `listen_address` ("host:port", "[v6]:port", "unix:path") can
// only be reached from this machine: 127.0.0.0/8, ::1, "localhost" or a
// Unix socket. An empty host or a wildcard (0.0.0.0, [::]) is not.
bool IsLoopbackAddress(absl::string_view listen_address);

// The secure-by-default rule: a non-loopback address needs TLS and
// authentication, unless `insecure`. FAILED_PRECONDITION naming the
// missing parts and the --insecure flag otherwise.
[[nodiscard]] absl::Status CheckExposure(absl::string_view listen_address,
                                         bool tls, bool authentication,
                                         bool insecure);

}  // namespace pactlog::services::security

#endif  // PACTLOG_SERVICES_SECURITY_TRANSPORT_H_
