// A self-signed certificate for "localhost" / 127.0.0.1 made with the
// openssl command-line tool, for TLS tests. It serves as the server's
// certificate, the client's certificate and the root that trusts both.
#ifndef PACTLOG_SDK_CPP_TESTS_TEST_CERTS_H_
#define PACTLOG_SDK_CPP_TESTS_TEST_CERTS_H_

#include <string>

#include "absl/status/statusor.h"

namespace pactlog::testing {

struct TestCerts {
  std::string cert_path, key_path;  // PEM files
  std::string cert_pem, key_pem;    // their contents
};

// Writes cert.pem and key.pem into `dir`. FAILED_PRECONDITION when the
// openssl tool is not installed (callers skip), INTERNAL when it fails.
[[nodiscard]] absl::StatusOr<TestCerts> MakeTestCerts(const std::string& dir);

// The SHA-256 of `text` in lower-case hex (pactlogd's token file holds the
// digests of tokens), computed by the sha256sum tool.
[[nodiscard]] absl::StatusOr<std::string> Sha256Hex(const std::string& text);

}  // namespace pactlog::testing

#endif  // PACTLOG_SDK_CPP_TESTS_TEST_CERTS_H_
