#include "services/deal_query_service.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "domain/limits.h"
#include "domain/lineage.h"
#include "domain/validation.h"
#include "services/unary_call.h"
#include "util/status_macros.h"

namespace pactlog::services {
namespace {

namespace v1 = ::pactlog::v1;
using domain::FieldViolation;

// A deal as a query sees it.
struct DealView {
  std::shared_ptr<const domain::DealState> deal;
  uint64_t log_sequence = 0;
  absl::Time evaluated_at;
};

int EffectivePageSize(int page_size) {
  return page_size == 0 ? domain::kDefaultPageSize : page_size;
}

// Whether a query with `options` is answered from memory alone: the live
// state (no as_of bound), already at or past min_sequence. Such a query
// runs on the reaction; any other may read storage or wait, so it runs on
// the read executor.
bool AnswersFromMemory(const ledger::Ledger& ledger,
                       const v1::ReadOptions& options) {
  return ledger::AsOfBounds::FromProto(options.as_of()).unbounded() &&
         options.min_sequence() <= ledger.applied_sequence();
}

// How long a query waits for this replica to apply options.min_sequence.
constexpr absl::Duration kMinSequenceWait = absl::Seconds(2);

// Checks `options` (appending to `violations`) and min_sequence.
absl::Status CheckOptions(const ledger::Ledger& ledger,
                          const v1::ReadOptions& options,
                          std::vector<FieldViolation>& violations) {
  domain::CheckReadOptions("options", options, &violations);
  RETURN_IF_ERROR(domain::ViolationsToStatus(violations));
  // A replica of a replicated record may be a moment behind the one that
  // acknowledged a caller's write: wait briefly for it (read-your-writes
  // across replicas). A single-node ledger answers at once.
  if (ledger.AwaitApplied(options.min_sequence(),
                          absl::Now() + kMinSequenceWait)) {
    return absl::OkStatus();
  }
  // The wait gave up; the replica may still have got there since.
  const uint64_t applied = ledger.applied_sequence();
  if (options.min_sequence() > applied) {
    return absl::OutOfRangeError(
        absl::StrCat("options.min_sequence ", options.min_sequence(),
                     " is beyond the last sequence of the log, ", applied));
  }
  return absl::OkStatus();
}

std::string AsOfSuffix(const ledger::AsOfBounds& bounds) {
  return bounds.unbounded() ? "" : " at the requested as_of";
}

// Which events an as_of.effective_time leaves out of the fold.
enum class EffectiveBound {
  // Only the events in force then: the deal as it stood in the world.
  kFolds,
  // None: only the evaluation time moves (the record as known at the
  // sequence and recorded-time bounds, evaluated then). Tariffs answer so,
  // before the deal's announcement takes effect too.
  kEvaluatesOnly,
};

// Resolves the deal a query names, after checking the request's common
// fields. `violations` holds what the caller found in its own fields.
absl::StatusOr<DealView> ResolveDeal(
    const ledger::Ledger& ledger, util::Clock& clock,
    const std::string& deal_id, const v1::ReadOptions& options,
    std::vector<FieldViolation> violations,
    EffectiveBound effective = EffectiveBound::kFolds) {
  domain::CheckSlug("deal_id", deal_id, &violations);
  RETURN_IF_ERROR(CheckOptions(ledger, options, violations));
  const auto bounds = ledger::AsOfBounds::FromProto(options.as_of());
  ledger::AsOfBounds fold = bounds;
  if (effective == EffectiveBound::kEvaluatesOnly) {
    fold.max_effective_time.reset();
  }
  DealView view;
  ASSIGN_OR_RETURN(view.deal,
                   ledger.DealAsOf(deal_id, fold, &view.log_sequence));
  if (view.deal == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("deal \"", deal_id, "\" not found", AsOfSuffix(fold)));
  }
  view.evaluated_at = bounds.max_effective_time.value_or(clock.Now());
  return view;
}

}  // namespace

absl::Status DealQueryService::DoGetDeal(const v1::GetDealRequest& request,
                                         v1::GetDealResponse* response) {
  ASSIGN_OR_RETURN(
      DealView view,
      ResolveDeal(*ledger_, *clock_, request.deal_id(), request.options(), {}));
  view.deal->ToProto(view.evaluated_at, response->mutable_deal());
  response->set_log_sequence(view.log_sequence);
  ASSIGN_OR_RETURN(*response->mutable_chain_head(),
                   ledger_->ChainHeadAt(view.log_sequence));
  return absl::OkStatus();
}

