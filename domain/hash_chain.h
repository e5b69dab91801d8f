// The hash chain over the log: each event's hash covers its predecessor's
// hash and its own content, so altering, removing or reordering any stored
// event changes every hash from it on. An auditor who pinned one hash (a
// GetDeal response's chain_head) can later check that the record up to it
// is unchanged.
#ifndef PACTLOG_DOMAIN_HASH_CHAIN_H_
#define PACTLOG_DOMAIN_HASH_CHAIN_H_

#include <string>
#include <string_view>

#include "google/protobuf/message_lite.h"
#include "pactlog/v1/events.pb.h"

namespace pactlog::domain {

// Bytes of a hash (SHA-256).
inline constexpr size_t kChainHashBytes = 32;

// The hash before the first event: 32 zero bytes.
const std::string& GenesisHash();

// SHA-256 of `previous` followed by the deterministic serialization of
// `event` with its hash field cleared (the field itself is ignored, so a
// stored event can be checked against its own hash).
std::string ChainHash(std::string_view previous,
                      const pactlog::v1::Event& event);

// `message` serialized deterministically (map order and the like fixed), so
// that equal messages give equal bytes in every process of this build.
std::string DeterministicBytes(const google::protobuf::MessageLite& message);

// SHA-256 of `first` followed by `second`.
std::string Sha256(std::string_view first, std::string_view second = {});

// Lowercase hex of a hash, for messages and the CLI.
std::string HashHex(std::string_view hash);

}  // namespace pactlog::domain

#endif  // PACTLOG_DOMAIN_HASH_CHAIN_H_
