// The amendment phases of pactlog-bench: revisions, corrections and
// restating announcements of projects, and GetLineage of the amended
// projects, each as a closed loop of 64 calls in flight.
//
// Every amendment names the event that stands for its subject now (rule
// amend-standing-event), so each project is a slot whose head the phase
// tracks: a call reads its slot's head, and its success makes the new event
// the head. Calls go round the slots in order, so a slot is reused only
// after every other slot had a call; with 64 in flight and at least 64
// slots per deal no two calls on one slot overlap.
#ifndef PACTLOG_BENCH_AMENDMENT_LOAD_H_
#define PACTLOG_BENCH_AMENDMENT_LOAD_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bench/closed_loop.h"
#include "pactlog/v1/ledger.grpc.pb.h"
#include "pactlog/v1/query.grpc.pb.h"

namespace pactlog::bench {

struct AmendmentLoads {
  LoadResult revise;   // a new pledge for a project
  LoadResult correct;  // a replacement of a project's announcement
  // A new project announcement restating the slot's standing report: the
  // rules check it against a copy of the deal with the restated money freed.
  LoadResult restate;
  LoadResult lineage;  // GetLineage of a project amended by the phases
};

// Announces `projects_per_deal` projects in each of `deals` (which exist,
// with room under the ceiling), then runs each phase for `phase`. Fails on
// the first call that fails.
absl::Status MeasureAmendmentLoads(pactlog::v1::DealLedger::Stub& ledger,
                                   pactlog::v1::DealQuery::Stub& query,
                                   const std::vector<std::string>& deals,
                                   int projects_per_deal, absl::Duration phase,
                                   AmendmentLoads* out);

}  // namespace pactlog::bench

#endif  // PACTLOG_BENCH_AMENDMENT_LOAD_H_
