#include "domain/validation.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "domain/limits.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace pactlog::domain {
namespace {

using ::pactlog::v1::AppendRequest;
using ::pactlog::v1::EventData;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

template <typename Message>
Message Parse(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message))
      << text;
  return message;
}

// A request that passes validation: one event of every kind.
AppendRequest ValidRequest() {
  return Parse<AppendRequest>(R"pb(
    deal_id: "us-japan-2025"
    actor: "clerk@example.org"
    events {
      event_id: "deal-1"
      effective_time { seconds: 1753142400 }
      provenance {
        source: "https://example.org/fact-sheet"
        firmness: FIRMNESS_CONFIRMED
      }
      announcement {
        deal {
          title: "US-Japan Strategic Investment Framework"
          investor_country: "JP"
          host_country: "US"
          commitment_ceiling {
            currency_code: "USD"
            minor_units: 55000000000000
          }
          tariff_caps { product_category: "all-goods" max_rate_bps: 1500 }
          tariff_caps { product_category: "autos" max_rate_bps: 1500 }
        }
      }
    }
    events {
      event_id: "project-1"
      provenance {
        source: "fact sheet"
        firmness: FIRMNESS_OFFICIALLY_ANNOUNCED
      }
      announcement {
        project {
          project_id: "fujikura-fiber"
          name: "Fiber-optic cable"
          sector: SECTOR_ELECTRONICS
          us_state: "SC"
          sponsors: "Fujikura"
          pledged { currency_code: "USD" minor_units: 2000000000000 }
        }
      }
    }
    events {
      provenance { source: "committee minutes" firmness: FIRMNESS_REPORTED }
      approval {
        project_id: "fujikura-fiber"
        amount { currency_code: "USD" minor_units: 100 }
        approving_body: "US Investment Committee"
      }
    }
    events {
      provenance { source: "JBIC release" firmness: FIRMNESS_CONFIRMED }
      disbursement {
        project_id: "fujikura-fiber"
        amount { currency_code: "USD" minor_units: 50 }
        funding_source: FUNDING_SOURCE_JBIC
        tranche: "T1"
      }
    }
    events {
      provenance { source: "Federal Register" firmness: FIRMNESS_CONFIRMED }
      tariff_change {
        product_category: "all-goods"
        rate_bps: 1500
        legal_instrument: "Executive Order 14345"
        reason: "implements the framework"
      }
    }
  )pb");
}

// A request with a single event, valid except for what the caller changes.
AppendRequest RequestWith(const EventData& event) {
  AppendRequest request;
  request.set_deal_id("us-japan-2025");
  request.set_actor("clerk");
  *request.add_events() = event;
  return request;
}

EventData ValidEvent(int index) { return ValidRequest().events(index); }

auto HasViolation(std::string field, std::string description_part) {
  return Contains(
      AllOf(Field(&FieldViolation::field, field),
            Field(&FieldViolation::description, HasSubstr(description_part))));
}

std::vector<std::string> FieldsOf(const std::vector<FieldViolation>& v) {
  std::vector<std::string> fields;
  for (const auto& violation : v) fields.push_back(violation.field);
  return fields;
}

TEST(ValidationTest, ValidRequestOfEveryKindHasNoViolations) {
  EXPECT_THAT(AppendRequestViolations(ValidRequest()), IsEmpty());
  EXPECT_TRUE(ValidateAppendRequest(ValidRequest()).ok());
}

TEST(ValidationTest, DealIdMustBeSlug) {
  for (std::string bad : std::vector<std::string>{
           "", "Bad Id", "-starts-with-dash", ".dot", "UPPER", "a/b",
           std::string(kMaxSlugBytes + 1, 'a')}) {
    AppendRequest request = ValidRequest();
    request.set_deal_id(bad);
    EXPECT_THAT(AppendRequestViolations(request),
                HasViolation("deal_id", "must be a slug of 1..64 [a-z0-9._-]"))
        << bad;
  }
  for (std::string good : std::vector<std::string>{
           "a", "0", "us-japan_2025.v1", std::string(kMaxSlugBytes, 'z')}) {
    AppendRequest request = ValidRequest();
    request.set_deal_id(good);
    EXPECT_THAT(AppendRequestViolations(request), IsEmpty()) << good;
  }
}

TEST(ValidationTest, SlugViolationNamesTheValue) {
  std::vector<FieldViolation> out;
  CheckSlug("deal_id", "Bad Id", &out);
  EXPECT_THAT(out, ElementsAre(FieldViolation{
                       "deal_id",
                       "must be a slug of 1..64 [a-z0-9._-] starting with a "
                       "letter or digit, got \"Bad Id\""}));
}

