// The settings rules of sdk/BEHAVIOUR.md: an option that is given wins,
// then the environment, then the default. Internal to the client library;
// the environment is injected so that tests need not change the process's.
#ifndef PACTLOG_SDK_CPP_SRC_SETTINGS_H_
#define PACTLOG_SDK_CPP_SRC_SETTINGS_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "pactlog/client/client.h"

namespace pactlog::client::internal {

inline constexpr char kDefaultAddress[] = "127.0.0.1:50051";

// Where settings come from besides the options.
struct Environment {
  // The value of a variable; empty when unset (or set empty).
  std::function<std::string(const char* name)> variable;
  // The login name of the process's user; empty when unknown.
  std::function<std::string()> login_name;
  // The machine's host name; empty when unknown.
  std::function<std::string()> host_name;
  // Reads files (PACTLOG_TLS_CA); errors as ReadFileToString.
  std::function<absl::StatusOr<std::string>(const std::string& path)> read_file;

  // This process's environment.
  static Environment Process();
};

// "<user>@<host>": $USER, else the login name, else "unknown"; the host
// name, else "unknown".
std::string DefaultActor(const Environment& environment);

// `options` with its empty address, bearer token, TLS and actor filled in
// from `environment` (unless options.use_environment is false) and the
// defaults. Errors: those of reading PACTLOG_TLS_CA's file, with the
// variable named.
[[nodiscard]] absl::StatusOr<ClientOptions> ResolveOptions(
    ClientOptions options, const Environment& environment);

}  // namespace pactlog::client::internal

#endif  // PACTLOG_SDK_CPP_SRC_SETTINGS_H_
