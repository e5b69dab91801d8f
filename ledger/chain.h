// Chain verification: reading and re-checking the hash chain over the
// events of an EventLog (domain/hash_chain.h).
//
// Internal to ledger/; Ledger::ChainHeadAt and Ledger::VerifyChain are the
// public entry points.
//
// Thread-safety: pure functions of their arguments and the log's contents;
// safe to call concurrently with the log's writer.
#ifndef PACTLOG_LEDGER_CHAIN_H_
#define PACTLOG_LEDGER_CHAIN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "storage/event_log.h"

namespace pactlog::ledger {

// How many events VerifyChainOf examines between polls of `cancelled`.
inline constexpr uint64_t kChainCancelPollEvents = 4096;

// The hash stored with the event at `sequence` of `log` (the genesis hash
// for 0). Errors: NOT_FOUND beyond the log, DATA_LOSS when the event does
// not decode or has no hash.
[[nodiscard]] absl::StatusOr<std::string> StoredChainHead(
    const storage::EventLog& log, uint64_t sequence);

// Re-checks the hash chain of `log` from the event after `after_sequence`
// through `head` (as Ledger::VerifyChain). `cancelled`, when not null, is
// called before the event after every kChainCancelPollEvents examined;
// when it returns true the verification stops with CANCELLED.
// Errors: OUT_OF_RANGE when after_sequence > head, CANCELLED, and the
// log's I/O errors (DATA_LOSS from a scan is a broken chain, not an error).
[[nodiscard]] absl::StatusOr<ChainVerification> VerifyChainOf(
    const storage::EventLog& log, uint64_t head, uint64_t after_sequence,
    std::string_view trusted_hash, const std::function<bool()>& cancelled);

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_CHAIN_H_