TEST(ValidationTest, EchoedValuesAreTruncatedAndEscaped) {
  std::vector<FieldViolation> out;
  CheckSlug("deal_id", std::string(300, 'X'), &out);
  CheckSlug("project_id", std::string("a\x01\n\"b", 5), &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_THAT(out[0].description, HasSubstr(std::string(80, 'X') + "\"..."));
  EXPECT_THAT(out[0].description, Not(HasSubstr(std::string(81, 'X'))));
  EXPECT_THAT(out[0].description, HasSubstr("300 bytes"));
  EXPECT_THAT(out[1].description, HasSubstr(R"("a\x01\n\"b")"));
}

TEST(ValidationTest, ActorMustBe1To128Bytes) {
  AppendRequest request = ValidRequest();
  request.set_actor("");
  EXPECT_THAT(AppendRequestViolations(request),
              HasViolation("actor", "must be 1..128 bytes, got an empty"));
  request.set_actor(std::string(kMaxActorBytes + 1, 'a'));
  EXPECT_THAT(AppendRequestViolations(request),
              HasViolation("actor", "got 129 bytes"));
  request.set_actor(std::string(kMaxActorBytes, 'a'));
  EXPECT_THAT(AppendRequestViolations(request), IsEmpty());
}

TEST(ValidationTest, RequestWithoutEventsIsInvalidArgument) {
  AppendRequest request = ValidRequest();
  request.clear_events();
  absl::Status status = ValidateAppendRequest(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "invalid request: events: at least one event is required");
}

TEST(ValidationTest, TooManyEventsIsResourceExhaustedNamingLimitAndCount) {
  AppendRequest request = ValidRequest();
  request.set_deal_id("Not A Slug");  // not reported: the count goes first
  request.clear_events();
  const EventData event = ValidEvent(4);
  for (int i = 0; i < kMaxEventsPerAppend + 1; ++i) {
    *request.add_events() = event;
  }
  absl::Status status = ValidateAppendRequest(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("1000"));
  EXPECT_THAT(status.message(), HasSubstr("1001"));
  EXPECT_THAT(status.message(), Not(HasSubstr("deal_id")));
  EXPECT_THAT(AppendRequestViolations(request),
              HasViolation("events", "at most 1000 events, got 1001"));
}

TEST(ValidationTest, ExactlyTheEventLimitIsAccepted) {
  AppendRequest request = ValidRequest();
  request.clear_events();
  const EventData event = ValidEvent(4);
  for (int i = 0; i < kMaxEventsPerAppend; ++i) {
    *request.add_events() = event;
  }
  EXPECT_TRUE(ValidateAppendRequest(request).ok());
}

TEST(ValidationTest, EventIdMustBeEmptyOrPrintableAscii) {
  for (std::string bad : {std::string("has space"), std::string("tab\t"),
                          std::string("caf\xc3\xa9"), std::string(1, '\x7f'),
                          std::string(kMaxEventIdBytes + 1, 'e')}) {
    EventData event = ValidEvent(4);
    event.set_event_id(bad);
    EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
                HasViolation("events[0].event_id",
                             "must be empty or 1..128 printable ASCII"))
        << bad;
  }
  for (std::string good : {std::string(""), std::string("!~"),
                           std::string(kMaxEventIdBytes, 'e')}) {
    EventData event = ValidEvent(4);
    event.set_event_id(good);
    EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty()) << good;
  }
}

TEST(ValidationTest, EventIdRepeatedWithinRequestIsViolation) {
  AppendRequest request = ValidRequest();
  request.mutable_events(3)->set_event_id("project-1");
  EXPECT_THAT(AppendRequestViolations(request),
              ElementsAre(FieldViolation{
                  "events[3].event_id",
                  "duplicates events[1].event_id \"project-1\" (event ids are "
                  "unique)"}));
}

TEST(ValidationTest, EmptyEventIdsAreNotDuplicates) {
  AppendRequest request = ValidRequest();
  request.mutable_events(0)->clear_event_id();
  request.mutable_events(1)->clear_event_id();
  EXPECT_THAT(AppendRequestViolations(request), IsEmpty());
}

TEST(ValidationTest, EffectiveTimeMustBeValidAndWithinBounds) {
  struct Case {
    int64_t seconds;
    int32_t nanos;
    bool valid;
  };
  const Case cases[] = {
      {-2208988800, 0, true},           // 1900-01-01T00:00:00Z
      {-2208988801, 999999999, false},  // 1899-12-31T23:59:59.999999999Z
      {7258118399, 999999999, true},    // 2199-12-31T23:59:59.999999999Z
      {7258118400, 0, false},           // 2200-01-01T00:00:00Z
      {0, -1, false},
      {0, 1000000000, false},
      {INT64_MAX, 0, false},
  };
  for (const Case& c : cases) {
    EventData event = ValidEvent(4);
    event.mutable_effective_time()->set_seconds(c.seconds);
    event.mutable_effective_time()->set_nanos(c.nanos);
    auto violations = AppendRequestViolations(RequestWith(event));
    if (c.valid) {
      EXPECT_THAT(violations, IsEmpty()) << c.seconds << " " << c.nanos;
    } else {
      ASSERT_EQ(violations.size(), 1u) << c.seconds << " " << c.nanos;
      EXPECT_THAT(violations[0].field, HasSubstr("events[0].effective_time"));
    }
  }
}

TEST(ValidationTest, EffectiveTimeViolationNamesRangeAndValue) {
  EventData event = ValidEvent(4);
  event.mutable_effective_time()->set_seconds(7258118400);
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      ElementsAre(FieldViolation{"events[0].effective_time",
                                 "must lie in [1900-01-01, 2200-01-01), got "
                                 "2200-01-01T00:00:00Z"}));
  event.mutable_effective_time()->set_nanos(-5);
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              ElementsAre(FieldViolation{"events[0].effective_time.nanos",
                                         "must be 0..999999999, got -5"}));
}

