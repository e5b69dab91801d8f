#include "src/settings.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pactlog::client::internal {

namespace {

std::string ProcessVariable(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string ProcessLoginName() {
  // The password database's name of the effective user; getlogin() needs
  // a controlling terminal, which services and CI jobs lack.
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::string buffer(size > 0 ? static_cast<size_t>(size) : 16384, '\0');
  passwd entry;
  passwd* found = nullptr;
  if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) ==
          0 &&
      found != nullptr && found->pw_name != nullptr) {
    return found->pw_name;
  }
  return {};
}

std::string ProcessHostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return {};
  return name;
}

}  // namespace

Environment Environment::Process() {
  Environment environment;
  environment.variable = ProcessVariable;
  environment.login_name = ProcessLoginName;
  environment.host_name = ProcessHostName;
  environment.read_file = ReadFileToString;
  return environment;
}

std::string DefaultActor(const Environment& environment) {
  std::string user = environment.variable("USER");
  if (user.empty()) user = environment.login_name();
  if (user.empty()) user = "unknown";
  std::string host = environment.host_name();
  if (host.empty()) host = "unknown";
  return absl::StrCat(user, "@", host);
}

absl::StatusOr<ClientOptions> ResolveOptions(ClientOptions options,
                                             const Environment& environment) {
  const bool read = options.use_environment;
  auto from_environment = [&](const char* name) {
    return read ? environment.variable(name) : std::string();
  };
  if (options.address.empty()) {
    options.address = from_environment("PACTLOG_ADDRESS");
    if (options.address.empty()) options.address = kDefaultAddress;
  }
  if (options.bearer_token.empty()) {
    options.bearer_token = from_environment("PACTLOG_TOKEN");
  }
  if (!options.tls.has_value()) {
    std::string ca_path = from_environment("PACTLOG_TLS_CA");
    if (!ca_path.empty()) {
      absl::StatusOr<std::string> roots = environment.read_file(ca_path);
      if (!roots.ok()) {
        return absl::Status(
            roots.status().code(),
            absl::StrCat("PACTLOG_TLS_CA: ", roots.status().message()));
      }
      TlsOptions tls;
      tls.root_certs_pem = *std::move(roots);
      options.tls = std::move(tls);
    }
  }
  if (options.actor.empty()) {
    options.actor = from_environment("PACTLOG_ACTOR");
    if (options.actor.empty()) {
      // The user and host are facts, not settings: read even when the
      // environment's settings are not.
      options.actor = DefaultActor(environment);
    }
  }
  return options;
}

}  // namespace pactlog::client::internal
