#include "domain/hash_chain.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace pactlog::domain {

const std::string& GenesisHash() {
  static const std::string* const genesis =
      new std::string(kChainHashBytes, '\0');
  return *genesis;
}

std::string DeterministicBytes(const google::protobuf::MessageLite& message) {
  std::string bytes;
  {
    // The streams give back their unused buffer when they go.
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

std::string Sha256(std::string_view first, std::string_view second) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context, EVP_sha256(), nullptr);
  EVP_DigestUpdate(context, first.data(), first.size());
  EVP_DigestUpdate(context, second.data(), second.size());
  EVP_DigestFinal_ex(context, digest, &length);
  EVP_MD_CTX_free(context);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string ChainHash(std::string_view previous,
                      const pactlog::v1::Event& event) {
  // Without the hash field, deterministically (map order and the like
  // fixed), so the verifier recomputes the same bytes.
  pactlog::v1::Event content = event;
  content.clear_hash();
  return Sha256(previous, DeterministicBytes(content));
}

std::string HashHex(std::string_view hash) {
  return absl::BytesToHexString(absl::string_view(hash.data(), hash.size()));
}

}  // namespace pactlog::domain
