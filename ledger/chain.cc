#include "ledger/chain.h"

#include "absl/strings/str_cat.h"
#include "domain/hash_chain.h"
#include "util/status_macros.h"

namespace pactlog::ledger {

namespace v1 = ::pactlog::v1;

absl::StatusOr<std::string> StoredChainHead(const storage::EventLog& log,
                                            uint64_t sequence) {
  if (sequence == 0) return domain::GenesisHash();
  ASSIGN_OR_RETURN(const v1::Event event, log.Get(sequence));
  if (event.hash().size() != domain::kChainHashBytes) {
    return absl::DataLossError(absl::StrCat(
        "event at sequence ", sequence, " has no hash (", event.hash().size(),
        " bytes); the hash chain is broken there"));
  }
  return event.hash();
}

absl::StatusOr<ChainVerification> VerifyChainOf(
    const storage::EventLog& log, uint64_t head, uint64_t after_sequence,
    std::string_view trusted_hash, const std::function<bool()>& cancelled) {
  if (after_sequence > head) {
    return absl::OutOfRangeError(
        absl::StrCat("after_sequence ", after_sequence,
                     " is beyond the last sequence of the log, ", head));
  }
  ChainVerification result;
  std::string previous;
  if (after_sequence == 0) {
    previous = domain::GenesisHash();
  } else {
    // The stored hash as it is: a missing one breaks the chain below.
    ASSIGN_OR_RETURN(const v1::Event start, log.Get(after_sequence));
    previous = start.hash();
  }
  if (!trusted_hash.empty() && trusted_hash != previous) {
    result.first_broken_sequence = after_sequence;
    result.problem =
        absl::StrCat("the hash at sequence ", after_sequence, " is ",
                     domain::HashHex(previous), ", not the trusted ",
                     domain::HashHex(trusted_hash));
    return result;
  }
  result.verified_through = after_sequence;
  result.head_hash = previous;
  uint64_t examined = 0;
  bool stopped = false;
  absl::Status scanned = log.Scan(after_sequence, [&](const v1::Event& event) {
    if (event.sequence() > head) return false;
    if (cancelled && examined > 0 && examined % kChainCancelPollEvents == 0 &&
        cancelled()) {
      stopped = true;
      return false;
    }
    ++examined;
    const std::string expected = domain::ChainHash(previous, event);
    if (event.hash() != expected) {
      result.first_broken_sequence = event.sequence();
      result.problem =
          absl::StrCat("event at sequence ", event.sequence(), " has hash ",
                       domain::HashHex(event.hash()),
                       " but its content and the previous hash give ",
                       domain::HashHex(expected));
      return false;
    }
    previous = expected;
    result.verified_through = event.sequence();
    result.head_hash = expected;
    return true;
  });
  if (stopped) {
    return absl::CancelledError(absl::StrCat(
        "chain verification cancelled at sequence ", result.verified_through));
  }
  if (!scanned.ok()) {
    if (scanned.code() != absl::StatusCode::kDataLoss) return scanned;
    // An event that does not decode breaks the chain too.
    result.first_broken_sequence = result.verified_through + 1;
    result.problem = std::string(scanned.message());
  }
  return result;
}

}  // namespace pactlog::ledger