TEST(ValidationTest, ProvenanceIsRequired) {
  EventData event = ValidEvent(4);
  event.clear_provenance();
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      ElementsAre(FieldViolation{"events[0].provenance", "is required"}));
}

TEST(ValidationTest, ProvenanceSourceMustBe1To2048Bytes) {
  EventData event = ValidEvent(4);
  event.mutable_provenance()->set_source("");
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].provenance.source", "1..2048 bytes"));
  event.mutable_provenance()->set_source(std::string(kMaxSourceBytes + 1, 's'));
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].provenance.source", "got 2049 bytes"));
  event.mutable_provenance()->set_source(std::string(kMaxSourceBytes, 's'));
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty());
}

TEST(ValidationTest, FirmnessMustBeSpecifiedAndKnown) {
  EventData event = ValidEvent(4);
  event.mutable_provenance()->set_firmness(v1::FIRMNESS_UNSPECIFIED);
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].provenance.firmness",
                           "must be specified, got FIRMNESS_UNSPECIFIED"));
  event.mutable_provenance()->set_firmness(static_cast<v1::Firmness>(42));
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].provenance.firmness",
                           "must be a known Firmness value, got 42"));
}

TEST(ValidationTest, EventWithoutKindIsViolation) {
  EventData event = ValidEvent(4);
  event.clear_tariff_change();
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              ElementsAre(FieldViolation{
                  "events[0].kind",
                  "must set one of announcement, approval, disbursement, "
                  "tariff_change, amendment"}));
}

TEST(ValidationTest, AnnouncementWithoutSubjectIsViolation) {
  EventData event = ValidEvent(4);
  event.mutable_announcement();
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              ElementsAre(FieldViolation{"events[0].announcement.subject",
                                         "must set one of deal, project, "
                                         "allocation, project_site, terms"}));
}

TEST(ValidationTest, DealTitleMustBe1To256Bytes) {
  EventData event = ValidEvent(0);
  auto* deal = event.mutable_announcement()->mutable_deal();
  deal->set_title("");
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].announcement.deal.title",
                           "must be 1..256 bytes"));
  deal->set_title(std::string(kMaxTitleBytes + 1, 't'));
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].announcement.deal.title", "got 257"));
}

TEST(ValidationTest, CountriesMustBeTwoUpperCaseLetters) {
  for (std::string bad : {"", "jp", "JPN", "J1"}) {
    EventData event = ValidEvent(0);
    event.mutable_announcement()->mutable_deal()->set_investor_country(bad);
    event.mutable_announcement()->mutable_deal()->set_host_country(bad);
    auto violations = AppendRequestViolations(RequestWith(event));
    EXPECT_THAT(violations,
                HasViolation("events[0].announcement.deal.investor_country",
                             "two upper-case letters"))
        << bad;
    EXPECT_THAT(violations,
                HasViolation("events[0].announcement.deal.host_country",
                             absl::StrCat("got \"", bad, "\"")))
        << bad;
    EXPECT_EQ(violations.size(), 2u) << bad;
  }
}

TEST(ValidationTest, HostCountryMustDifferFromInvestor) {
  EventData event = ValidEvent(0);
  event.mutable_announcement()->mutable_deal()->set_host_country("JP");
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              ElementsAre(FieldViolation{
                  "events[0].announcement.deal.host_country",
                  "must differ from investor_country, both are \"JP\""}));
}

TEST(ValidationTest, CommitmentCeilingIsRequired) {
  EventData event = ValidEvent(0);
  event.mutable_announcement()->mutable_deal()->clear_commitment_ceiling();
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      ElementsAre(FieldViolation{
          "events[0].announcement.deal.commitment_ceiling", "is required"}));
}

TEST(ValidationTest, MoneyNeedsCurrencyCodeAndPositiveAmount) {
  EventData event = ValidEvent(0);
  auto* ceiling = event.mutable_announcement()
                      ->mutable_deal()
                      ->mutable_commitment_ceiling();
  ceiling->set_currency_code("usd");
  ceiling->set_minor_units(-5);
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      ElementsAre(
          FieldViolation{
              "events[0].announcement.deal.commitment_ceiling.currency_code",
              "must be three upper-case letters (ISO 4217), got \"usd\""},
          FieldViolation{
              "events[0].announcement.deal.commitment_ceiling.minor_units",
              "must be > 0, got -5"}));
  ceiling->set_currency_code("US");
  ceiling->set_minor_units(0);
  auto violations = AppendRequestViolations(RequestWith(event));
  EXPECT_THAT(
      violations,
      HasViolation(
          "events[0].announcement.deal.commitment_ceiling.currency_code",
          "got \"US\""));
  EXPECT_THAT(
      violations,
      HasViolation("events[0].announcement.deal.commitment_ceiling.minor_units",
                   "must be > 0, got 0"));
}

