// As-of folding: the state of one deal as it stood at a past point of the
// log (a sequence, a recorded time) or of the world (an effective time),
// folded from its events in an EventLog.
//
// Recorded times never decrease in log order, so a recorded-time bound is
// a sequence bound; a sequence bound folds from the latest snapshot before
// it (ledger/checkpoints.h), an effective-time bound from the deal's first
// event (it may skip events anywhere in the history). The answer never
// reflects an event beyond the live state. Internal to ledger/.
//
// Thread-safety: a pure function of its arguments and the log's contents;
// safe to call concurrently with the log's writer.
#ifndef PACTLOG_LEDGER_AS_OF_H_
#define PACTLOG_LEDGER_AS_OF_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "domain/deal_state.h"
#include "ledger/ledger.h"
#include "storage/event_log.h"

namespace pactlog::ledger {

// The state of `deal_id` folded from its events in `log` that satisfy
// every bound of `bounds` and have a sequence <= `applied`, where `live`
// is the deal's live state with `applied` the last sequence applied to it
// (nullptr: the deal does not exist, and neither does any past state).
// Returns `live` itself when no bound excludes any of its events, nullptr
// when no event qualifies. Errors: DATA_LOSS and I/O errors of the log.
[[nodiscard]] absl::StatusOr<std::shared_ptr<const domain::DealState>> FoldAsOf(
    const storage::EventLog& log, std::string_view deal_id,
    std::shared_ptr<const domain::DealState> live, uint64_t applied,
    const AsOfBounds& bounds);

// Visits, in log order, the events of `deal_id` that FoldAsOf with the
// same arguments folds, after sequence `start_after`, until `visit`
// returns false. `*start` is first set to the fold of the events up to
// start_after: from the deal's latest snapshot at or before it, as
// FoldAsOf does (without an effective-time bound; with one, from the
// first event), so a scan of a deal's recent events costs what an as-of
// query does, not the deal's whole history. `visit` may fold into the
// same state. Errors: as FoldAsOf.
[[nodiscard]] absl::Status ScanAsOf(const storage::EventLog& log,
                                    std::string_view deal_id, uint64_t applied,
                                    const AsOfBounds& bounds,
                                    uint64_t start_after,
                                    domain::DealState* start,
                                    const storage::EventVisitor& visit);

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_AS_OF_H_
