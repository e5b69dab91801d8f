#include "services/security/transport.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace pactlog::services::security {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", what, " ", path, ": ", strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (!absl::StrContains(text.str(), "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, " holds no PEM block"));
  }
  return text.str();
}

// The host part of "host:port", "[v6]:port" or "dns:///host:port".
absl::string_view HostOf(absl::string_view address) {
  for (absl::string_view scheme : {"dns:///", "ipv4:", "ipv6:"}) {
    if (absl::StartsWith(address, scheme)) address.remove_prefix(scheme.size());
  }
  if (absl::StartsWith(address, "[")) {
    const size_t close = address.find(']');
    return close == absl::string_view::npos ? address
                                            : address.substr(1, close - 1);
  }
  const size_t colon = address.rfind(':');
  return colon == absl::string_view::npos ? address : address.substr(0, colon);
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const TransportOptions& options) {
  if (!options.tls()) {
    if (!options.key_file.empty() || options.mutual_tls()) {
      return absl::InvalidArgumentError(
          "--tls-key and --tls-client-ca need --tls-cert");
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert needs --tls-key");
  }
  grpc::SslServerCredentialsOptions ssl(
      options.mutual_tls()
          ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
          : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  absl::StatusOr<std::string> cert =
      ReadPem(options.cert_file, "TLS certificate (--tls-cert)");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key =
      ReadPem(options.key_file, "TLS key (--tls-key)");
  if (!key.ok()) return key.status();
  pair.cert_chain = std::move(*cert);
  pair.private_key = std::move(*key);
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (options.mutual_tls()) {
    absl::StatusOr<std::string> ca =
        ReadPem(options.client_ca_file, "client CA (--tls-client-ca)");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = std::move(*ca);
  }
  return grpc::SslServerCredentials(ssl);
}

bool IsLoopbackAddress(absl::string_view listen_address) {
  if (absl::StartsWith(listen_address, "unix:") ||
      absl::StartsWith(listen_address, "unix-abstract:")) {
    return true;
  }
  const std::string host(HostOf(listen_address));
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

absl::Status CheckExposure(absl::string_view listen_address, bool tls,
                           bool authentication, bool insecure) {
  if (insecure || (tls && authentication) ||
      IsLoopbackAddress(listen_address)) {
    return absl::OkStatus();
  }
  std::vector<absl::string_view> missing;
  if (!tls) missing.push_back("TLS (--tls-cert and --tls-key)");
  if (!authentication) missing.push_back("authentication (--token-file)");
  return absl::FailedPreconditionError(absl::StrCat(
      "refusing to listen on ", listen_address,
      ", which is not a loopback address, without ",
      absl::StrJoin(missing, " and "),
      "; configure them, or pass --insecure to serve it unprotected anyway"));
}

}  // namespace pactlog::services::security
