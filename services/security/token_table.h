// TokenTable: who may call pactlogd, read from the token file.
//
// The file holds one entry per line; blank lines and lines starting with
// '#' are ignored; fields are separated by spaces or tabs:
//
//   <sha256-hex-of-token> <principal> <role>[,<role>...]
//   cert:CN=<common-name> <principal> <role>[,<role>...]
//
// A token line admits a client that sends "authorization: Bearer <token>"
// where SHA-256(token) is the 64 hex digits given (make one with
// `printf %s TOKEN | sha256sum`). Only hashes are stored, so the file does
// not reveal the tokens. A cert line admits a client whose verified TLS
// client certificate has that subject common name (mTLS). The principal
// (1..128 bytes, no spaces) is what the log records as the actor; roles
// are those of roles.h.
//
// Immutable after Parse/Load; thread-safe.
#ifndef PACTLOG_SERVICES_SECURITY_TOKEN_TABLE_H_
#define PACTLOG_SERVICES_SECURITY_TOKEN_TABLE_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/security/roles.h"

namespace pactlog::services::security {

// An authenticated caller.
struct Identity {
  std::string principal;
  RoleSet roles;
};

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(absl::string_view data);

class TokenTable {
 public:
  // Parses the text of a token file. INVALID_ARGUMENT naming `source` and
  // the line number on any malformed line, unknown role, repeated hash or
  // common name, or when the file has no entry at all.
  [[nodiscard]] static absl::StatusOr<TokenTable> Parse(
      absl::string_view text, absl::string_view source);
  // Reads and parses the file at `path`; NOT_FOUND / PERMISSION_DENIED when
  // it cannot be read.
  [[nodiscard]] static absl::StatusOr<TokenTable> Load(const std::string& path);

  // The identity whose hash is SHA-256(token), or nullptr. Compares the
  // digest with every entry in constant time, so the time taken does not
  // depend on how much of a hash matched.
  const Identity* FindToken(absl::string_view token) const;

  // The identity of a client certificate with this common name, or
  // nullptr.
  const Identity* FindCertificate(absl::string_view common_name) const;

  int tokens() const { return static_cast<int>(tokens_.size()); }
  int certificates() const { return static_cast<int>(certificates_.size()); }

 private:
  struct TokenEntry {
    Sha256Digest digest;
    Identity identity;
  };
  std::vector<TokenEntry> tokens_;
  std::map<std::string, Identity, std::less<>> certificates_;
};

}  // namespace pactlog::services::security

#endif  // PACTLOG_SERVICES_SECURITY_TOKEN_TABLE_H_