TEST(ValidationTest, TariffCapsNeedSlugCategoryAndRateInRange) {
  EventData event = ValidEvent(0);
  auto* deal = event.mutable_announcement()->mutable_deal();
  deal->mutable_tariff_caps(0)->set_product_category("All Goods");
  deal->mutable_tariff_caps(0)->set_max_rate_bps(-1);
  deal->mutable_tariff_caps(1)->set_max_rate_bps(kMaxRateBps + 1);
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      ElementsAre(
          FieldViolation{
              "events[0].announcement.deal.tariff_caps[0].product_category",
              "must be a slug of 1..64 [a-z0-9._-] starting with a letter or "
              "digit, got \"All Goods\""},
          FieldViolation{
              "events[0].announcement.deal.tariff_caps[0].max_rate_bps",
              "must be 0..100000 basis points, got -1"},
          FieldViolation{
              "events[0].announcement.deal.tariff_caps[1].max_rate_bps",
              "must be 0..100000 basis points, got 100001"}));
  deal->mutable_tariff_caps(0)->set_product_category("all-goods");
  deal->mutable_tariff_caps(0)->set_max_rate_bps(0);
  deal->mutable_tariff_caps(1)->set_max_rate_bps(kMaxRateBps);
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty());
}

TEST(ValidationTest, TariffCapCategoryRepeatedIsViolation) {
  EventData event = ValidEvent(0);
  auto* deal = event.mutable_announcement()->mutable_deal();
  *deal->add_tariff_caps() = deal->tariff_caps(0);
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              ElementsAre(FieldViolation{
                  "events[0].announcement.deal.tariff_caps[2].product_category",
                  "duplicates events[0].announcement.deal.tariff_caps[0]."
                  "product_category \"all-goods\" (one cap per category)"}));
}

TEST(ValidationTest, AtMost256TariffCaps) {
  EventData event = ValidEvent(0);
  auto* deal = event.mutable_announcement()->mutable_deal();
  deal->clear_tariff_caps();
  for (std::size_t i = 0; i < kMaxTariffCaps; ++i) {
    auto* cap = deal->add_tariff_caps();
    cap->set_product_category(absl::StrCat("c", i));
    cap->set_max_rate_bps(1500);
  }
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty());
  auto* cap = deal->add_tariff_caps();
  cap->set_product_category("one-more");
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      ElementsAre(FieldViolation{"events[0].announcement.deal.tariff_caps",
                                 "must hold at most 256 caps, got 257"}));
}

TEST(ValidationTest, ProjectIdMustBeSlug) {
  EventData event = ValidEvent(1);
  event.mutable_announcement()->mutable_project()->set_project_id("Fujikura");
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].announcement.project.project_id",
                           "got \"Fujikura\""));
}

TEST(ValidationTest, ProjectNameMustBe1To256Bytes) {
  EventData event = ValidEvent(1);
  auto* project = event.mutable_announcement()->mutable_project();
  project->set_name("");
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      HasViolation("events[0].announcement.project.name", "1..256 bytes"));
  project->set_name(std::string(kMaxNameBytes + 1, 'n'));
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].announcement.project.name", "257"));
  project->set_name(std::string(kMaxNameBytes, 'n'));
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty());
}

TEST(ValidationTest, SectorMustBeSpecifiedAndKnown) {
  EventData event = ValidEvent(1);
  auto* project = event.mutable_announcement()->mutable_project();
  project->set_sector(v1::SECTOR_UNSPECIFIED);
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].announcement.project.sector",
                           "must be specified, got SECTOR_UNSPECIFIED"));
  project->set_sector(static_cast<pactlog::v1::Sector>(99));
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].announcement.project.sector",
                           "must be a known Sector value, got 99"));
}

TEST(ValidationTest, UsStateMayBeEmptyUntilTheSiteIsKnown) {
  EventData event = ValidEvent(1);
  event.mutable_announcement()->mutable_project()->clear_us_state();
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty());
}

TEST(ValidationTest, UsStateMustBeKnownPostalCode) {
  for (std::string bad : {"XX", "tx", "TEX", "UK"}) {
    EventData event = ValidEvent(1);
    event.mutable_announcement()->mutable_project()->set_us_state(bad);
    EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
                HasViolation("events[0].announcement.project.us_state",
                             absl::StrCat("got \"", bad, "\"")))
        << bad;
  }
}

EventData AllocationEvent() {
  EventData event = ValidEvent(1);
  *event.mutable_announcement() = Parse<pactlog::v1::Announcement>(R"pb(
    allocation {
      allocation_id: "cooling"
      name: "Cooling infrastructure"
      basis: ALLOCATION_BASIS_SECTOR
      sector: SECTOR_ENERGY
      cap { currency_code: "USD" minor_units: 2000000000000 }
      scope: "cooling for the grid"
      lead_companies { name: "Westinghouse" country: "US" }
      lead_companies { name: "GE" }
      parent_allocation_id: "energy"
    }
  )pb");
  return event;
}

TEST(ValidationTest, AValidAllocationHasNoViolation) {
  EXPECT_THAT(AppendRequestViolations(RequestWith(AllocationEvent())),
              IsEmpty());
  EventData without_cap = AllocationEvent();
  auto* allocation = without_cap.mutable_announcement()->mutable_allocation();
  allocation->clear_cap();
  allocation->set_sector(pactlog::v1::SECTOR_UNSPECIFIED);  // spans sectors
  allocation->clear_parent_allocation_id();
  EXPECT_THAT(AppendRequestViolations(RequestWith(without_cap)), IsEmpty());
}