absl::Status DealQueryService::DoListDeals(const v1::ListDealsRequest& request,
                                           v1::ListDealsResponse* response) {
  std::vector<FieldViolation> violations;
  domain::CheckPageSize("page_size", request.page_size(), &violations);
  if (!request.page_token().empty()) {
    domain::CheckSlug("page_token", request.page_token(), &violations);
  }
  RETURN_IF_ERROR(CheckOptions(*ledger_, request.options(), violations));
  const auto bounds = ledger::AsOfBounds::FromProto(request.options().as_of());
  const int page_size = EffectivePageSize(request.page_size());
  const absl::Time evaluated_at =
      bounds.max_effective_time.value_or(clock_->Now());

  std::string after = request.page_token();
  uint64_t log_sequence = 0;
  bool more = true;
  while (response->deals_size() < page_size && more) {
    std::vector<std::shared_ptr<const domain::DealState>> candidates =
        ledger_->Deals(after, page_size, &log_sequence);
    more = static_cast<int>(candidates.size()) == page_size;
    for (const auto& live : candidates) {
      after = live->deal_id();
      ASSIGN_OR_RETURN(
          std::shared_ptr<const domain::DealState> deal,
          ledger_->DealAsOf(live->deal_id(), bounds, &log_sequence));
      if (deal == nullptr) continue;
      deal->ToProto(evaluated_at, response->add_deals());
      if (response->deals_size() == page_size) break;
    }
  }
  if (response->deals_size() == page_size &&
      !ledger_->Deals(after, 1).empty()) {
    response->set_next_page_token(after);
  }
  response->set_log_sequence(log_sequence);
  return absl::OkStatus();
}

absl::Status DealQueryService::DoGetProject(
    const v1::GetProjectRequest& request, v1::GetProjectResponse* response) {
  std::vector<FieldViolation> violations;
  domain::CheckSlug("project_id", request.project_id(), &violations);
  ASSIGN_OR_RETURN(DealView view,
                   ResolveDeal(*ledger_, *clock_, request.deal_id(),
                               request.options(), std::move(violations)));
  RETURN_IF_ERROR(view.deal->ProjectToProto(request.project_id(),
                                            response->mutable_project()));
  response->set_log_sequence(view.log_sequence);
  return absl::OkStatus();
}

absl::Status DealQueryService::DoListProjects(
    const v1::ListProjectsRequest& request,
    v1::ListProjectsResponse* response) {
  std::vector<FieldViolation> violations;
  domain::CheckPageSize("page_size", request.page_size(), &violations);
  if (!request.page_token().empty()) {
    domain::CheckSlug("page_token", request.page_token(), &violations);
  }
  if (!v1::Sector_IsValid(request.sector())) {
    violations.push_back(
        {"sector", absl::StrCat("unknown sector ", request.sector())});
  }
  if (!v1::ProjectStatus_IsValid(request.status())) {
    violations.push_back(
        {"status", absl::StrCat("unknown project status ", request.status())});
  }
  if (!request.allocation_id().empty()) {
    domain::CheckSlug("allocation_id", request.allocation_id(), &violations);
  }
  if (!request.us_state().empty() &&
      !domain::IsUsStateCode(request.us_state())) {
    violations.push_back(
        {"us_state", absl::StrCat("not a US state or territory postal code: \"",
                                  request.us_state(), "\"")});
  }
  ASSIGN_OR_RETURN(DealView view,
                   ResolveDeal(*ledger_, *clock_, request.deal_id(),
                               request.options(), std::move(violations)));
  if (!request.allocation_id().empty() &&
      !view.deal->allocations().contains(request.allocation_id())) {
    return absl::NotFoundError(absl::StrCat(
        "allocation \"", request.allocation_id(),
        "\" is not announced in deal \"", request.deal_id(), "\"",
        AsOfSuffix(ledger::AsOfBounds::FromProto(request.options().as_of()))));
  }
  const int page_size = EffectivePageSize(request.page_size());
  const auto& projects = view.deal->projects();
  for (auto it = projects.upper_bound(request.page_token());
       it != projects.end(); ++it) {
    const domain::Project& project = it->second;
    if (request.sector() != v1::SECTOR_UNSPECIFIED &&
        project.announcement.sector() != request.sector()) {
      continue;
    }
    if (!request.us_state().empty() &&
        project.announcement.us_state() != request.us_state()) {
      continue;
    }
    if (request.status() != v1::PROJECT_STATUS_UNSPECIFIED &&
        project.status() != request.status()) {
      continue;
    }
    if (!request.allocation_id().empty() &&
        !view.deal->DrawsOn(project, request.allocation_id())) {
      continue;
    }
    if (response->projects_size() == page_size) {
      response->set_next_page_token(
          response->projects().rbegin()->project_id());
      break;
    }
    view.deal->ProjectToProto(project, response->add_projects());
  }
  response->set_log_sequence(view.log_sequence);
  return absl::OkStatus();
}

