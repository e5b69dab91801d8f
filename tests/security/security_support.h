// Shared by the security tests: a throw-away PKI made with the openssl
// command line at test time, token files hashed the way the README tells
// operators to, and an in-process pactlogd with TLS / authentication.
#ifndef PACTLOG_TESTS_SECURITY_SECURITY_SUPPORT_H_
#define PACTLOG_TESTS_SECURITY_SECURITY_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/security/json_log.h"
#include "services/server.h"
#include "tests/service/test_support.h"

namespace pactlog::testing {

// Runs `command` with /bin/sh and returns what it printed on stdout.
// Fails the test (ADD_FAILURE) when it exits non-zero.
std::string Shell(const std::string& command);

// The token's line hash as the README says to make it:
// `printf %s TOKEN | sha256sum`.
std::string TokenHash(const std::string& token);

// Certificates made with `openssl` in a directory: a CA, a server
// certificate for localhost / 127.0.0.1 signed by it, and client
// certificates on demand.
class Pki {
 public:
  explicit Pki(const std::string& dir);

  struct KeyPair {
    std::string cert;  // path of the PEM certificate
    std::string key;   // path of the PEM private key
  };

  const std::string& ca() const { return ca_.cert; }
  const KeyPair& server() const { return server_; }
  // A client certificate with subject CN=`common_name`, signed by this CA,
  // or by a CA the server does not trust when `untrusted`.
  KeyPair Client(const std::string& common_name, bool untrusted = false);

 private:
  KeyPair Issue(const std::string& name, const std::string& subject,
                const std::string& extensions, const KeyPair& issuer);
  KeyPair SelfSigned(const std::string& name, const std::string& subject);

  std::string dir_;
  KeyPair ca_;
  KeyPair other_ca_;
  KeyPair server_;
};

// Principals of the token file the auth tests use: one per role, plus one
// with two roles. Tokens are random per test run.
struct TestPrincipal {
  std::string name;
  std::string roles;  // as in the token file
  std::string token;
};
std::vector<TestPrincipal> StandardPrincipals();
// The token file text for `principals`, with a comment line.
std::string TokenFileText(const std::vector<TestPrincipal>& principals);

// A JsonLog that keeps its lines for the test to read. Thread-safe.
class CapturedLog {
 public:
  CapturedLog() : stream_(&buffer_), log_(&stream_) {}
  services::security::JsonLog* log() { return &log_; }
  // Every line written so far.
  std::vector<std::string> Lines();

 private:
  // A stream buffer with no put area: every write lands under the lock.
  class LockedBuffer final : public std::streambuf {
   public:
    std::string Text() {
      absl::MutexLock lock(&mu_);
      return text_;
    }

   protected:
    std::streamsize xsputn(const char* s, std::streamsize n) override {
      absl::MutexLock lock(&mu_);
      text_.append(s, static_cast<size_t>(n));
      return n;
    }
    int_type overflow(int_type c) override {
      if (c != traits_type::eof()) {
        absl::MutexLock lock(&mu_);
        text_.push_back(static_cast<char>(c));
      }
      return traits_type::not_eof(c);
    }

   private:
    absl::Mutex mu_;
    std::string text_ ABSL_GUARDED_BY(mu_);
  };

  LockedBuffer buffer_;
  std::ostream stream_;
  services::security::JsonLog log_;
};

// A started, replayed in-process server with the given options, listening
// on 127.0.0.1:0 over a fresh directory (whatever `options` says of
// those). Fails the test and returns nullptr on error.
class SecureServer {
 public:
  [[nodiscard]] static std::unique_ptr<SecureServer> Start(
      services::ServerOptions options, util::Clock* clock);
  ~SecureServer();

  services::PactlogServer& server() { return *server_; }
  std::string address() const;
  // A channel over plaintext.
  std::shared_ptr<grpc::Channel> PlainChannel() const;
  // A TLS channel trusting `ca`, presenting `client` when given.
  std::shared_ptr<grpc::Channel> TlsChannel(
      const std::string& ca, const Pki::KeyPair* client = nullptr) const;

 private:
  TempDir dir_;
  std::unique_ptr<services::PactlogServer> server_;
};

// A context with a 30 s deadline and, when not empty, the bearer token
// and request id.
std::unique_ptr<grpc::ClientContext> AuthContext(
    const std::string& token, const std::string& request_id = "");

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_SECURITY_SECURITY_SUPPORT_H_