TEST(ValidationTest, AllocationFieldsAreChecked) {
  EventData event = AllocationEvent();
  auto* allocation = event.mutable_announcement()->mutable_allocation();
  allocation->set_allocation_id("Cooling");
  allocation->set_name("");
  allocation->set_basis(pactlog::v1::ALLOCATION_BASIS_UNSPECIFIED);
  allocation->set_sector(static_cast<pactlog::v1::Sector>(99));
  allocation->mutable_cap()->set_minor_units(0);
  allocation->set_scope(std::string(1025, 's'));
  allocation->mutable_lead_companies(0)->set_name("");
  allocation->mutable_lead_companies(1)->set_country("usa");
  allocation->set_parent_allocation_id("Energy!");
  const std::string at = "events[0].announcement.allocation.";
  EXPECT_THAT(FieldsOf(AppendRequestViolations(RequestWith(event))),
              ElementsAre(at + "allocation_id", at + "name", at + "basis",
                          at + "sector", at + "cap.minor_units", at + "scope",
                          at + "lead_companies[0].name",
                          at + "lead_companies[1].country",
                          at + "parent_allocation_id"));
}

TEST(ValidationTest, AnEarmarkIsNotInsideItself) {
  EventData event = AllocationEvent();
  event.mutable_announcement()->mutable_allocation()->set_parent_allocation_id(
      "cooling");
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].announcement.allocation."
                           "parent_allocation_id",
                           "must differ from allocation_id"));
}

TEST(ValidationTest, AllocationCapIsInTheRequestCurrency) {
  AppendRequest request = RequestWith(ValidEvent(1));
  EventData allocation = AllocationEvent();
  allocation.mutable_announcement()
      ->mutable_allocation()
      ->mutable_cap()
      ->set_currency_code("JPY");
  *request.add_events() = allocation;
  EXPECT_THAT(AppendRequestViolations(request),
              HasViolation("events[1].announcement.allocation.cap."
                           "currency_code",
                           "must be \"USD\""));
}

TEST(ValidationTest, AtMost32LeadCompanies) {
  EventData event = AllocationEvent();
  auto* allocation = event.mutable_announcement()->mutable_allocation();
  while (allocation->lead_companies_size() <= 32) {
    allocation->add_lead_companies()->set_name("TDK");
  }
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].announcement.allocation.lead_companies",
                           "at most 32 companies, got 33"));
}

TEST(ValidationTest, ProjectAllocationIdIsASlug) {
  EventData event = ValidEvent(1);
  event.mutable_announcement()->mutable_project()->set_allocation_id("A B");
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      HasViolation("events[0].announcement.project.allocation_id", "\"A B\""));
}

TEST(ValidationTest, ProjectSiteNeedsAProjectAndAState) {
  EventData event = ValidEvent(1);
  auto* site = event.mutable_announcement()->mutable_project_site();
  site->set_project_id("fujikura-fiber");
  site->set_us_state("SC");
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty());
  site->set_project_id("");
  site->set_us_state("");
  EXPECT_THAT(FieldsOf(AppendRequestViolations(RequestWith(event))),
              ElementsAre("events[0].announcement.project_site.project_id",
                          "events[0].announcement.project_site.us_state"));
}

TEST(ValidationTest, TariffChangeMayNameSeveralCategories) {
  EventData event = ValidEvent(4);
  auto* change = event.mutable_tariff_change();
  change->add_product_categories("autos");
  change->add_product_categories("auto-parts");
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty());
  change->clear_product_category();
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty());
  EXPECT_THAT(CategoriesOf(*change), ElementsAre("autos", "auto-parts"));
}

TEST(ValidationTest, TariffChangeCategoriesAreSlugsNamedOnce) {
  EventData event = ValidEvent(4);
  auto* change = event.mutable_tariff_change();
  change->add_product_categories("autos");
  change->add_product_categories("all-goods");
  change->add_product_categories("Steel");
  const std::string at = "events[0].tariff_change.";
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      ElementsAre(FieldViolation{at + "product_categories[1]",
                                 "duplicates " + at +
                                     "product_category \"all-goods\" "
                                     "(each category once)"},
                  Field(&FieldViolation::field, at + "product_categories[2]")));
  change->clear_product_category();
  change->clear_product_categories();
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation(at + "product_category", "got \"\""));
}

TEST(ValidationTest, DealTermsFieldsAreChecked) {
  EventData event = ValidEvent(1);
  event.mutable_provenance()->set_asserted_by("US");
  auto* terms = event.mutable_announcement()->mutable_terms();
  terms->set_project_selector("US investment committee");
  terms->add_funding_channels(pactlog::v1::FUNDING_SOURCE_JBIC);
  terms->add_funding_channels(pactlog::v1::FUNDING_SOURCE_NEXI);
  terms->set_funding_deadline_days(45);
  terms->add_other_commitments("defense spending at 2% of GDP");
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty());

  terms->set_final_decision(std::string(257, 'p'));
  terms->add_funding_channels(pactlog::v1::FUNDING_SOURCE_JBIC);
  terms->add_funding_channels(pactlog::v1::FUNDING_SOURCE_UNSPECIFIED);
  terms->set_funding_deadline_days(3651);
  terms->add_other_commitments("");
  const std::string at = "events[0].announcement.terms.";
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      ElementsAre(Field(&FieldViolation::field, at + "final_decision"),
                  FieldViolation{at + "funding_channels[2]",
                                 "duplicates " + at +
                                     "funding_channels[0] (each "
                                     "channel once)"},
                  Field(&FieldViolation::field, at + "funding_channels[3]"),
                  FieldViolation{at + "funding_deadline_days",
                                 "must be 0..3650 (0: no deadline), "
                                 "got 3651"},
                  Field(&FieldViolation::field, at + "other_commitments[1]")));
  terms->set_funding_deadline_days(-1);
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation(at + "funding_deadline_days", "got -1"));
}

