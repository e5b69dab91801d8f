#include "bench/kind_load.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/heads.h"
#include "testing/events.h"

namespace pactlog::bench {
namespace {

namespace v1 = ::pactlog::v1;
namespace events = ::pactlog::testing;

const absl::Time kKindDay = events::Date(2025, 9, 1);
constexpr int64_t kCeiling = int64_t{1} << 60;
// Project "approve" takes the approvals, "disburse" the disbursements.
constexpr char kApproveProject[] = "approve";
constexpr char kDisburseProject[] = "disburse";

absl::Time At(int64_t n) { return kKindDay + absl::Seconds(1 + n % 1'000'000); }

// The tariff change that sets `first`'s kTariffCategoriesPerEvent
// categories (in turn over kTariffCategories) to a rate under the deal's cap.
v1::EventData TariffChange(int64_t first, int64_t n) {
  auto category = [&](int i) {
    return absl::StrCat("cat-", (first + i) % kTariffCategories);
  };
  v1::EventData data = events::TariffEvent(
      category(0), 500 + static_cast<int32_t>(n % 900), At(n));
  for (int i = 1; i < kTariffCategoriesPerEvent; ++i) {
    data.mutable_tariff_change()->add_product_categories(category(i));
  }
  return data;
}

// The tariff changes the corrections amend, and the event that stands for
// each now: slot i is deal i % deals' i / deals-th change.
class CorrectionSlots {
 public:
  CorrectionSlots(const std::vector<std::string>& deals, int per_deal)
      : deals_(deals), heads_(Originals(deals, per_deal)) {}
  static std::string Original(const std::string& deal, int i) {
    return absl::StrCat(deal, "/tc-", i);
  }
  // Its categories start here, as the original's do.
  static int64_t FirstCategory(int i) {
    return int64_t{i} * kTariffCategoriesPerEvent;
  }
  size_t size() const { return heads_.size(); }
  const std::string& deal(size_t slot) const {
    return deals_[slot % deals_.size()];
  }
  int index(size_t slot) const {
    return static_cast<int>(slot / deals_.size());
  }
  std::string head(size_t slot) const { return heads_.Get(slot); }
  void set_head(size_t slot, std::string head) {
    heads_.Set(slot, std::move(head));
  }

 private:
  static std::vector<std::string> Originals(
      const std::vector<std::string>& deals, int per_deal) {
    std::vector<std::string> originals;
    for (int i = 0; i < per_deal; ++i) {
      for (const std::string& deal : deals) {
        originals.push_back(Original(deal, i));
      }
    }
    return originals;
  }

  const std::vector<std::string> deals_;
  Heads heads_;
};

// Enough slots that 64 calls in flight never amend one subject at once.
int CorrectablePerDeal(size_t deals) {
  return std::max<int>(64, static_cast<int>(1024 / std::max<size_t>(deals, 1)));
}

// The kind the mix gives call n: per 20, 1 announcement, 3 approvals, 10
// disbursements, 5 tariff changes, 1 correction.
Kind MixKind(int64_t n) {
  const int64_t k = n % 20;
  if (k == 0) return Kind::kAnnouncement;
  if (k <= 3) return Kind::kApproval;
  if (k <= 13) return Kind::kDisbursement;
  if (k <= 18) return Kind::kTariffChange;
  return Kind::kCorrection;
}

// The event of `kind` (not kMix, not kCorrection) numbered n, in a phase
// tagged `tag` (unique per phase and deal set).
v1::EventData Simple(Kind kind, int64_t n, const std::string& tag) {
  switch (kind) {
    case Kind::kAnnouncement:
      return events::ProjectEvent(absl::StrCat("ann-", tag, "-", n),
                                  v1::SECTOR_ENERGY, "TX", events::Money(1),
                                  At(n));
    case Kind::kApproval:
      return events::ApprovalEvent(kApproveProject, events::Money(1), At(n));
    case Kind::kDisbursement:
      return events::DisbursementEvent(kDisburseProject, events::Money(1),
                                       At(n));
    default:
      return TariffChange(n * kTariffCategoriesPerEvent, n);
  }
}

absl::Status AppendSync(v1::DealLedger::Stub& ledger,
                        const v1::AppendRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(120));
  v1::AppendResponse response;
  const grpc::Status status = ledger.Append(&context, request, &response);
  if (status.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("append to ", request.deal_id(),
                                          " failed: ", status.error_message()));
}

int phase_counter = 0;  // tags of phases; the tool runs them one at a time

}  // namespace

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kAnnouncement:
      return "announcement";
    case Kind::kApproval:
      return "approval";
    case Kind::kDisbursement:
      return "disbursement";
    case Kind::kTariffChange:
      return "tariff_change";
    case Kind::kCorrection:
      return "correction";
    case Kind::kMix:
      return "mix";
  }
  return "unknown";
}

