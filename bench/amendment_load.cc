#include "bench/amendment_load.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "bench/heads.h"
#include "testing/events.h"
#include "util/timestamp.h"

namespace pactlog::bench {
namespace {

namespace v1 = ::pactlog::v1;
namespace events = ::pactlog::testing;

const absl::Time kProjectDay = events::Date(2025, 8, 1);

// The projects the phases amend, and the event that stands for each.
class Slots {
 public:
  Slots(const std::vector<std::string>& deals, int per_deal)
      : subjects_(Subjects(deals, per_deal)), heads_(Initial(subjects_)) {}
  size_t size() const { return subjects_.size(); }
  const std::string& deal(size_t i) const { return subjects_[i].first; }
  const std::string& project(size_t i) const { return subjects_[i].second; }
  std::string head(size_t i) const { return heads_.Get(i); }
  void set_head(size_t i, std::string head) { heads_.Set(i, std::move(head)); }

 private:
  using Subject = std::pair<std::string, std::string>;  // deal, project
  static std::vector<Subject> Subjects(const std::vector<std::string>& deals,
                                       int per_deal) {
    std::vector<Subject> subjects;
    for (int p = 0; p < per_deal; ++p) {
      for (const std::string& deal : deals) {
        subjects.push_back({deal, absl::StrCat("amend-", p)});
      }
    }
    return subjects;
  }
  // Each project's announcement is its first head.
  static std::vector<std::string> Initial(
      const std::vector<Subject>& subjects) {
    std::vector<std::string> heads;
    for (const auto& [deal, project] : subjects) {
      heads.push_back(absl::StrCat(deal, "/", project));
    }
    return heads;
  }

  const std::vector<Subject> subjects_;  // never changes after construction
  Heads heads_;
};

v1::EventData ProjectOf(const std::string& project, int64_t pledged) {
  return events::ProjectEvent(project, v1::SECTOR_SEMICONDUCTORS, "",
                              events::Money(pledged), kProjectDay);
}

// One closed loop of one-event appends: call n amends slot n % size with
// the event `make` builds from the slot's head, whose id becomes the head.
LoadResult RunSlotAppends(
    v1::DealLedger::Stub& ledger, Slots& slots, absl::Duration phase,
    const std::string& tag,
    std::function<v1::EventData(size_t slot, int64_t n, const std::string&)>
        make) {
  struct Call {
    grpc::ClientContext context;
    v1::AppendRequest request;
    v1::AppendResponse response;
  };
  auto next = std::make_shared<std::atomic<int64_t>>(0);
  return RunClosedLoop(64, phase, [&, next](CallDone done) {
    const int64_t n = next->fetch_add(1);
    const size_t slot = static_cast<size_t>(n) % slots.size();
    auto* call = new Call();
    call->request.set_deal_id(slots.deal(slot));
    call->request.set_actor("bench");
    v1::EventData event = make(slot, n, slots.head(slot));
    event.set_event_id(absl::StrCat(slots.deal(slot), "/", tag, n));
    *call->request.add_events() = std::move(event);
    ledger.async()->Append(&call->context, &call->request, &call->response,
                           [call, done, slot, &slots](grpc::Status status) {
                             if (status.ok()) {
                               slots.set_head(
                                   slot, call->request.events(0).event_id());
                             }
                             done(status.ok(), 1, status.error_message());
                             delete call;
                           });
  });
}

absl::Status Check(const LoadResult& result, const std::string& phase) {
  if (result.failures == 0) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat(phase, " failed: ", result.first_failure));
}

}  // namespace

absl::Status MeasureAmendmentLoads(v1::DealLedger::Stub& ledger,
                                   v1::DealQuery::Stub& query,
                                   const std::vector<std::string>& deals,
                                   int projects_per_deal, absl::Duration phase,
                                   AmendmentLoads* out) {
  Slots slots(deals, projects_per_deal);
  // The projects, in requests of at most 1000 events.
  for (const std::string& deal : deals) {
    for (int first = 0; first < projects_per_deal; first += 1000) {
      std::vector<v1::EventData> batch;
      for (int p = first; p < std::min(first + 1000, projects_per_deal); ++p) {
        v1::EventData project = ProjectOf(absl::StrCat("amend-", p), 1000);
        project.set_event_id(absl::StrCat(deal, "/amend-", p));
        batch.push_back(std::move(project));
      }
      v1::AppendResponse response;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(120));
      grpc::Status status = ledger.Append(
          &context, events::Request(deal, std::move(batch), "bench"),
          &response);
      if (!status.ok()) {
        return absl::InternalError(absl::StrCat("announcing projects failed: ",
                                                status.error_message()));
      }
    }
  }

  out->revise = RunSlotAppends(
      ledger, slots, phase, "revise-",
      [](size_t, int64_t n, const std::string& head) {
        v1::EventData revision =
            events::ReviseEvent(head, events::Money(1000 + n % 1000));
        ::pactlog::util::ToProtoTime(kProjectDay + absl::Hours(1),
                                     revision.mutable_effective_time());
        return revision;
      });
  if (absl::Status s = Check(out->revise, "revisions"); !s.ok()) return s;

  out->correct =
      RunSlotAppends(ledger, slots, phase, "correct-",
                     [&slots](size_t slot, int64_t n, const std::string& head) {
                       return events::CorrectEvent(
                           head, ProjectOf(slots.project(slot), 500 + n % 500));
                     });
  if (absl::Status s = Check(out->correct, "corrections"); !s.ok()) return s;

  // Each restating project stands for the slot's money from then on, and
  // the next restatement of the slot restates it.
  out->restate =
      RunSlotAppends(ledger, slots, phase, "restate-",
                     [&slots](size_t slot, int64_t n, const std::string& head) {
                       v1::EventData project = ProjectOf(
                           absl::StrCat(slots.project(slot), "-r", n), 800);
                       project.add_restates(head);
                       return project;
                     });
  if (absl::Status s = Check(out->restate, "restatements"); !s.ok()) return s;

  struct Lineage {
    grpc::ClientContext context;
    v1::GetLineageRequest request;
    v1::GetLineageResponse response;
  };
  auto next = std::make_shared<std::atomic<int64_t>>(0);
  out->lineage = RunClosedLoop(64, phase, [&, next](CallDone done) {
    const size_t slot = static_cast<size_t>(next->fetch_add(1)) % slots.size();
    auto* call = new Lineage();
    call->request.set_deal_id(slots.deal(slot));
    call->request.set_project_id(slots.project(slot));
    query.async()->GetLineage(&call->context, &call->request, &call->response,
                              [call, done](grpc::Status status) {
                                done(status.ok(), 1, status.error_message());
                                delete call;
                              });
  });
  return Check(out->lineage, "GetLineage");
}

}  // namespace pactlog::bench
