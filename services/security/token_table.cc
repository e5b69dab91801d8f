#include "services/security/token_table.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "domain/limits.h"

namespace pactlog::services::security {
namespace {

constexpr absl::string_view kCertPrefix = "cert:CN=";

bool ParseHexDigest(absl::string_view hex, Sha256Digest* out) {
  if (hex.size() != 2 * out->size()) return false;
  for (size_t i = 0; i < out->size(); ++i) {
    int value = 0;
    for (char c : hex.substr(2 * i, 2)) {
      int nibble;
      if (c >= '0' && c <= '9') {
        nibble = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        nibble = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        nibble = c - 'A' + 10;
      } else {
        return false;
      }
      value = value * 16 + nibble;
    }
    (*out)[i] = static_cast<uint8_t>(value);
  }
  return true;
}

}  // namespace

Sha256Digest Sha256(absl::string_view data) {
  Sha256Digest digest;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest.data());
  return digest;
}

absl::StatusOr<TokenTable> TokenTable::Parse(absl::string_view text,
                                             absl::string_view source) {
  TokenTable table;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    auto error = [&](absl::string_view problem) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", line_number, ": ", problem));
    };
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 3) {
      return error(absl::StrCat(
          "expected 3 fields \"<sha256-hex> <principal> <roles>\" or "
          "\"cert:CN=<name> <principal> <roles>\", got ",
          fields.size()));
    }
    Identity identity;
    identity.principal = std::string(fields[1]);
    if (identity.principal.size() > domain::kMaxActorBytes) {
      return error(absl::StrCat("principal is longer than ",
                                domain::kMaxActorBytes, " bytes"));
    }
    for (absl::string_view name :
         absl::StrSplit(fields[2], ',', absl::SkipEmpty())) {
      absl::StatusOr<Role> role = ParseRole(name);
      if (!role.ok()) return error(role.status().message());
      identity.roles.Add(*role);
    }
    if (identity.roles.empty()) return error("no role given");

    if (absl::StartsWith(fields[0], kCertPrefix)) {
      absl::string_view common_name = fields[0].substr(kCertPrefix.size());
      if (common_name.empty()) return error("empty certificate common name");
      if (!table.certificates_.emplace(common_name, std::move(identity))
               .second) {
        return error(
            absl::StrCat("certificate CN=", common_name, " is listed twice"));
      }
      continue;
    }
    TokenEntry entry;
    if (!ParseHexDigest(fields[0], &entry.digest)) {
      return error(
          "first field must be 64 hex digits (the SHA-256 of the token: "
          "printf %s TOKEN | sha256sum) or cert:CN=<name>");
    }
    for (const TokenEntry& other : table.tokens_) {
      if (other.digest == entry.digest) {
        return error(absl::StrCat("this token hash is already given to \"",
                                  other.identity.principal, "\""));
      }
    }
    entry.identity = std::move(identity);
    table.tokens_.push_back(std::move(entry));
  }
  if (table.tokens_.empty() && table.certificates_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": no token or certificate entry"));
  }
  return table;
}

absl::StatusOr<TokenTable> TokenTable::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    const std::string message =
        absl::StrCat("cannot read token file ", path, ": ", strerror(error));
    return error == EACCES ? absl::PermissionDeniedError(message)
                           : absl::NotFoundError(message);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

const Identity* TokenTable::FindToken(absl::string_view token) const {
  const Sha256Digest digest = Sha256(token);
  const Identity* found = nullptr;
  // No early exit: every entry is compared, each in constant time.
  for (const TokenEntry& entry : tokens_) {
    if (CRYPTO_memcmp(entry.digest.data(), digest.data(), digest.size()) == 0) {
      found = &entry.identity;
    }
  }
  return found;
}

const Identity* TokenTable::FindCertificate(
    absl::string_view common_name) const {
  auto it = certificates_.find(common_name);
  return it == certificates_.end() ? nullptr : &it->second;
}

}  // namespace pactlog::services::security