absl::Status SetUpKindDeals(v1::DealLedger::Stub& ledger,
                            const std::vector<std::string>& deals,
                            int history_events, int load_in_flight,
                            double* load_eps) {
  const int correctable = CorrectablePerDeal(deals.size());
  for (const std::string& deal : deals) {
    std::vector<v1::EventData> batch = {
        events::DealEvent("bench kinds", events::Money(kCeiling), kKindDay),
        events::ProjectEvent(kApproveProject, v1::SECTOR_ENERGY, "TX",
                             events::Money(kCeiling / 4), kKindDay),
        events::ProjectEvent(kDisburseProject, v1::SECTOR_ENERGY, "TX",
                             events::Money(kCeiling / 4), kKindDay),
        events::ApprovalEvent(kDisburseProject, events::Money(kCeiling / 8),
                              kKindDay)};
    if (absl::Status s =
            AppendSync(ledger, events::Request(deal, batch, "bench"));
        !s.ok()) {
      return s;
    }
    for (int i = 0; i < correctable; i += 64) {
      std::vector<v1::EventData> changes;
      for (int j = i; j < std::min(i + 64, correctable); ++j) {
        v1::EventData change =
            TariffChange(CorrectionSlots::FirstCategory(j), j);
        change.set_event_id(CorrectionSlots::Original(deal, j));
        changes.push_back(std::move(change));
      }
      if (absl::Status s =
              AppendSync(ledger, events::Request(deal, changes, "bench"));
          !s.ok()) {
        return s;
      }
    }
  }
  // The history: 64-event appends of the mix without its corrections (a
  // tariff change in their place), round the deals.
  const std::string tag = absl::StrCat("h", phase_counter++);
  const int64_t requests =
      (int64_t{history_events} + 63) / 64 * static_cast<int64_t>(deals.size());
  std::atomic<int64_t> next{0};
  absl::Mutex mu;
  absl::Status failed;
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < load_in_flight; ++t) {
    threads.emplace_back([&] {
      for (int64_t r; (r = next.fetch_add(1)) < requests;) {
        const std::string& deal = deals[r % deals.size()];
        std::vector<v1::EventData> batch;
        for (int e = 0; e < 64; ++e) {
          const int64_t n = r * 64 + e;
          const Kind kind = MixKind(n);
          batch.push_back(Simple(
              kind == Kind::kCorrection ? Kind::kTariffChange : kind, n, tag));
        }
        absl::Status s =
            AppendSync(ledger, events::Request(deal, batch, "bench"));
        if (!s.ok()) {
          absl::MutexLock lock(&mu);
          if (failed.ok()) failed = s;
          return;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  if (!failed.ok()) return failed;
  *load_eps = requests * 64 /
              std::max(absl::ToDoubleSeconds(absl::Now() - start), 1e-9);
  return absl::OkStatus();
}

absl::Status MeasureKindLoads(v1::DealLedger::Stub& ledger,
                              const std::vector<std::string>& deals,
                              absl::Duration phase,
                              std::vector<KindLoad>* out) {
  CorrectionSlots slots(deals, CorrectablePerDeal(deals.size()));
  struct Call {
    grpc::ClientContext context;
    v1::AppendRequest request;
    v1::AppendResponse response;
  };
  for (const Kind kind : kAllKinds) {
    const std::string tag = absl::StrCat("k", phase_counter++);
    auto next = std::make_shared<std::atomic<int64_t>>(0);
    auto corrections = std::make_shared<std::atomic<int64_t>>(0);
    LoadResult result = RunClosedLoop(
        64, phase, [&, kind, tag, next, corrections](CallDone done) {
          const int64_t n = next->fetch_add(1);
          const Kind this_kind = kind == Kind::kMix ? MixKind(n) : kind;
          auto* call = new Call();
          call->request.set_actor("bench");
          int64_t slot = -1;
          v1::EventData event;
          if (this_kind == Kind::kCorrection) {
            slot =
                corrections->fetch_add(1) % static_cast<int64_t>(slots.size());
            event = events::CorrectEvent(
                slots.head(slot),
                TariffChange(CorrectionSlots::FirstCategory(slots.index(slot)),
                             n));
            call->request.set_deal_id(slots.deal(slot));
          } else {
            event = Simple(this_kind, n, tag);
            call->request.set_deal_id(deals[n % deals.size()]);
          }
          event.set_event_id(
              absl::StrCat(call->request.deal_id(), "/", tag, "-", n));
          *call->request.add_events() = std::move(event);
          ledger.async()->Append(
              &call->context, &call->request, &call->response,
              [call, done, slot, &slots](grpc::Status status) {
                if (status.ok() && slot >= 0) {
                  slots.set_head(slot, call->request.events(0).event_id());
                }
                done(status.ok(), 1, status.error_message());
                delete call;
              });
        });
    if (result.failures > 0) {
      return absl::InternalError(absl::StrCat(
          KindName(kind), " appends failed: ", result.first_failure));
    }
    out->push_back({kind, result});
  }
  return absl::OkStatus();
}

}  // namespace pactlog::bench