TEST(ValidationTest, AssertedByIsAtMost128Bytes) {
  EventData event = ValidEvent(4);
  event.mutable_provenance()->set_asserted_by(std::string(129, 'x'));
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              ElementsAre(FieldViolation{"events[0].provenance.asserted_by",
                                         "must be 0..128 bytes, got 129 "
                                         "bytes"}));
}

TEST(ValidationTest, IsUsStateCodeKnowsStatesDcAndTerritories) {
  int known = 0;
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      if (IsUsStateCode(std::string{a, b})) ++known;
    }
  }
  EXPECT_EQ(known, 50 + 1 + 5);
  for (std::string_view code : {"TX", "OH", "GA", "CA", "AK", "HI", "WY", "DC",
                                "PR", "GU", "VI", "AS", "MP"}) {
    EXPECT_TRUE(IsUsStateCode(code)) << code;
  }
  for (std::string_view code : {"", "T", "tx", "TXX", "UK", "JP", "FM"}) {
    EXPECT_FALSE(IsUsStateCode(code)) << code;
  }
}

TEST(ValidationTest, AtMost32SponsorsOf1To128Bytes) {
  EventData event = ValidEvent(1);
  auto* project = event.mutable_announcement()->mutable_project();
  project->clear_sponsors();
  for (std::size_t i = 0; i < kMaxSponsors; ++i) {
    project->add_sponsors(std::string(kMaxSponsorBytes, 's'));
  }
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty());
  project->add_sponsors("");
  project->add_sponsors(std::string(kMaxSponsorBytes + 1, 's'));
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      ElementsAre(FieldViolation{"events[0].announcement.project.sponsors",
                                 "must hold at most 32 sponsors, got 34"},
                  FieldViolation{"events[0].announcement.project.sponsors[32]",
                                 "must be 1..128 bytes, got an empty string"},
                  FieldViolation{"events[0].announcement.project.sponsors[33]",
                                 "must be 1..128 bytes, got 129 bytes"}));
}

TEST(ValidationTest, PledgedMoneyIsRequiredAndValid) {
  EventData event = ValidEvent(1);
  auto* project = event.mutable_announcement()->mutable_project();
  project->mutable_pledged()->set_minor_units(-1);
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              ElementsAre(FieldViolation{
                  "events[0].announcement.project.pledged.minor_units",
                  "must be > 0, got -1"}));
  project->clear_pledged();
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              ElementsAre(FieldViolation{
                  "events[0].announcement.project.pledged", "is required"}));
}

TEST(ValidationTest, ApprovalFieldsAreChecked) {
  EventData event = ValidEvent(2);
  auto* approval = event.mutable_approval();
  approval->set_project_id("");
  approval->mutable_amount()->set_currency_code("");
  approval->mutable_amount()->set_minor_units(-5);
  approval->set_approving_body(std::string(kMaxBodyBytes + 1, 'b'));
  EXPECT_THAT(FieldsOf(AppendRequestViolations(RequestWith(event))),
              ElementsAre("events[0].approval.project_id",
                          "events[0].approval.amount.currency_code",
                          "events[0].approval.amount.minor_units",
                          "events[0].approval.approving_body"));
  approval->set_approving_body("");
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].approval.approving_body",
                           "must be 1..128 bytes, got an empty string"));
  approval->clear_amount();
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].approval.amount", "is required"));
}

TEST(ValidationTest, DisbursementFieldsAreChecked) {
  EventData event = ValidEvent(3);
  auto* disbursement = event.mutable_disbursement();
  disbursement->set_project_id("-x");
  disbursement->mutable_amount()->set_minor_units(0);
  disbursement->set_funding_source(v1::FUNDING_SOURCE_UNSPECIFIED);
  disbursement->set_tranche(std::string(kMaxTrancheBytes + 1, 't'));
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      ElementsAre(
          Field(&FieldViolation::field, "events[0].disbursement.project_id"),
          FieldViolation{"events[0].disbursement.amount.minor_units",
                         "must be > 0, got 0"},
          FieldViolation{"events[0].disbursement.funding_source",
                         "must be specified, got FUNDING_SOURCE_UNSPECIFIED"},
          FieldViolation{"events[0].disbursement.tranche",
                         "must be 0..64 bytes, got 65 bytes"}));
  disbursement->set_funding_source(static_cast<v1::FundingSource>(6));
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)),
              HasViolation("events[0].disbursement.funding_source",
                           "must be a known FundingSource value, got 6"));
}

TEST(ValidationTest, DisbursementTrancheMayBeEmpty) {
  EventData event = ValidEvent(3);
  event.mutable_disbursement()->clear_tranche();
  EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty());
}

