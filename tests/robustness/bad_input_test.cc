// Bad input against a real in-process server: one table of malformed,
// hostile and rule-breaking requests over every RPC. Each case states the
// exact gRPC code and what the message must name (the field, and the
// offending value where one can be echoed), and every case checks that the
// log is exactly as before: same head sequence, same events byte for byte,
// same deal states, and the next good append lands right after the old head
// (so no sequence or deal version was silently consumed).
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/service/test_support.h"

namespace pactlog::testing {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();

// The deal every seeded case refers to, and its seeded project.
constexpr char kDeal[] = "us-japan";
constexpr char kProject[] = "westinghouse";
// Event ids the seed records, for idempotency cases.
constexpr char kSeedTariffId[] = "seed-tariff";

// Error messages echo at most a bounded prefix of any value, so that one
// huge field cannot blow up an answer.
constexpr size_t kMaxMessageBytes = 4096;

// One bad request: how to send it, and what must come back.
struct BadInputCase {
  std::string name;
  std::function<grpc::Status(TestServer&)> call;
  grpc::StatusCode code;
  // Substrings the error message must contain: the field path, and the
  // offending value where it is sensible to echo it.
  std::vector<std::string> names;
  // Set when the answer is known to fall short of the contract (wrong code,
  // or a message naming nothing): what is wrong, as reported. The case
  // still pins the exact answer, so a fix shows up here.
  std::string known_gap = {};
};

std::ostream& operator<<(std::ostream& out, const BadInputCase& c) {
  return out << c.name;
}

// ---------------------------------------------------------------------------
// Senders. Each returns the final status of one call.

grpc::Status SendAppend(TestServer& server, const v1::AppendRequest& request) {
  return Append(server, request);
}

grpc::Status SendGetDeal(TestServer& server,
                         const v1::GetDealRequest& request) {
  v1::GetDealResponse response;
  return server.query().GetDeal(Context().get(), request, &response);
}

grpc::Status SendListDeals(TestServer& server,
                           const v1::ListDealsRequest& request) {
  v1::ListDealsResponse response;
  return server.query().ListDeals(Context().get(), request, &response);
}

grpc::Status SendGetProject(TestServer& server,
                            const v1::GetProjectRequest& request) {
  v1::GetProjectResponse response;
  return server.query().GetProject(Context().get(), request, &response);
}

grpc::Status SendListProjects(TestServer& server,
                              const v1::ListProjectsRequest& request) {
  v1::ListProjectsResponse response;
  return server.query().ListProjects(Context().get(), request, &response);
}

grpc::Status SendGetTariffs(TestServer& server,
                            const v1::GetTariffsRequest& request) {
  v1::GetTariffsResponse response;
  return server.query().GetTariffs(Context().get(), request, &response);
}

grpc::Status SendRead(TestServer& server, const v1::ReadRequest& request) {
  v1::ReadResponse response;
  return server.stream().Read(Context().get(), request, &response);
}

// A refused subscription ends before its first message. One that delivers
// a message was accepted: it is cancelled and reported as OK, which fails
// the case.
grpc::Status SendSubscribe(TestServer& server,
                           const v1::SubscribeRequest& request) {
  auto context = Context();
  auto reader = server.stream().Subscribe(context.get(), request);
  v1::SubscribeResponse message;
  if (reader->Read(&message)) {
    context->TryCancel();
    while (reader->Read(&message)) {
    }
    reader->Finish().IgnoreError();
    return grpc::Status::OK;
  }
  return reader->Finish();
}

// Sends `bytes` as the request message of `method`, whatever they are.
grpc::Status SendRawBytes(TestServer& server, const std::string& method,
                          const std::string& bytes) {
  grpc::GenericStub stub(server.channel());
  grpc::CompletionQueue queue;
  auto context = Context();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(context.get(), method, request, &queue);
  call->StartCall();
  int tag = 1;
  call->Finish(&response, &status, &tag);
  void* got = nullptr;
  bool ok = false;
  // The only operation on the queue: Next returns when the call is over.
  EXPECT_TRUE(queue.Next(&got, &ok));
  EXPECT_EQ(got, &tag);
  queue.Shutdown();
  while (queue.Next(&got, &ok)) {
  }
  return status;
}

// ---------------------------------------------------------------------------
// Request builders.

// One good event appended to the seeded deal.
v1::AppendRequest GoodAppend() {
  return Request(kDeal, {TariffEvent("autos", 1500, Date(2025, 9, 16))});
}

// The seeded deal with one event changed by `edit`.
v1::AppendRequest EditedAppend(
    const std::function<void(v1::EventData&)>& edit,
    v1::EventData event = TariffEvent("autos", 1500, Date(2025, 9, 16))) {
  edit(event);
  return Request(kDeal, {std::move(event)});
}

v1::AppendRequest NewDealAppend(const std::string& deal_id,
                                std::vector<v1::EventData> more = {}) {
  std::vector<v1::EventData> events = {
      DealEvent("US-Korea", 350'000'000'000, Date(2025, 7, 30))};
  for (v1::EventData& e : more) events.push_back(std::move(e));
  return Request(deal_id, std::move(events));
}

google::protobuf::Timestamp Seconds(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(nanos);
  return ts;
}

v1::GetDealRequest GetDeal(const std::string& deal_id) {
  v1::GetDealRequest request;
  request.set_deal_id(deal_id);
  return request;
}

v1::SubscribeRequest Subscribe() { return v1::SubscribeRequest(); }

// ---------------------------------------------------------------------------
// The table.

std::vector<BadInputCase> Cases() {
  using Code = grpc::StatusCode;
  std::vector<BadInputCase> cases;
  auto append = [&cases](std::string name, v1::AppendRequest request, Code code,
                         std::vector<std::string> names) {
    cases.push_back(BadInputCase{std::move(name),
                                 [request = std::move(request)](TestServer& s) {
                                   return SendAppend(s, request);
                                 },
                                 code, std::move(names)});
  };
  auto edited = [&append](std::string name,
                          std::function<void(v1::EventData&)> edit,
                          v1::EventData base, std::vector<std::string> names) {
    append(std::move(name), EditedAppend(edit, std::move(base)),
           Code::INVALID_ARGUMENT, std::move(names));
  };
  const v1::EventData tariff = TariffEvent("autos", 1500, Date(2025, 9, 16));
  const v1::EventData project = ProjectEvent("ge-vernova", v1::SECTOR_ENERGY,
                                             "OH", 1'000, Date(2025, 9, 2));
  const v1::EventData approval = ApprovalEvent(kProject, 1, Date(2025, 10, 2));
  const v1::EventData disbursement =
      DisbursementEvent(kProject, 1, Date(2025, 11, 2));

  // --- Append: the request envelope -------------------------------------
  {
    v1::AppendRequest r = GoodAppend();
    r.clear_deal_id();
    append("AppendMissingDealId", r, Code::INVALID_ARGUMENT,
           {"deal_id: must be a slug", "got \"\""});
  }
  {
    v1::AppendRequest r = GoodAppend();
    r.set_deal_id("US-Japan");
    append("AppendUpperCaseDealId", r, Code::INVALID_ARGUMENT,
           {"deal_id", "\"US-Japan\""});
  }
  {
    v1::AppendRequest r = GoodAppend();
    r.set_deal_id(std::string(65, 'a'));
    append("AppendDealIdOf65Bytes", r, Code::INVALID_ARGUMENT,
           {"deal_id", std::string(65, 'a')});
  }
  {
    v1::AppendRequest r = GoodAppend();
    r.set_deal_id(std::string(1 << 20, 'd'));
    append("AppendMegabyteDealIdIsEchoedCut", r, Code::INVALID_ARGUMENT,
           {"deal_id", "(1048576 bytes)"});
  }
  {
    v1::AppendRequest r = GoodAppend();
    r.set_deal_id(std::string("us\0japan", 8));
    append("AppendDealIdWithNulByte", r, Code::INVALID_ARGUMENT,
           {"deal_id", "us\\x00japan"});
  }
  {
    v1::AppendRequest r = GoodAppend();
    r.set_deal_id("日米");
    append("AppendUnicodeDealId", r, Code::INVALID_ARGUMENT,
           {"deal_id", "\\xe6\\x97\\xa5"});
  }
  {
    v1::AppendRequest r = GoodAppend();
    r.clear_actor();
    append("AppendMissingActor", r, Code::INVALID_ARGUMENT,
           {"actor: must be 1..128 bytes, got an empty string"});
  }
  {
    v1::AppendRequest r = GoodAppend();
    r.set_actor(std::string(129, 'x'));
    append("AppendActorOf129Bytes", r, Code::INVALID_ARGUMENT,
           {"actor", "129 bytes"});
  }
  append("AppendWithNoEvents", Request(kDeal, {}), Code::INVALID_ARGUMENT,
         {"events: at least one event is required"});
  {
    std::vector<v1::EventData> events;
    for (int i = 0; i < 1001; ++i) {
      events.push_back(TariffEvent("autos", 1500 + i, Date(2025, 9, 16)));
    }
    append("AppendOf1001EventsIsOverTheLimit", Request(kDeal, events),
           Code::RESOURCE_EXHAUSTED, {"1001", "the limit is 1000"});
  }
  {
    // 5 events of 900 KiB each: over 4 MiB on the wire. gRPC itself refuses
    // it before the service sees it; the message gives the limit.
    std::vector<v1::EventData> events;
    for (int i = 0; i < 5; ++i) {
      v1::EventData e = TariffEvent("autos", 1500, Date(2025, 9, 16));
      e.mutable_tariff_change()->set_reason(std::string(900 << 10, 'r'));
      events.push_back(std::move(e));
    }
    append("AppendMessageOver4MiB", Request(kDeal, events),
           Code::RESOURCE_EXHAUSTED, {"4194304"});
  }

  // --- Append: per-event fields -----------------------------------------
  edited("AppendEventWithoutKind", [](v1::EventData& e) { e.clear_kind(); },
         tariff, {"events[0].kind: must set one of announcement"});
  edited("AppendAnnouncementWithoutSubject",
         [](v1::EventData& e) { e.mutable_announcement()->clear_subject(); },
         project,
         {"events[0].announcement.subject: must set one of deal, project"});
  edited("AppendMissingProvenance",
         [](v1::EventData& e) { e.clear_provenance(); }, tariff,
         {"events[0].provenance: is required"});
  edited("AppendUnspecifiedFirmness",
         [](v1::EventData& e) {
           e.mutable_provenance()->set_firmness(v1::FIRMNESS_UNSPECIFIED);
         },
         tariff, {"events[0].provenance.firmness", "FIRMNESS_UNSPECIFIED"});
  edited("AppendUnknownFirmnessValue",
         [](v1::EventData& e) {
           e.mutable_provenance()->set_firmness(static_cast<v1::Firmness>(99));
         },
         tariff, {"events[0].provenance.firmness", "Firmness", "99"});
  edited("AppendSourceOf2049Bytes",
         [](v1::EventData& e) {
           e.mutable_provenance()->set_source(std::string(2049, 's'));
         },
         tariff, {"events[0].provenance.source", "2049 bytes"});
  edited("AppendMegabyteTitle",
         [](v1::EventData& e) {
           e.mutable_announcement()->mutable_deal()->set_title(
               std::string(1 << 20, 't'));
         },
         DealEvent("T", 1, Date(2025, 7, 22)),
         {"events[0].announcement.deal.title", "1048576 bytes"});
  edited("AppendNegativeMoney",
         [](v1::EventData& e) {
           e.mutable_announcement()
               ->mutable_project()
               ->mutable_pledged()
               ->set_minor_units(-5);
         },
         project,
         {"events[0].announcement.project.pledged.minor_units: must be > 0",
          "got -5"});
  edited("AppendZeroMoney",
         [](v1::EventData& e) {
           e.mutable_approval()->mutable_amount()->set_minor_units(0);
         },
         approval, {"events[0].approval.amount.minor_units", "got 0"});
  edited(
      "AppendInt64MinMoney",
      [](v1::EventData& e) {
        e.mutable_disbursement()->mutable_amount()->set_minor_units(kInt64Min);
      },
      disbursement,
      {"events[0].disbursement.amount.minor_units", "-9223372036854775808"});
  edited("AppendMissingMoney",
         [](v1::EventData& e) { e.mutable_approval()->clear_amount(); },
         approval, {"events[0].approval.amount: is required"});
  edited("AppendLowerCaseCurrency",
         [](v1::EventData& e) {
           e.mutable_approval()->mutable_amount()->set_currency_code("usd");
         },
         approval, {"events[0].approval.amount.currency_code", "\"usd\""});
  edited("AppendTwoLetterCurrency",
         [](v1::EventData& e) {
           e.mutable_approval()->mutable_amount()->set_currency_code("US");
         },
         approval, {"events[0].approval.amount.currency_code", "\"US\""});
  {
    v1::EventData second = approval;
    second.mutable_approval()->mutable_amount()->set_currency_code("JPY");
    append("AppendTwoCurrenciesInOneRequest",
           Request(kDeal, {approval, second}), Code::INVALID_ARGUMENT,
           {"events[1].approval.amount.currency_code", "\"JPY\"", "\"USD\""});
  }
  {
    v1::EventData yen = approval;
    yen.mutable_approval()->mutable_amount()->set_currency_code("JPY");
    append("AppendCurrencyOtherThanTheDeals", Request(kDeal, {yen}),
           Code::FAILED_PRECONDITION,
           {"rule deal-currency", "\"JPY\"", "\"USD\"", kDeal});
  }
  edited("AppendUnknownSectorValue",
         [](v1::EventData& e) {
           e.mutable_announcement()->mutable_project()->set_sector(
               static_cast<v1::Sector>(999));
         },
         project, {"events[0].announcement.project.sector", "Sector", "999"});
  edited("AppendUnspecifiedSector",
         [](v1::EventData& e) {
           e.mutable_announcement()->mutable_project()->set_sector(
               v1::SECTOR_UNSPECIFIED);
         },
         project,
         {"events[0].announcement.project.sector", "SECTOR_UNSPECIFIED"});
  edited("AppendNegativeFundingSourceValue",
         [](v1::EventData& e) {
           e.mutable_disbursement()->set_funding_source(
               static_cast<v1::FundingSource>(-1));
         },
         disbursement,
         {"events[0].disbursement.funding_source", "FundingSource", "-1"});
  edited("AppendUnknownUsState",
         [](v1::EventData& e) {
           e.mutable_announcement()->mutable_project()->set_us_state("XX");
         },
         project, {"events[0].announcement.project.us_state", "\"XX\""});
  edited("AppendNegativeRate",
         [](v1::EventData& e) { e.mutable_tariff_change()->set_rate_bps(-1); },
         tariff, {"events[0].tariff_change.rate_bps", "got -1"});
  edited(
      "AppendRateAboveTheAbsurdBound",
      [](v1::EventData& e) { e.mutable_tariff_change()->set_rate_bps(100001); },
      tariff, {"events[0].tariff_change.rate_bps", "0..100000", "100001"});
  edited("AppendCapOfInt32Max",
         [](v1::EventData& e) {
           e.mutable_announcement()
               ->mutable_deal()
               ->mutable_tariff_caps(0)
               ->set_max_rate_bps(kInt32Max);
         },
         DealEvent("T", 1, Date(2025, 7, 22)),
         {"events[0].announcement.deal.tariff_caps[0].max_rate_bps",
          "2147483647"});
  edited("AppendDuplicateCapCategories",
         [](v1::EventData& e) {
           auto* deal = e.mutable_announcement()->mutable_deal();
           *deal->add_tariff_caps() = deal->tariff_caps(0);
         },
         DealEvent("T", 1, Date(2025, 7, 22)),
         {"events[0].announcement.deal.tariff_caps[1].product_category",
          "duplicates", "\"all-goods\""});
  edited("AppendSameInvestorAndHostCountry",
         [](v1::EventData& e) {
           e.mutable_announcement()->mutable_deal()->set_host_country("JP");
         },
         DealEvent("T", 1, Date(2025, 7, 22)),
         {"events[0].announcement.deal.host_country", "\"JP\""});
  edited("AppendLowerCaseCountry",
         [](v1::EventData& e) {
           e.mutable_announcement()->mutable_deal()->set_investor_country("jp");
         },
         DealEvent("T", 1, Date(2025, 7, 22)),
         {"events[0].announcement.deal.investor_country", "\"jp\""});
  edited("AppendThirtyThreeSponsors",
         [](v1::EventData& e) {
           auto* p = e.mutable_announcement()->mutable_project();
           while (p->sponsors_size() < 33) p->add_sponsors("Co.");
         },
         project, {"events[0].announcement.project.sponsors", "got 33"});
  edited("AppendEmptySponsorName",
         [](v1::EventData& e) {
           e.mutable_announcement()->mutable_project()->add_sponsors("");
         },
         project,
         {"events[0].announcement.project.sponsors[1]", "empty string"});
  edited("AppendUpperCaseProjectId",
         [](v1::EventData& e) {
           e.mutable_announcement()->mutable_project()->set_project_id("GE");
         },
         project, {"events[0].announcement.project.project_id", "\"GE\""});

  // --- Append: effective times ------------------------------------------
  edited("AppendEffectiveTimeBefore1900",
         [](v1::EventData& e) {
           *e.mutable_effective_time() = Time(Date(1899, 12, 31));
         },
         tariff,
         {"events[0].effective_time", "[1900-01-01, 2200-01-01)",
          "1899-12-31T00:00:00Z"});
  edited("AppendEffectiveTimeAt2200",
         [](v1::EventData& e) {
           *e.mutable_effective_time() = Time(Date(2200, 1, 1));
         },
         tariff, {"events[0].effective_time", "2200-01-01T00:00:00Z"});
  edited("AppendEffectiveTimeNegativeNanos",
         [](v1::EventData& e) { e.mutable_effective_time()->set_nanos(-1); },
         tariff, {"events[0].effective_time.nanos", "got -1"});
  edited("AppendEffectiveTimeInt64MaxSeconds",
         [](v1::EventData& e) {
           *e.mutable_effective_time() = Seconds(kInt64Max);
         },
         tariff, {"events[0].effective_time", "seconds 9223372036854775807"});

  // --- Append: event ids ------------------------------------------------
  {
    v1::EventData a = tariff, b = tariff;
    a.set_event_id("dup-1");
    b.set_event_id("dup-1");
    b.mutable_tariff_change()->set_rate_bps(1600);
    append(
        "AppendDuplicateEventIdWithinBatch", Request(kDeal, {a, b}),
        Code::INVALID_ARGUMENT,
        {"events[1].event_id", "duplicates events[0].event_id", "\"dup-1\""});
  }
  {
    v1::EventData other = tariff;
    other.set_event_id(kSeedTariffId);
    other.mutable_tariff_change()->set_rate_bps(2500);
    append("AppendEventIdReusedAcrossBatchesWithOtherContent",
           Request(kDeal, {other}), Code::ALREADY_EXISTS,
           {"events[0].event_id", kSeedTariffId, "recorded at sequence",
            "different content"});
  }
  {
    // Identical content, but in another deal: not a retry.
    v1::EventData same = TariffEvent("all-goods", 1500, Date(2025, 9, 16));
    same.set_event_id(kSeedTariffId);
    append("AppendEventIdReusedInAnotherDeal", Request("us-korea", {same}),
           Code::ALREADY_EXISTS,
           {"events[0].event_id", kSeedTariffId, "in deal \"us-japan\""});
  }
  {
    v1::EventData recorded = TariffEvent("all-goods", 1500, Date(2025, 9, 16));
    recorded.set_event_id(kSeedTariffId);
    v1::EventData fresh = tariff;
    fresh.set_event_id("fresh-1");
    append("AppendRetryMixingRecordedAndNewEventIds",
           Request(kDeal, {recorded, fresh}), Code::ALREADY_EXISTS,
           {"events[0].event_id", kSeedTariffId, "events[1] is not",
            "repeat the original request exactly"});
  }
  edited("AppendEventIdWithNewline",
         [](v1::EventData& e) { e.set_event_id("line\nbreak"); }, tariff,
         {"events[0].event_id", "printable ASCII", "line\\nbreak"});
  edited("AppendEventIdWithControlByte",
         [](v1::EventData& e) { e.set_event_id(std::string("a\x01z")); },
         tariff, {"events[0].event_id", "a\\x01z"});
  edited("AppendEventIdWithSpace",
         [](v1::EventData& e) { e.set_event_id("two words"); }, tariff,
         {"events[0].event_id", "\"two words\""});
  edited("AppendUnicodeEventId",
         [](v1::EventData& e) { e.set_event_id("événement"); }, tariff,
         {"events[0].event_id", "\\xc3\\xa9v"});
  edited("AppendEventIdOf129Bytes",
         [](v1::EventData& e) { e.set_event_id(std::string(129, 'i')); },
         tariff, {"events[0].event_id", "1..128"});

  // --- Append: rules of the deal ----------------------------------------
  append("AppendToUnannouncedDeal",
         Request("nowhere", {TariffEvent("autos", 1500, Date(2025, 9, 16))}),
         Code::NOT_FOUND, {"deal \"nowhere\" has not been announced"});
  append("AppendApprovalOfUnknownProject",
         Request(kDeal, {ApprovalEvent("ghost", 1, Date(2025, 10, 2))}),
         Code::NOT_FOUND, {"project \"ghost\"", kDeal});
  append("AppendSecondDealAnnouncement",
         Request(kDeal, {DealEvent("Again", 1, Date(2025, 7, 22))}),
         Code::FAILED_PRECONDITION, {"rule deal-announced-once", kDeal});
  append("AppendProjectAnnouncedTwice",
         Request(kDeal, {ProjectEvent(kProject, v1::SECTOR_ENERGY, "TX", 1,
                                      Date(2025, 9, 3))}),
         Code::FAILED_PRECONDITION, {"rule project-announced-once", kProject});
  append("AppendApprovalAbovePledge",
         Request(kDeal,
                 {ApprovalEvent(kProject, 60'000'000'000, Date(2025, 10, 2))}),
         Code::FAILED_PRECONDITION,
         {"rule approval-within-pledge", "11000000000000", "10000000000000"});
  append(
      "AppendDisbursementAboveApprovals",
      Request(kDeal,
              {DisbursementEvent(kProject, 45'000'000'000, Date(2025, 11, 2))}),
      Code::FAILED_PRECONDITION,
      {"rule disbursement-within-approval", "5500000000000", "5000000000000"});
  append("AppendApprovalEffectiveBeforeItsProject",
         Request(kDeal, {ApprovalEvent(kProject, 1, Date(2025, 8, 1))}),
         Code::FAILED_PRECONDITION,
         {"rule effective-order", "2025-08-01", "2025-09-01"});
  append("AppendPledgeAboveCeiling",
         Request(kDeal, {ProjectEvent("huge", v1::SECTOR_ENERGY, "TX",
                                      500'000'000'000, Date(2025, 9, 2))}),
         Code::FAILED_PRECONDITION,
         {"rule pledge-within-ceiling", "60000000000000", "55000000000000"});
  {
    // Three amounts that each fit in 64 bits but whose sum does not; the
    // whole batch (a new deal) is refused and nothing of it is recorded.
    v1::EventData deal = DealEvent("Max", 1, Date(2025, 7, 30));
    deal.mutable_announcement()
        ->mutable_deal()
        ->mutable_commitment_ceiling()
        ->set_minor_units(kInt64Max);
    v1::EventData a =
        ProjectEvent("a", v1::SECTOR_ENERGY, "TX", 1, Date(2025, 8, 1));
    a.mutable_announcement()
        ->mutable_project()
        ->mutable_pledged()
        ->set_minor_units(kInt64Max);
    v1::EventData b =
        ProjectEvent("b", v1::SECTOR_ENERGY, "TX", 1, Date(2025, 8, 1));
    append("AppendPledgesOverflowingInt64", Request("max-deal", {deal, a, b}),
           Code::FAILED_PRECONDITION,
           {"events[2]", "rule amount-overflow", "9223372036854775807 + 100"});
  }
  {
    v1::AppendRequest r = GoodAppend();
    r.mutable_expected_version()->set_exact(2);
    append(
        "AppendStaleExpectedVersion", r, Code::ABORTED,
        {"deal \"us-japan\" is at version 5", "expected_version.exact is 2"});
  }
  {
    v1::AppendRequest r = GoodAppend();
    r.mutable_expected_version()->set_no_deal(true);
    append("AppendNoDealExpectedOnExistingDeal", r, Code::ABORTED,
           {"already exists at version 5", "no deal"});
  }
  {
    v1::AppendRequest r = NewDealAppend("us-taiwan");
    r.mutable_expected_version()->set_exact(3);
    append(
        "AppendExactVersionOnMissingDeal", r, Code::ABORTED,
        {"deal \"us-taiwan\" is at version 0", "expected_version.exact is 3"});
  }

  // --- Requests that do not decode --------------------------------------
  // gRPC's callback API (server_callback_handlers.h in gRPC 1.51) finishes
  // a call whose request does not parse with UNIMPLEMENTED and an empty
  // message, before any pactlog code runs. Proto3 strings must be UTF-8,
  // so invalid UTF-8 in any id lands here too.
  constexpr char kUndecodable[] =
      "UNIMPLEMENTED with an empty message for a request that does not "
      "decode; should be INVALID_ARGUMENT naming the field";
  auto undecodable = [&cases, &kUndecodable](
                         std::string name,
                         std::function<grpc::Status(TestServer&)> call) {
    cases.push_back(BadInputCase{std::move(name),
                                 std::move(call),
                                 Code::UNIMPLEMENTED,
                                 {},
                                 kUndecodable});
  };
  {
    v1::AppendRequest r = GoodAppend();
    r.set_deal_id("us-\xff\xfejapan");
    undecodable("AppendInvalidUtf8DealId",
                [r](TestServer& s) { return SendAppend(s, r); });
  }
  {
    v1::AppendRequest r =
        EditedAppend([](v1::EventData& e) { e.set_event_id("id-\xc3"); });
    undecodable("AppendInvalidUtf8EventId",
                [r](TestServer& s) { return SendAppend(s, r); });
  }
  undecodable("AppendTruncatedProtobufBytes", [](TestServer& s) {
    // Field 1 (deal_id) claims 2^32-1 bytes; there are none.
    return SendRawBytes(s, "/pactlog.v1.DealLedger/Append",
                        std::string("\x0a\xff\xff\xff\xff\x0f", 6));
  });
  undecodable("ListDealsInvalidUtf8PageToken", [](TestServer& s) {
    v1::ListDealsRequest r;
    r.set_page_token("\xff\xfe");
    return SendListDeals(s, r);
  });
  // Subscribe is a raw method (services/event_stream_service.h): pactlog
  // parses its request and says what is wrong.
  cases.push_back(BadInputCase{"SubscribeInvalidUtf8DealIdInFilter",
                               [](TestServer& s) {
                                 v1::SubscribeRequest r = Subscribe();
                                 r.mutable_filter()->add_deal_ids("\x80");
                                 return SendSubscribe(s, r);
                               },
                               Code::INVALID_ARGUMENT,
                               {"pactlog.v1.SubscribeRequest", "UTF-8"}});
  cases.push_back(BadInputCase{
      "SubscribeTruncatedProtobufBytes",
      [](TestServer& s) {
        // Field 4 (filter) claims 2^32-1 bytes; there are none.
        return SendRawBytes(s, "/pactlog.v1.EventStream/Subscribe",
                            std::string("\x22\xff\xff\xff\xff\x0f", 6));
      },
      Code::INVALID_ARGUMENT,
      {"6 bytes", "pactlog.v1.SubscribeRequest"}});

  // --- Queries ----------------------------------------------------------
  auto query = [&cases](std::string name,
                        std::function<grpc::Status(TestServer&)> call,
                        Code code, std::vector<std::string> names) {
    cases.push_back(
        BadInputCase{std::move(name), std::move(call), code, std::move(names)});
  };
  query("GetDealEmptyDealId",
        [](TestServer& s) { return SendGetDeal(s, GetDeal("")); },
        Code::INVALID_ARGUMENT, {"deal_id", "got \"\""});
  query("GetDealControlCharsInDealId",
        [](TestServer& s) { return SendGetDeal(s, GetDeal("us\tjapan")); },
        Code::INVALID_ARGUMENT, {"deal_id", "us\\tjapan"});
  query("GetDealUnknownDeal",
        [](TestServer& s) { return SendGetDeal(s, GetDeal("nowhere")); },
        Code::NOT_FOUND, {"deal \"nowhere\" not found"});
  query("GetDealMinSequenceBeyondTheLog",
        [](TestServer& s) {
          v1::GetDealRequest r = GetDeal(kDeal);
          r.mutable_options()->set_min_sequence(1000);
          return SendGetDeal(s, r);
        },
        Code::OUT_OF_RANGE, {"options.min_sequence 1000", ", 6"});
  query("GetDealAsOfRecordedTimeNegativeNanos",
        [](TestServer& s) {
          v1::GetDealRequest r = GetDeal(kDeal);
          *r.mutable_options()->mutable_as_of()->mutable_recorded_time() =
              Seconds(1'700'000'000, -5);
          return SendGetDeal(s, r);
        },
        Code::INVALID_ARGUMENT,
        {"options.as_of.recorded_time.nanos", "got -5"});
  query("GetDealAsOfEffectiveTimePastYear9999",
        [](TestServer& s) {
          v1::GetDealRequest r = GetDeal(kDeal);
          *r.mutable_options()->mutable_as_of()->mutable_effective_time() =
              Seconds(253402300800);
          return SendGetDeal(s, r);
        },
        Code::INVALID_ARGUMENT,
        {"options.as_of.effective_time", "seconds 253402300800"});
  query("GetDealAsOfBothTimesInvalidListsBoth",
        [](TestServer& s) {
          v1::GetDealRequest r = GetDeal("Bad");
          auto* as_of = r.mutable_options()->mutable_as_of();
          *as_of->mutable_effective_time() = Seconds(kInt64Min);
          *as_of->mutable_recorded_time() = Seconds(0, 1'000'000'000);
          return SendGetDeal(s, r);
        },
        Code::INVALID_ARGUMENT,
        {"deal_id", "options.as_of.recorded_time.nanos",
         "options.as_of.effective_time", "seconds -9223372036854775808"});
  query("GetDealAsOfRecordedTimeBeforeTheDeal",
        [](TestServer& s) {
          v1::GetDealRequest r = GetDeal(kDeal);
          *r.mutable_options()->mutable_as_of()->mutable_recorded_time() =
              Time(Date(2020, 1, 1));
          return SendGetDeal(s, r);
        },
        Code::NOT_FOUND,
        {"deal \"us-japan\" not found at the requested as_of"});
  query("GetDealAsOfEffectiveTimeBeforeTheDeal",
        [](TestServer& s) {
          v1::GetDealRequest r = GetDeal(kDeal);
          *r.mutable_options()->mutable_as_of()->mutable_effective_time() =
              Time(Date(2024, 1, 1));
          return SendGetDeal(s, r);
        },
        Code::NOT_FOUND, {"not found at the requested as_of"});
  query("ListDealsNegativePageSize",
        [](TestServer& s) {
          v1::ListDealsRequest r;
          r.set_page_size(-1);
          return SendListDeals(s, r);
        },
        Code::INVALID_ARGUMENT, {"page_size", "got -1"});
  query("ListDealsPageSize1001",
        [](TestServer& s) {
          v1::ListDealsRequest r;
          r.set_page_size(1001);
          return SendListDeals(s, r);
        },
        Code::INVALID_ARGUMENT, {"page_size: must be 1..1000", "got 1001"});
  query("ListDealsGarbagePageToken",
        [](TestServer& s) {
          v1::ListDealsRequest r;
          r.set_page_token("next page, please");
          return SendListDeals(s, r);
        },
        Code::INVALID_ARGUMENT, {"page_token", "\"next page, please\""});
  query("ListProjectsGarbagePageToken",
        [](TestServer& s) {
          v1::ListProjectsRequest r;
          r.set_deal_id(kDeal);
          r.set_page_token("../../etc");
          return SendListProjects(s, r);
        },
        Code::INVALID_ARGUMENT, {"page_token", "\"../../etc\""});
  query("ListProjectsUnknownStatusValue",
        [](TestServer& s) {
          v1::ListProjectsRequest r;
          r.set_deal_id(kDeal);
          r.set_status(static_cast<v1::ProjectStatus>(42));
          return SendListProjects(s, r);
        },
        Code::INVALID_ARGUMENT, {"status", "42"});
  query("ListProjectsUnknownSectorValue",
        [](TestServer& s) {
          v1::ListProjectsRequest r;
          r.set_deal_id(kDeal);
          r.set_sector(static_cast<v1::Sector>(-3));
          return SendListProjects(s, r);
        },
        Code::INVALID_ARGUMENT, {"sector", "-3"});
  query("ListProjectsUnknownUsState",
        [](TestServer& s) {
          v1::ListProjectsRequest r;
          r.set_deal_id(kDeal);
          r.set_us_state("ZZ");
          return SendListProjects(s, r);
        },
        Code::INVALID_ARGUMENT, {"us_state", "\"ZZ\""});
  // ListProjects echoes us_state whole and unescaped: a megabyte value
  // makes a megabyte grpc-message trailer, which the client refuses, and
  // the connection it came on then fails later calls too. So this case
  // uses a connection of its own.
  cases.push_back(
      BadInputCase{"ListProjectsMegabyteUsState",
                   [](TestServer& s) {
                     // Its own connection: channels to one address share
                     // connections unless told not to.
                     grpc::ChannelArguments args;
                     args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
                     auto channel = grpc::CreateCustomChannel(
                         s.address(), grpc::InsecureChannelCredentials(), args);
                     v1::ListProjectsRequest r;
                     r.set_deal_id(kDeal);
                     r.set_us_state(std::string(1 << 20, 'Z'));
                     v1::ListProjectsResponse response;
                     return v1::DealQuery::NewStub(channel)->ListProjects(
                         Context().get(), r, &response);
                   },
                   Code::RESOURCE_EXHAUSTED,
                   {"received initial metadata size exceeds limit"},
                   "the us_state violation echoes the whole value: should be "
                   "INVALID_ARGUMENT naming us_state with a bounded echo"});
  query("GetProjectMalformedProjectId",
        [](TestServer& s) {
          v1::GetProjectRequest r;
          r.set_deal_id(kDeal);
          r.set_project_id("-starts-with-dash");
          return SendGetProject(s, r);
        },
        Code::INVALID_ARGUMENT, {"project_id", "\"-starts-with-dash\""});
  query("GetProjectUnknownProject",
        [](TestServer& s) {
          v1::GetProjectRequest r;
          r.set_deal_id(kDeal);
          r.set_project_id("ghost");
          return SendGetProject(s, r);
        },
        Code::NOT_FOUND, {"\"ghost\"", kDeal});
  query("GetTariffsMalformedCategory",
        [](TestServer& s) {
          v1::GetTariffsRequest r;
          r.set_deal_id(kDeal);
          r.set_product_category("All Goods");
          return SendGetTariffs(s, r);
        },
        Code::INVALID_ARGUMENT, {"product_category", "\"All Goods\""});
  query("GetTariffsUnknownCategory",
        [](TestServer& s) {
          v1::GetTariffsRequest r;
          r.set_deal_id(kDeal);
          r.set_product_category("spaceships");
          return SendGetTariffs(s, r);
        },
        Code::NOT_FOUND, {"spaceships"});

  // --- EventStream.Read -------------------------------------------------
  query("ReadNegativeLimit",
        [](TestServer& s) {
          v1::ReadRequest r;
          r.set_limit(-1);
          return SendRead(s, r);
        },
        Code::INVALID_ARGUMENT, {"limit", "got -1"});
  query("ReadLimit1001",
        [](TestServer& s) {
          v1::ReadRequest r;
          r.set_limit(1001);
          return SendRead(s, r);
        },
        Code::INVALID_ARGUMENT, {"limit", "got 1001"});
  query("ReadUnknownKindValue",
        [](TestServer& s) {
          v1::ReadRequest r;
          r.mutable_filter()->add_kinds(static_cast<v1::EventKind>(77));
          return SendRead(s, r);
        },
        Code::INVALID_ARGUMENT, {"filter.kinds[0]", "EventKind", "77"});
  query("ReadUnspecifiedKind",
        [](TestServer& s) {
          v1::ReadRequest r;
          r.mutable_filter()->add_kinds(v1::EVENT_KIND_APPROVAL);
          r.mutable_filter()->add_kinds(v1::EVENT_KIND_UNSPECIFIED);
          return SendRead(s, r);
        },
        Code::INVALID_ARGUMENT, {"filter.kinds[1]", "EVENT_KIND_UNSPECIFIED"});
  query("ReadMalformedDealIdInFilter",
        [](TestServer& s) {
          v1::ReadRequest r;
          r.mutable_filter()->add_deal_ids(kDeal);
          r.mutable_filter()->add_deal_ids("US JAPAN");
          return SendRead(s, r);
        },
        Code::INVALID_ARGUMENT, {"filter.deal_ids[1]", "\"US JAPAN\""});
  query("ReadUnknownSectorValue",
        [](TestServer& s) {
          v1::ReadRequest r;
          r.mutable_filter()->add_sectors(static_cast<v1::Sector>(12));
          return SendRead(s, r);
        },
        Code::INVALID_ARGUMENT, {"filter.sectors[0]", "12"});
  query("ReadMalformedProductCategory",
        [](TestServer& s) {
          v1::ReadRequest r;
          r.mutable_filter()->add_product_categories("autos\x7f");
          return SendRead(s, r);
        },
        Code::INVALID_ARGUMENT, {"filter.product_categories[0]", "autos\\x7f"});

  // --- EventStream.Subscribe --------------------------------------------
  query("SubscribeAfterSequenceBeyondTheLog",
        [](TestServer& s) {
          v1::SubscribeRequest r = Subscribe();
          r.set_after_sequence(7);
          return SendSubscribe(s, r);
        },
        Code::OUT_OF_RANGE, {"after_sequence 7", ", 6"});
  query("SubscribeAfterSequenceUint64Max",
        [](TestServer& s) {
          v1::SubscribeRequest r = Subscribe();
          r.set_after_sequence(std::numeric_limits<uint64_t>::max());
          return SendSubscribe(s, r);
        },
        Code::OUT_OF_RANGE, {"after_sequence 18446744073709551615"});
  query("SubscribeMaxEventsPerMessage1001",
        [](TestServer& s) {
          v1::SubscribeRequest r = Subscribe();
          r.set_max_events_per_message(1001);
          return SendSubscribe(s, r);
        },
        Code::INVALID_ARGUMENT, {"max_events_per_message", "got 1001"});
  query("SubscribeNegativeMaxEventsPerMessage",
        [](TestServer& s) {
          v1::SubscribeRequest r = Subscribe();
          r.set_max_events_per_message(-1);
          return SendSubscribe(s, r);
        },
        Code::INVALID_ARGUMENT, {"max_events_per_message", "got -1"});
  query("SubscribeHeartbeatTooShort",
        [](TestServer& s) {
          v1::SubscribeRequest r = Subscribe();
          r.set_heartbeat_interval_ms(99);
          return SendSubscribe(s, r);
        },
        Code::INVALID_ARGUMENT,
        {"heartbeat_interval_ms", "100..600000", "got 99"});
  query("SubscribeHeartbeatTooLong",
        [](TestServer& s) {
          v1::SubscribeRequest r = Subscribe();
          r.set_heartbeat_interval_ms(600001);
          return SendSubscribe(s, r);
        },
        Code::INVALID_ARGUMENT, {"heartbeat_interval_ms", "got 600001"});
  query("SubscribeFromRecordedTimeBadNanos",
        [](TestServer& s) {
          v1::SubscribeRequest r = Subscribe();
          *r.mutable_from_recorded_time() =
              Seconds(1'700'000'000, 1'000'000'000);
          return SendSubscribe(s, r);
        },
        Code::INVALID_ARGUMENT, {"from_recorded_time.nanos", "1000000000"});
  query("SubscribeUnknownKindInFilter",
        [](TestServer& s) {
          v1::SubscribeRequest r = Subscribe();
          r.mutable_filter()->add_kinds(static_cast<v1::EventKind>(-7));
          return SendSubscribe(s, r);
        },
        Code::INVALID_ARGUMENT, {"filter.kinds[0]", "-7"});
  query("SubscribeMalformedDealIdInFilter",
        [](TestServer& s) {
          v1::SubscribeRequest r = Subscribe();
          r.mutable_filter()->add_deal_ids("");
          return SendSubscribe(s, r);
        },
        Code::INVALID_ARGUMENT, {"filter.deal_ids[0]", "got \"\""});
  return cases;
}

// ---------------------------------------------------------------------------
// The fixture: a seeded log and a snapshot of everything observable.

// What a client can observe of the whole record.
struct Observed {
  uint64_t head = 0;
  std::vector<v1::Event> events;
  std::vector<v1::DealState> deals;
};

class BadInputTest : public ServerTest,
                     public ::testing::WithParamInterface<BadInputCase> {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    v1::EventData tariff = TariffEvent("all-goods", 1500, Date(2025, 9, 16));
    tariff.set_event_id(kSeedTariffId);
    // us-japan: deal, project (pledge 100B), approval 50B, disbursement
    // 10B, tariff; then us-korea: 6 events, deal us-japan at version 5.
    const std::vector<v1::AppendRequest> seed = {
        Request(kDeal,
                {DealEvent("US-Japan", 550'000'000'000, Date(2025, 7, 22)),
                 ProjectEvent(kProject, v1::SECTOR_ENERGY, "TX",
                              100'000'000'000, Date(2025, 9, 1))}),
        Request(kDeal,
                {ApprovalEvent(kProject, 50'000'000'000, Date(2025, 10, 1))}),
        Request(kDeal,
                {DisbursementEvent(kProject, 10'000'000'000, Date(2025, 11, 1)),
                 tariff}),
        NewDealAppend("us-korea"),
    };
    for (const v1::AppendRequest& request : seed) {
      grpc::Status status = Append(*server_, request);
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
  }

  Observed Observe() {
    Observed out;
    v1::ReadRequest read;
    read.set_limit(1000);
    while (true) {
      v1::ReadResponse page;
      grpc::Status status =
          server_->stream().Read(Context().get(), read, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      out.head = page.head_sequence();
      for (const v1::Event& e : page.events()) out.events.push_back(e);
      if (page.last_examined_sequence() >= page.head_sequence()) break;
      read.set_after_sequence(page.last_examined_sequence());
    }
    v1::ListDealsRequest list;
    v1::ListDealsResponse deals;
    grpc::Status status =
        server_->query().ListDeals(Context().get(), list, &deals);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const v1::DealState& deal : deals.deals()) {
      v1::DealState copy = deal;
      // Tariffs in force are evaluated at the server's clock, which the
      // test holds still; clear it anyway so only the record is compared.
      copy.clear_tariffs_evaluated_at();
      out.deals.push_back(std::move(copy));
    }
    return out;
  }

  static void ExpectSame(const Observed& before, const Observed& after) {
    EXPECT_EQ(after.head, before.head) << "the head sequence moved";
    ASSERT_EQ(after.events.size(), before.events.size());
    for (size_t i = 0; i < before.events.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(before.events[i], after.events[i]))
          << "event " << i << " changed:\n"
          << before.events[i].DebugString() << "\nvs\n"
          << after.events[i].DebugString();
    }
    ASSERT_EQ(after.deals.size(), before.deals.size());
    for (size_t i = 0; i < before.deals.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(before.deals[i], after.deals[i]))
          << "deal " << before.deals[i].deal_id() << " changed";
    }
  }
};

TEST_P(BadInputTest, IsRefusedWithTheRightCodeNamingTheFieldAndChangesNothing) {
  const BadInputCase& c = GetParam();
  const Observed before = Observe();
  ASSERT_EQ(before.head, 6u);

  if (!c.known_gap.empty()) RecordProperty("known_gap", c.known_gap);

  const grpc::Status status = c.call(*server_);
  EXPECT_EQ(status.error_code(), c.code)
      << "message: " << status.error_message().substr(0, 500);
  for (const std::string& name : c.names) {
    EXPECT_THAT(status.error_message(), HasSubstr(name));
  }
  EXPECT_LE(status.error_message().size(), kMaxMessageBytes);

  ExpectSame(before, Observe());

  // No sequence or deal version was consumed on the side: the next good
  // append lands exactly after the old head.
  v1::AppendResponse probe;
  grpc::Status probed = Append(*server_, GoodAppend(), &probe);
  ASSERT_TRUE(probed.ok()) << probed.error_message();
  EXPECT_THAT(probe.sequences(), ::testing::ElementsAre(before.head + 1));
  EXPECT_EQ(probe.deal_version(), 6u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadInputTest, ::testing::ValuesIn(Cases()),
    [](const ::testing::TestParamInfo<BadInputCase>& info) {
      return info.param.name;
    });

// min_sequence asks for an answer reflecting at least that sequence; an
// as_of.sequence below it makes that impossible, so the request is
// contradictory and refused, naming both fields.
TEST_F(BadInputTest, MinSequenceAboveAsOfSequenceIsInvalidArgumentNamingBoth) {
  v1::GetDealRequest request = GetDeal(kDeal);
  request.mutable_options()->mutable_as_of()->set_sequence(2);
  request.mutable_options()->set_min_sequence(5);
  v1::GetDealResponse response;
  grpc::Status status =
      server_->query().GetDeal(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << "answered log_sequence " << response.log_sequence();
  EXPECT_THAT(status.error_message(), HasSubstr("options.min_sequence"));
  EXPECT_THAT(status.error_message(), HasSubstr("options.as_of.sequence"));
}

// The table is the spec; keep it from shrinking unnoticed.
TEST(BadInputTableTest, HasAtLeastFortyCasesWithDistinctNames) {
  const std::vector<BadInputCase> cases = Cases();
  EXPECT_GE(cases.size(), 40u);
  std::set<std::string> names;
  for (const BadInputCase& c : cases) {
    EXPECT_TRUE(names.insert(c.name).second) << "duplicate case " << c.name;
    EXPECT_TRUE(!c.names.empty() || !c.known_gap.empty())
        << c.name << " checks no message";
  }
}

}  // namespace
}  // namespace pactlog::testing