absl::Status DealQueryService::DoGetTariffs(
    const v1::GetTariffsRequest& request, v1::GetTariffsResponse* response) {
  std::vector<FieldViolation> violations;
  if (!request.product_category().empty()) {
    domain::CheckSlug("product_category", request.product_category(),
                      &violations);
  }
  ASSIGN_OR_RETURN(
      DealView view,
      ResolveDeal(*ledger_, *clock_, request.deal_id(), request.options(),
                  std::move(violations), EffectiveBound::kEvaluatesOnly));
  std::vector<v1::TariffLine> lines;
  RETURN_IF_ERROR(view.deal->TariffsToProto(
      view.evaluated_at, request.product_category(), true, &lines));
  for (v1::TariffLine& line : lines) {
    *response->add_tariffs() = std::move(line);
  }
  domain::ToProtoTime(view.evaluated_at, response->mutable_evaluated_at());
  response->set_log_sequence(view.log_sequence);
  return absl::OkStatus();
}

absl::Status DealQueryService::DoGetCompliance(
    const v1::GetComplianceRequest& request,
    v1::GetComplianceResponse* response) {
  std::vector<FieldViolation> violations;
  if (request.reading().size() > domain::kMaxAssertedByBytes) {
    violations.push_back(
        {"reading", absl::StrCat("must be 0..", domain::kMaxAssertedByBytes,
                                 " bytes, got ", request.reading().size())});
  }
  // Judged now, the deal is what is in force now: a live state holding
  // events effective later (a tranche dated ahead) is folded as of now, so
  // that money not there yet is neither disbursed nor funded.
  v1::ReadOptions options = request.options();
  if (!options.as_of().has_effective_time()) {
    const absl::Time now = clock_->Now();
    std::shared_ptr<const domain::DealState> live =
        ledger_->Deal(request.deal_id());
    if (live != nullptr && live->latest_effective_time() > now) {
      domain::ToProtoTime(now,
                          options.mutable_as_of()->mutable_effective_time());
    }
  }
  ASSIGN_OR_RETURN(DealView view,
                   ResolveDeal(*ledger_, *clock_, request.deal_id(), options,
                               std::move(violations)));
  RETURN_IF_ERROR(view.deal->ComplianceToProto(
      view.evaluated_at, request.reading(), response->mutable_compliance()));
  response->set_log_sequence(view.log_sequence);
  return absl::OkStatus();
}

absl::Status DealQueryService::DoGetLineage(
    const v1::GetLineageRequest& request, v1::GetLineageResponse* response) {
  std::vector<FieldViolation> violations;
  domain::CheckPageSize("page_size", request.page_size(), &violations);
  if (!request.project_id().empty()) {
    domain::CheckSlug("project_id", request.project_id(), &violations);
  }
  if (!request.allocation_id().empty()) {
    domain::CheckSlug("allocation_id", request.allocation_id(), &violations);
    if (!request.project_id().empty()) {
      violations.push_back(
          {"allocation_id",
           absl::StrCat("must be empty when project_id is set, got \"",
                        request.allocation_id(), "\"")});
    }
  }
  uint64_t after_sequence = 0;
  if (!request.page_token().empty() &&
      !absl::SimpleAtoi(request.page_token(), &after_sequence)) {
    violations.push_back(
        {"page_token", absl::StrCat("not a token this query returned: \"",
                                    request.page_token(), "\"")});
  }
  ASSIGN_OR_RETURN(DealView view,
                   ResolveDeal(*ledger_, *clock_, request.deal_id(),
                               request.options(), std::move(violations)));
  const auto bounds = ledger::AsOfBounds::FromProto(request.options().as_of());
  const domain::DealState& at = *view.deal;
  // Nothing before the subject's announcement changes its figures, and the
  // entries up to the page token are not kept: the scan starts after both,
  // from the deal's snapshot there, and stops once the page is full. The
  // figures are the resolved view's.
  uint64_t announced = 0;
  if (!request.project_id().empty()) {
    const domain::Project* project = at.projects().Find(request.project_id());
    if (project == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "project \"", request.project_id(), "\" is not announced in deal \"",
          request.deal_id(), "\"", AsOfSuffix(bounds)));
    }
    announced = project->announced_sequence;
  } else if (!request.allocation_id().empty()) {
    const domain::Allocation* allocation =
        at.allocations().Find(request.allocation_id());
    if (allocation == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("allocation \"", request.allocation_id(),
                       "\" is not announced in deal \"", request.deal_id(),
                       "\"", AsOfSuffix(bounds)));
    }
    announced = allocation->sequence;
  }
  const uint64_t start_after =
      std::max(after_sequence, announced > 0 ? announced - 1 : 0);
  // The same events the resolved view folded: none beyond its sequence.
  ledger::AsOfBounds scan = bounds;
  scan.max_sequence = at.last_sequence();
  domain::LineageTracer tracer(request.project_id(), request.allocation_id(),
                               after_sequence,
                               EffectivePageSize(request.page_size()));
  RETURN_IF_ERROR(ledger_->ScanDealAsOf(request.deal_id(), scan, start_after,
                                        tracer.mutable_state(),
                                        [&](const v1::Event& event) {
                                          tracer.Add(event);
                                          return !tracer.more();
                                        }));
  tracer.FiguresToProto(tracer.ValuesOf(at), response->mutable_figures());
  for (v1::LineageEntry& entry : tracer.entries()) {
    *response->add_entries() = std::move(entry);
  }
  if (tracer.more()) {
    response->set_next_page_token(
        absl::StrCat(response->entries().rbegin()->sequence()));
  }
  response->set_log_sequence(view.log_sequence);
  return absl::OkStatus();
}

