#include "sdk/cpp/tests/test_certs.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pactlog/client/client.h"

namespace pactlog::testing {

absl::StatusOr<TestCerts> MakeTestCerts(const std::string& dir) {
  if (system("openssl version >/dev/null 2>&1") != 0) {
    return absl::FailedPreconditionError("the openssl tool is not installed");
  }
  TestCerts certs;
  certs.cert_path = dir + "/cert.pem";
  certs.key_path = dir + "/key.pem";
  std::string command = absl::StrCat(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
      "-nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '",
      certs.key_path, "' -out '", certs.cert_path, "' >/dev/null 2>&1");
  if (system(command.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("failed: ", command));
  }
  auto cert = client::ReadFileToString(certs.cert_path);
  if (!cert.ok()) return cert.status();
  auto key = client::ReadFileToString(certs.key_path);
  if (!key.ok()) return key.status();
  certs.cert_pem = *cert;
  certs.key_pem = *key;
  return certs;
}

absl::StatusOr<std::string> Sha256Hex(const std::string& text) {
  // The text goes through a file, not the command line.
  char path[] = "/tmp/pactlog-sha256-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return absl::InternalError("mkstemp failed");
  FILE* file = fdopen(fd, "w");
  fwrite(text.data(), 1, text.size(), file);
  fclose(file);
  std::string command = absl::StrCat("sha256sum < ", path);
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[128];
  while (pipe != nullptr && fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    out += buffer;
  }
  int status = pipe != nullptr ? pclose(pipe) : -1;
  unlink(path);
  if (status != 0 || out.size() < 64) {
    return absl::InternalError("sha256sum failed");
  }
  return absl::AsciiStrToLower(out.substr(0, 64));
}

}  // namespace pactlog::testing