TEST(ValidationTest, TariffChangeFieldsAreChecked) {
  EventData event = ValidEvent(4);
  auto* change = event.mutable_tariff_change();
  change->set_product_category("");
  change->set_rate_bps(-1);
  change->set_legal_instrument("");
  change->set_reason(std::string(kMaxReasonBytes + 1, 'r'));
  EXPECT_THAT(
      AppendRequestViolations(RequestWith(event)),
      ElementsAre(
          FieldViolation{"events[0].tariff_change.product_category",
                         "must be a slug of 1..64 [a-z0-9._-] starting with "
                         "a letter or digit, got \"\""},
          FieldViolation{"events[0].tariff_change.rate_bps",
                         "must be 0..100000 basis points, got -1"},
          FieldViolation{"events[0].tariff_change.legal_instrument",
                         "must be 1..256 bytes, got an empty string"},
          FieldViolation{"events[0].tariff_change.reason",
                         "must be 0..1024 bytes, got 1025 bytes"}));
  change->set_rate_bps(kMaxRateBps + 1);
  change->set_legal_instrument(std::string(kMaxInstrumentBytes + 1, 'l'));
  auto violations = AppendRequestViolations(RequestWith(event));
  EXPECT_THAT(violations,
              HasViolation("events[0].tariff_change.rate_bps", "got 100001"));
  EXPECT_THAT(violations,
              HasViolation("events[0].tariff_change.legal_instrument",
                           "got 257 bytes"));
}

TEST(ValidationTest, TariffRateBoundsAreInclusive) {
  for (int32_t rate : {0, kMaxRateBps}) {
    EventData event = ValidEvent(4);
    event.mutable_tariff_change()->set_rate_bps(rate);
    event.mutable_tariff_change()->set_reason(
        std::string(kMaxReasonBytes, 'r'));
    EXPECT_THAT(AppendRequestViolations(RequestWith(event)), IsEmpty()) << rate;
  }
}

TEST(ValidationTest, AmountsInTwoCurrenciesNameBoth) {
  AppendRequest request = ValidRequest();
  request.mutable_events(2)
      ->mutable_approval()
      ->mutable_amount()
      ->set_currency_code("JPY");
  EXPECT_THAT(
      AppendRequestViolations(request),
      ElementsAre(FieldViolation{
          "events[2].approval.amount.currency_code",
          "must be \"USD\" like "
          "events[0].announcement.deal.commitment_ceiling.currency_code "
          "(every amount of a request in one currency), got \"JPY\""}));
}

TEST(ValidationTest, SeveralViolationsAreAllListedInFieldOrder) {
  AppendRequest request = ValidRequest();
  request.set_deal_id("Bad Id");
  request.clear_actor();
  request.mutable_events(0)
      ->mutable_announcement()
      ->mutable_deal()
      ->mutable_commitment_ceiling()
      ->set_currency_code("usd");
  request.mutable_events(1)->clear_provenance();
  request.mutable_events(1)
      ->mutable_announcement()
      ->mutable_project()
      ->set_us_state("ZZ");
  request.mutable_events(2)
      ->mutable_approval()
      ->mutable_amount()
      ->set_minor_units(-5);
  request.mutable_events(3)->set_event_id("deal-1");
  request.mutable_events(4)->mutable_tariff_change()->set_rate_bps(100001);
  const auto violations = AppendRequestViolations(request);
  EXPECT_THAT(
      FieldsOf(violations),
      ElementsAre(
          "deal_id", "actor",
          "events[0].announcement.deal.commitment_ceiling.currency_code",
          "events[1].provenance", "events[1].announcement.project.us_state",
          "events[2].approval.amount.minor_units", "events[3].event_id",
          "events[4].tariff_change.rate_bps"));

  absl::Status status = ValidateAppendRequest(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("invalid request: deal_id: "));
  EXPECT_THAT(status.message(),
              HasSubstr("; events[2].approval.amount.minor_units: must be > 0, "
                        "got -5; "));
  EXPECT_THAT(status.message(), HasSubstr("events[4].tariff_change.rate_bps"));
}

