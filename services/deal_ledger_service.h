// DealLedgerService: the gRPC face of the write side (pactlog.v1.DealLedger).
// Validates each request on the reactor thread and hands it to the
// ledger's writer, which finishes the call once the events are durable.
// Never blocks a reactor on disk. Thread-safe.
#ifndef PACTLOG_SERVICES_DEAL_LEDGER_SERVICE_H_
#define PACTLOG_SERVICES_DEAL_LEDGER_SERVICE_H_

#include "ledger/ledger.h"
#include "pactlog/v1/ledger.grpc.pb.h"
#include "services/security/call_guard.h"

namespace pactlog::services {

class DealLedgerService final
    : public pactlog::v1::DealLedger::CallbackService {
 public:
  // Neither is owned; both must outlive the service. Every call passes
  // `guard` first: an Append needs the role of each event kind it holds,
  // and with authentication on the stored actor is the authenticated
  // principal, whatever the request's actor says.
  DealLedgerService(ledger::Ledger* ledger, const security::CallGuard* guard)
      : ledger_(ledger), guard_(guard) {}

  grpc::ServerUnaryReactor* Append(
      grpc::CallbackServerContext* context,
      const pactlog::v1::AppendRequest* request,
      pactlog::v1::AppendResponse* response) override;

 private:
  ledger::Ledger* const ledger_;
  const security::CallGuard* const guard_;
};

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_DEAL_LEDGER_SERVICE_H_