Executor* DealQueryService::ExecutorFor(const v1::ReadOptions& options) const {
  return AnswersFromMemory(*ledger_, options) ? nullptr : reads_;
}

UnaryCallSpec DealQueryService::Spec(absl::string_view method,
                                     absl::string_view deal_id) const {
  return {.guard = guard_,
          .method = method,
          .deal_id = deal_id,
          .roles = security::kReaderRoles,
          .ledger = ledger_};
}

grpc::ServerUnaryReactor* DealQueryService::GetDeal(
    grpc::CallbackServerContext* context, const v1::GetDealRequest* request,
    v1::GetDealResponse* response) {
  return RunUnary(context, Spec("DealQuery.GetDeal", request->deal_id()),
                  ExecutorFor(request->options()), [this, request, response] {
                    return DoGetDeal(*request, response);
                  });
}

grpc::ServerUnaryReactor* DealQueryService::ListDeals(
    grpc::CallbackServerContext* context, const v1::ListDealsRequest* request,
    v1::ListDealsResponse* response) {
  return RunUnary(
      context, Spec("DealQuery.ListDeals", ""), ExecutorFor(request->options()),
      [this, request, response] { return DoListDeals(*request, response); });
}

grpc::ServerUnaryReactor* DealQueryService::GetProject(
    grpc::CallbackServerContext* context, const v1::GetProjectRequest* request,
    v1::GetProjectResponse* response) {
  return RunUnary(context, Spec("DealQuery.GetProject", request->deal_id()),
                  ExecutorFor(request->options()), [this, request, response] {
                    return DoGetProject(*request, response);
                  });
}

grpc::ServerUnaryReactor* DealQueryService::ListProjects(
    grpc::CallbackServerContext* context,
    const v1::ListProjectsRequest* request,
    v1::ListProjectsResponse* response) {
  return RunUnary(context, Spec("DealQuery.ListProjects", request->deal_id()),
                  ExecutorFor(request->options()), [this, request, response] {
                    return DoListProjects(*request, response);
                  });
}

grpc::ServerUnaryReactor* DealQueryService::GetTariffs(
    grpc::CallbackServerContext* context, const v1::GetTariffsRequest* request,
    v1::GetTariffsResponse* response) {
  return RunUnary(context, Spec("DealQuery.GetTariffs", request->deal_id()),
                  ExecutorFor(request->options()), [this, request, response] {
                    return DoGetTariffs(*request, response);
                  });
}

grpc::ServerUnaryReactor* DealQueryService::GetCompliance(
    grpc::CallbackServerContext* context,
    const v1::GetComplianceRequest* request,
    v1::GetComplianceResponse* response) {
  // On the read executor always: an answer "now" may fold the log (above).
  return RunUnary(context, Spec("DealQuery.GetCompliance", request->deal_id()),
                  reads_, [this, request, response] {
                    return DoGetCompliance(*request, response);
                  });
}

grpc::ServerUnaryReactor* DealQueryService::GetLineage(
    grpc::CallbackServerContext* context, const v1::GetLineageRequest* request,
    v1::GetLineageResponse* response) {
  // On the read executor always: lineage scans the deal's history.
  return RunUnary(
      context, Spec("DealQuery.GetLineage", request->deal_id()), reads_,
      [this, request, response] { return DoGetLineage(*request, response); });
}

}  // namespace pactlog::services
