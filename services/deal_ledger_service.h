// DealLedgerService: the gRPC face of the write side (pactlog.v1.DealLedger).
// Validates each request on the reactor thread and hands it to the
// ledger's writer, which finishes the call once the events are durable.
// Never blocks a reactor on disk. Thread-safe.
#ifndef PACTLOG_SERVICES_DEAL_LEDGER_SERVICE_H_
#define PACTLOG_SERVICES_DEAL_LEDGER_SERVICE_H_

#include "ledger/ledger.h"
#include "pactlog/v1/ledger.grpc.pb.h"

namespace pactlog::services {

class DealLedgerService final : public pactlog::v1::DealLedger::CallbackService {
 public:
  // `ledger` is not owned and must outlive the service.
  explicit DealLedgerService(ledger::Ledger* ledger) : ledger_(ledger) {}

  grpc::ServerUnaryReactor* Append(grpc::CallbackServerContext* context,
                                   const pactlog::v1::AppendRequest* request,
                                   pactlog::v1::AppendResponse* response) override;

 private:
  ledger::Ledger* const ledger_;
};

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_DEAL_LEDGER_SERVICE_H_
