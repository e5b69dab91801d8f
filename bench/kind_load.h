// The per-kind append phases of pactlog-bench: one-event appends, 64 in
// flight, of each event kind and of a mix of them, on fresh deals and on
// deals that already hold a long history, so that append cost that grows
// with a deal's history shows as a ratio below 1.
//
// The kinds: project announcements, approvals (one unit each, of a project
// with room), disbursements (one unit each, into an approved project),
// tariff changes of kTariffCategoriesPerEvent categories each, drawn in
// turn from kTariffCategories, and corrections of tariff changes (amendments:
// each names the event that stands for its subject now, as in
// amendment_load.h). The mix, per 20 events: 1 announcement, 3 approvals,
// 10 disbursements, 5 tariff changes, 1 correction.
#ifndef PACTLOG_BENCH_KIND_LOAD_H_
#define PACTLOG_BENCH_KIND_LOAD_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bench/closed_loop.h"
#include "pactlog/v1/ledger.grpc.pb.h"

namespace pactlog::bench {

inline constexpr int kTariffCategories = 4096;
inline constexpr int kTariffCategoriesPerEvent = 8;

enum class Kind {
  kAnnouncement,
  kApproval,
  kDisbursement,
  kTariffChange,
  kCorrection,
  kMix
};
inline constexpr Kind kAllKinds[] = {Kind::kAnnouncement, Kind::kApproval,
                                     Kind::kDisbursement, Kind::kTariffChange,
                                     Kind::kCorrection,   Kind::kMix};
// The metric name of a kind: "announcement", ..., "mix".
const char* KindName(Kind kind);

struct KindLoad {
  Kind kind;
  LoadResult result;
};

// Creates `deals` (new ids) ready for every kind: a deal, a project to
// approve, an approved project to disburse into, and the tariff changes the
// corrections amend. Then appends `history_events` per deal of the mix
// (without corrections) in 64-event appends, `load_in_flight` at once, and
// reports the load's events/s in `load_eps`.
absl::Status SetUpKindDeals(pactlog::v1::DealLedger::Stub& ledger,
                            const std::vector<std::string>& deals,
                            int history_events, int load_in_flight,
                            double* load_eps);

// One phase of `phase` per kind, 64 in flight spread over `deals` (set up
// by SetUpKindDeals). Fails on the first call that fails.
absl::Status MeasureKindLoads(pactlog::v1::DealLedger::Stub& ledger,
                              const std::vector<std::string>& deals,
                              absl::Duration phase, std::vector<KindLoad>* out);

}  // namespace pactlog::bench

#endif  // PACTLOG_BENCH_KIND_LOAD_H_