TEST(ValidationTest, ViolationsToStatusJoinsFieldAndDescription) {
  EXPECT_TRUE(ViolationsToStatus({}).ok());
  absl::Status status = ViolationsToStatus(
      {{"deal_id", "must be a slug"}, {"actor", "is required"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "invalid request: deal_id: must be a slug; actor: is required");
}

TEST(ValidationTest, KindOfNamesEveryKind) {
  EXPECT_EQ(KindOf(ValidEvent(0)), v1::EVENT_KIND_ANNOUNCEMENT);
  EXPECT_EQ(KindOf(ValidEvent(1)), v1::EVENT_KIND_ANNOUNCEMENT);
  EXPECT_EQ(KindOf(ValidEvent(2)), v1::EVENT_KIND_APPROVAL);
  EXPECT_EQ(KindOf(ValidEvent(3)), v1::EVENT_KIND_DISBURSEMENT);
  EXPECT_EQ(KindOf(ValidEvent(4)), v1::EVENT_KIND_TARIFF_CHANGE);
  EXPECT_EQ(KindOf(EventData()), v1::EVENT_KIND_UNSPECIFIED);
}

// An approval as the log stores it.
v1::Event StoredApproval() {
  v1::Event stored;
  stored.set_sequence(7);
  stored.set_deal_id("us-japan-2025");
  stored.set_deal_version(3);
  stored.set_actor("clerk");
  stored.mutable_recorded_time()->set_seconds(1760000000);
  *stored.mutable_data() = ValidEvent(2);
  stored.mutable_data()->set_event_id("approval-1");
  stored.mutable_data()->mutable_effective_time()->set_seconds(1759000000);
  return stored;
}

TEST(ValidationTest, IdenticalDataIsRetry) {
  const v1::Event stored = StoredApproval();
  EXPECT_TRUE(IsRetryOf("us-japan-2025", stored.data(), stored));
}

TEST(ValidationTest, OtherDealIsNotRetry) {
  const v1::Event stored = StoredApproval();
  EXPECT_FALSE(IsRetryOf("us-korea-2025", stored.data(), stored));
}

TEST(ValidationTest, RetryWithoutEffectiveTimeMatchesStoredOne) {
  const v1::Event stored = StoredApproval();
  EventData proposed = stored.data();
  proposed.clear_effective_time();
  EXPECT_TRUE(IsRetryOf("us-japan-2025", proposed, stored));
}

TEST(ValidationTest, OtherEffectiveTimeIsNotRetry) {
  const v1::Event stored = StoredApproval();
  EventData proposed = stored.data();
  proposed.mutable_effective_time()->set_nanos(1);
  EXPECT_FALSE(IsRetryOf("us-japan-2025", proposed, stored));
}

TEST(ValidationTest, EventIdIsNotComparedForRetry) {
  const v1::Event stored = StoredApproval();
  EventData proposed = stored.data();
  proposed.clear_event_id();
  EXPECT_TRUE(IsRetryOf("us-japan-2025", proposed, stored));
}

TEST(ValidationTest, OtherContentIsNotRetry) {
  const v1::Event stored = StoredApproval();
  EventData proposed = stored.data();
  proposed.mutable_approval()->mutable_amount()->set_minor_units(101);
  EXPECT_FALSE(IsRetryOf("us-japan-2025", proposed, stored));
  proposed = stored.data();
  proposed.mutable_provenance()->set_firmness(v1::FIRMNESS_REPORTED);
  proposed.mutable_provenance()->set_source("other");
  EXPECT_FALSE(IsRetryOf("us-japan-2025", proposed, stored));
  proposed = stored.data();
  proposed.clear_approval();
  *proposed.mutable_disbursement() = ValidEvent(3).disbursement();
  EXPECT_FALSE(IsRetryOf("us-japan-2025", proposed, stored));
}

TEST(ValidationTest, ReadOptionsTimestampsMustBeValid) {
  auto options = Parse<v1::ReadOptions>(R"pb(
    as_of {
      sequence: 5
      recorded_time { seconds: 1760000000 nanos: 5 }
      effective_time { seconds: -62135596800 }
    }
    min_sequence: 3
  )pb");
  std::vector<FieldViolation> out;
  CheckReadOptions("options", options, &out);
  EXPECT_THAT(out, IsEmpty());

  options.mutable_as_of()->mutable_recorded_time()->set_nanos(-1);
  options.mutable_as_of()->mutable_effective_time()->set_seconds(-62135596801);
  CheckReadOptions("options", options, &out);
  EXPECT_THAT(FieldsOf(out), ElementsAre("options.as_of.recorded_time.nanos",
                                         "options.as_of.effective_time"));
  EXPECT_THAT(out[0].description, HasSubstr("got -1"));
  EXPECT_THAT(out[1].description, HasSubstr("seconds -62135596801"));

  out.clear();
  options.mutable_as_of()->clear_recorded_time();
  options.mutable_as_of()->mutable_effective_time()->set_seconds(253402300800);
  CheckReadOptions("", options, &out);
  EXPECT_THAT(FieldsOf(out), ElementsAre("as_of.effective_time"));
}

TEST(ValidationTest, EventFilterNeedsSlugsAndSpecifiedKinds) {
  v1::EventFilter filter;
  filter.add_deal_ids("us-japan-2025");
  filter.add_kinds(v1::EVENT_KIND_APPROVAL);
  std::vector<FieldViolation> out;
  CheckEventFilter("filter", filter, &out);
  EXPECT_THAT(out, IsEmpty());

  filter.add_deal_ids("US Japan");
  filter.add_kinds(v1::EVENT_KIND_UNSPECIFIED);
  filter.add_kinds(static_cast<v1::EventKind>(9));
  CheckEventFilter("filter", filter, &out);
  EXPECT_THAT(out,
              ElementsAre(Field(&FieldViolation::field, "filter.deal_ids[1]"),
                          FieldViolation{"filter.kinds[1]",
                                         "must be specified, got "
                                         "EVENT_KIND_UNSPECIFIED"},
                          FieldViolation{"filter.kinds[2]",
                                         "must be a known EventKind value, "
                                         "got 9"}));
}

TEST(ValidationTest, PageSizeIsZeroOrWithinLimit) {
  std::vector<FieldViolation> out;
  for (int ok : {0, 1, kMaxPageSize}) CheckPageSize("page_size", ok, &out);
  EXPECT_THAT(out, IsEmpty());
  CheckPageSize("page_size", -1, &out);
  CheckPageSize("limit", kMaxPageSize + 1, &out);
  EXPECT_THAT(
      out, ElementsAre(FieldViolation{"page_size",
                                      "must be 1..1000 (or 0 for the default "
                                      "100), got -1"},
                       FieldViolation{"limit",
                                      "must be 1..1000 (or 0 for the default "
                                      "100), got 1001"}));
}

}  // namespace
}  // namespace pactlog::domain
