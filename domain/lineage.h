// Lineage: the events a figure rests on. A LineageTracer folds a deal's
// events in log order (the events of an as-of point, as a fold of that
// point would) and records, per event, what it changed of one subject's
// figures: a project's, an allocation's or the deal's. The changes of all
// entries sum to the figures, so a reader can trace a number to its
// sources, corrections and retractions included. Pure; not thread-safe.
#ifndef PACTLOG_DOMAIN_LINEAGE_H_
#define PACTLOG_DOMAIN_LINEAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "domain/deal_state.h"
#include "pactlog/v1/events.pb.h"
#include "pactlog/v1/state.pb.h"

namespace pactlog::domain {

// The figures lineage traces, in minor units of the deal's currency.
struct FigureValues {
  int64_t allocated = 0;
  int64_t pledged = 0;
  int64_t approved = 0;
  int64_t disbursed = 0;

  bool operator==(const FigureValues&) const = default;
};

class LineageTracer {
 public:
  // The subject: `project_id`, else `allocation_id`, else (both empty) the
  // deal. Entries with a sequence <= `after_sequence` are counted but not
  // kept, and at most `limit` are kept (the page of a paged answer).
  LineageTracer(std::string project_id, std::string allocation_id,
                uint64_t after_sequence, int limit);

  // Folds `event`, the next event of the deal, and records it when it
  // changed the subject's figures or is about the subject.
  void Add(const pactlog::v1::Event& event);

  const DealState& state() const { return state_; }
  // The state Add folds into: empty, for a trace from the deal's first
  // event; a caller that starts later folds the earlier events into it
  // first (ledger::ScanAsOf does).
  DealState* mutable_state() { return &state_; }
  // The subject's figures now, or in `state`; and the entries kept.
  FigureValues figures() const { return ValuesOf(state_); }
  FigureValues ValuesOf(const DealState& state) const;
  void FiguresToProto(const FigureValues& values,
                      pactlog::v1::Figures* out) const;
  std::vector<pactlog::v1::LineageEntry>& entries() { return entries_; }
  // True when an entry after the kept ones was recorded.
  bool more() const { return more_; }

 private:
  // Whether `event` is about the subject (beyond changing its figures).
  bool Touches(const pactlog::v1::Event& event) const;

  const std::string project_id_;
  const std::string allocation_id_;
  const uint64_t after_sequence_;
  const int limit_;
  DealState state_;
  std::vector<pactlog::v1::LineageEntry> entries_;
  bool more_ = false;
};

// One line saying what `event` did, e.g. "revises event \"a-1\" to 800000
// USD (minor units)".
std::string SummarizeEvent(const pactlog::v1::Event& event);

}  // namespace pactlog::domain

#endif  // PACTLOG_DOMAIN_LINEAGE_H_
