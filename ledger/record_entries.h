// Record entries: how the ledger's append requests travel through a log
// of record (storage/record_log.h) as pactlog.internal.RecordEntry
// messages, and how replicas agree on them. Internal to ledger/.
//
// Every function here is deterministic in its arguments, so every replica
// reads the same entry the same way. Thread-safe.
#ifndef PACTLOG_LEDGER_RECORD_ENTRIES_H_
#define PACTLOG_LEDGER_RECORD_ENTRIES_H_

#include <string>

#include "absl/status/status.h"
#include "pactlog/internal/record_entry.pb.h"
#include "pactlog/v1/ledger.pb.h"
#include "storage/record_log.h"

namespace pactlog::ledger {

// The de-duplication id (Nats-Msg-Id) of an entry named by its proposer:
// only the proposer's own republishing of it is folded.
std::string ProposerDedupId(const internal::RecordEntry& entry);

// The de-duplication id of a group of one request. A request whose
// events all carry the caller's event ids (`original`, as the caller sent
// it) is named by its content, so a caller's retry through any replica
// within the record's window is stored once; any other by its proposer.
std::string FirstDedupId(const pactlog::v1::AppendRequest& original,
                         const internal::RecordEntry& entry);

// Parses `raw` into `entry`. False when it is not a pactlog append: it
// does not parse, names another deal than it is filed under (a group,
// filed under storage::kGroupDealId, holds `requests` and no `request`),
// or a request of it does not pass domain::ValidateAppendRequest or has an
// event without an event id.
[[nodiscard]] bool ParsePactlogEntry(const storage::RecordEntry& raw,
                                     internal::RecordEntry* entry);

// Whether `status`, the outcome of applying an entry, is a verdict of the
// rules (the same on every replica) rather than a failure to reach one.
bool IsRuleOutcome(const absl::Status& status);

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_RECORD_ENTRIES_H_
