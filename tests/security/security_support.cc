#include "tests/security/security_support.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace pactlog::testing {

std::string Shell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run: " << command;
    return "";
  }
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  const int status = pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ADD_FAILURE() << "command failed (" << status << "): " << command;
  }
  return out;
}

std::string TokenHash(const std::string& token) {
  // Tokens in these tests are [A-Za-z0-9-], so they need no quoting.
  std::string out = Shell(absl::StrCat("printf %s '", token, "' | sha256sum"));
  return std::string(out.substr(0, out.find(' ')));
}

Pki::Pki(const std::string& dir) : dir_(dir) {
  ca_ = SelfSigned("ca", "/CN=pactlog test CA");
  other_ca_ = SelfSigned("other-ca", "/CN=another CA");
  server_ = Issue("server", "/CN=localhost",
                  "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                  "extendedKeyUsage=serverAuth\n",
                  ca_);
}

Pki::KeyPair Pki::SelfSigned(const std::string& name,
                             const std::string& subject) {
  KeyPair pair{absl::StrCat(dir_, "/", name, ".pem"),
               absl::StrCat(dir_, "/", name, ".key")};
  Shell(absl::StrCat(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
      "-nodes -days 2 -subj '",
      subject, "' -keyout ", pair.key, " -out ", pair.cert,
      " -addext basicConstraints=critical,CA:TRUE"
      " -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null"));
  return pair;
}

Pki::KeyPair Pki::Issue(const std::string& name, const std::string& subject,
                        const std::string& extensions, const KeyPair& issuer) {
  KeyPair pair{absl::StrCat(dir_, "/", name, ".pem"),
               absl::StrCat(dir_, "/", name, ".key")};
  const std::string csr = absl::StrCat(dir_, "/", name, ".csr");
  const std::string ext = absl::StrCat(dir_, "/", name, ".ext");
  WriteFile(ext, extensions);
  Shell(absl::StrCat(
      "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
      "-subj '",
      subject, "' -keyout ", pair.key, " -out ", csr, " 2>/dev/null"));
  Shell(absl::StrCat("openssl x509 -req -days 2 -in ", csr, " -CA ",
                     issuer.cert, " -CAkey ", issuer.key,
                     " -CAcreateserial -extfile ", ext, " -out ", pair.cert,
                     " 2>/dev/null"));
  return pair;
}

Pki::KeyPair Pki::Client(const std::string& common_name, bool untrusted) {
  return Issue(
      absl::StrCat("client-", common_name, untrusted ? "-untrusted" : ""),
      absl::StrCat("/CN=", common_name), "extendedKeyUsage=clientAuth\n",
      untrusted ? other_ca_ : ca_);
}

std::vector<TestPrincipal> StandardPrincipals() {
  absl::BitGen bits;
  auto token = [&](absl::string_view name) {
    return absl::StrFormat("%s-%016x", name, absl::Uniform<uint64_t>(bits));
  };
  std::vector<TestPrincipal> principals = {
      {"rita-recorder", "recorder", ""},    {"april-approver", "approver", ""},
      {"tess-treasury", "treasury", ""},    {"tom-trade", "trade", ""},
      {"rex-reader", "reader", ""},         {"ada-admin", "admin", ""},
      {"rob-both", "recorder,approver", ""}};
  for (TestPrincipal& p : principals) p.token = token(p.name);
  return principals;
}

std::string TokenFileText(const std::vector<TestPrincipal>& principals) {
  std::string text = "# sha256-hex-of-token principal roles\n\n";
  for (const TestPrincipal& p : principals) {
    absl::StrAppend(&text, TokenHash(p.token), " ", p.name, " ", p.roles, "\n");
  }
  return text;
}

std::vector<std::string> CapturedLog::Lines() {
  std::vector<std::string> lines =
      absl::StrSplit(buffer_.Text(), '\n', absl::SkipEmpty());
  return lines;
}

std::unique_ptr<SecureServer> SecureServer::Start(
    services::ServerOptions options, util::Clock* clock) {
  auto secure = std::unique_ptr<SecureServer>(new SecureServer());
  options.listen_address = "127.0.0.1:0";
  options.data_dir = secure->dir_.path();
  options.clock = clock;
  auto started = services::PactlogServer::Start(options);
  if (!started.ok()) {
    ADD_FAILURE() << "server did not start: " << started.status();
    return nullptr;
  }
  secure->server_ = std::move(*started);
  if (absl::Status recovered = secure->server_->Recover(); !recovered.ok()) {
    ADD_FAILURE() << "replay failed: " << recovered;
    return nullptr;
  }
  return secure;
}

SecureServer::~SecureServer() {
  if (server_ != nullptr) server_->Shutdown(absl::Seconds(5));
}

std::string SecureServer::address() const {
  return absl::StrCat("127.0.0.1:", server_->port());
}

std::shared_ptr<grpc::Channel> SecureServer::PlainChannel() const {
  return grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
}

std::shared_ptr<grpc::Channel> SecureServer::TlsChannel(
    const std::string& ca, const Pki::KeyPair* client) const {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(ca);
  if (client != nullptr) {
    ssl.pem_cert_chain = ReadFile(client->cert);
    ssl.pem_private_key = ReadFile(client->key);
  }
  // A fresh channel each time (no subchannel sharing), so a refused
  // handshake of one test cannot be reused by another.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address(), grpc::SslCredentials(ssl), args);
}

std::unique_ptr<grpc::ClientContext> AuthContext(
    const std::string& token, const std::string& request_id) {
  std::unique_ptr<grpc::ClientContext> context = Context();
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  if (!request_id.empty()) context->AddMetadata("x-request-id", request_id);
  return context;
}

}  // namespace pactlog::testing
