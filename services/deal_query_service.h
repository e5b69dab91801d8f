// DealQueryService: the gRPC face of the read side (pactlog.v1.DealQuery).
// Live questions are answered from the ledger's in-memory state; "as of"
// questions replay the deal's events from the log. A live question already
// at options.min_sequence reads only memory (the live states and the chain
// heads of the last commits) and is answered on its gRPC reaction; every
// other call may wait for min_sequence or read storage, so it runs on the
// `reads` executor, never on a reaction. Thread-safe.
#ifndef PACTLOG_SERVICES_DEAL_QUERY_SERVICE_H_
#define PACTLOG_SERVICES_DEAL_QUERY_SERVICE_H_

#include "ledger/ledger.h"
#include "pactlog/v1/query.grpc.pb.h"
#include "services/executor.h"
#include "services/security/call_guard.h"
#include "services/unary_call.h"
#include "util/clock.h"

namespace pactlog::services {

class DealQueryService final : public pactlog::v1::DealQuery::CallbackService {
 public:
  // None is owned; all must outlive the service. `clock` gives the time at
  // which tariffs in force are evaluated when a query sets no effective
  // time. Every call passes `guard` first and needs the reader role, then
  // runs on `reads`.
  DealQueryService(const ledger::Ledger* ledger, util::Clock* clock,
                   const security::CallGuard* guard, Executor* reads)
      : ledger_(ledger), clock_(clock), guard_(guard), reads_(reads) {}

  grpc::ServerUnaryReactor* GetDeal(
      grpc::CallbackServerContext* context,
      const pactlog::v1::GetDealRequest* request,
      pactlog::v1::GetDealResponse* response) override;
  grpc::ServerUnaryReactor* ListDeals(
      grpc::CallbackServerContext* context,
      const pactlog::v1::ListDealsRequest* request,
      pactlog::v1::ListDealsResponse* response) override;
  grpc::ServerUnaryReactor* GetProject(
      grpc::CallbackServerContext* context,
      const pactlog::v1::GetProjectRequest* request,
      pactlog::v1::GetProjectResponse* response) override;
  grpc::ServerUnaryReactor* ListProjects(
      grpc::CallbackServerContext* context,
      const pactlog::v1::ListProjectsRequest* request,
      pactlog::v1::ListProjectsResponse* response) override;
  grpc::ServerUnaryReactor* GetTariffs(
      grpc::CallbackServerContext* context,
      const pactlog::v1::GetTariffsRequest* request,
      pactlog::v1::GetTariffsResponse* response) override;
  grpc::ServerUnaryReactor* GetCompliance(
      grpc::CallbackServerContext* context,
      const pactlog::v1::GetComplianceRequest* request,
      pactlog::v1::GetComplianceResponse* response) override;
  grpc::ServerUnaryReactor* GetLineage(
      grpc::CallbackServerContext* context,
      const pactlog::v1::GetLineageRequest* request,
      pactlog::v1::GetLineageResponse* response) override;

 private:
  UnaryCallSpec Spec(absl::string_view method, absl::string_view deal_id) const;
  // Where a query with `options` runs: nullptr (its reaction) or reads_.
  Executor* ExecutorFor(const pactlog::v1::ReadOptions& options) const;
  [[nodiscard]] absl::Status DoGetDeal(
      const pactlog::v1::GetDealRequest& request,
      pactlog::v1::GetDealResponse* response);
  [[nodiscard]] absl::Status DoListDeals(
      const pactlog::v1::ListDealsRequest& request,
      pactlog::v1::ListDealsResponse* response);
  [[nodiscard]] absl::Status DoGetProject(
      const pactlog::v1::GetProjectRequest& request,
      pactlog::v1::GetProjectResponse* response);
  [[nodiscard]] absl::Status DoListProjects(
      const pactlog::v1::ListProjectsRequest& request,
      pactlog::v1::ListProjectsResponse* response);
  [[nodiscard]] absl::Status DoGetTariffs(
      const pactlog::v1::GetTariffsRequest& request,
      pactlog::v1::GetTariffsResponse* response);
  [[nodiscard]] absl::Status DoGetCompliance(
      const pactlog::v1::GetComplianceRequest& request,
      pactlog::v1::GetComplianceResponse* response);
  [[nodiscard]] absl::Status DoGetLineage(
      const pactlog::v1::GetLineageRequest& request,
      pactlog::v1::GetLineageResponse* response);

  const ledger::Ledger* const ledger_;
  util::Clock* const clock_;
  const security::CallGuard* const guard_;
  Executor* const reads_;
};

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_DEAL_QUERY_SERVICE_H_
