// Builders for the events a client records, so that recording a deal reads
// like the deal:
//
//   namespace pc = pactlog::client;
//   auto ceiling = pc::ParseMoney("USD", "550_000_000_000");
//   auto appended = client->Append("us-japan", {
//       pc::AnnounceDeal("US-Japan framework", "JP", "US", *ceiling,
//                        {{"all-goods", 1500}})
//           .Source("https://www.whitehouse.gov/fact-sheets/...")
//           .Firmness(pactlog::v1::FIRMNESS_OFFICIALLY_ANNOUNCED)
//           .EffectiveTime(absl::FromCivil(absl::CivilDay(2025, 7, 22),
//                                          absl::UTCTimeZone()))});
//
// Each builder function returns an EventBuilder holding a
// pactlog.v1.EventData of its kind; the EventBuilder's setters add what
// every event may carry (source, firmness, the party asserting it, the
// effective time, an event id, the reports it restates) and it converts to
// EventData where one is expected. Firmness is FIRMNESS_REPORTED, the
// weakest claim, unless set. The builders check nothing: the server
// validates every event and names each bad field (FieldViolations).
//
// Amounts are pactlog.v1.Money (money.h); rates are basis points (1500 is
// 15%). Pure values; thread-compatible.
#ifndef PACTLOG_CLIENT_EVENTS_H_
#define PACTLOG_CLIENT_EVENTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pactlog/v1/events.pb.h"

namespace pactlog::client {

// An EventData under construction. The setters return *this, so they
// chain; the last one converts to EventData.
class EventBuilder {
 public:
  // Takes `data` as the event, with firmness FIRMNESS_REPORTED when it has
  // none.
  explicit EventBuilder(::pactlog::v1::EventData data);

  // Where the event was reported: a document or URL.
  EventBuilder& Source(std::string_view source);
  // How firm the source is; FIRMNESS_REPORTED by default.
  EventBuilder& Firmness(::pactlog::v1::Firmness firmness);
  // Whose reading this is: a party's ISO-3166 alpha-2 code ("US", "JP") or
  // an outlet's name; empty when the source does not say.
  EventBuilder& AssertedBy(std::string_view party);
  // When the event takes effect in the world; unset: when it is recorded.
  // (Leave it unset for corrections, retractions and firmness raises.)
  EventBuilder& EffectiveTime(absl::Time time);
  // The event's own id (a retry of it is then recognised across clients);
  // unset: Client::Append gives it a random UUID.
  EventBuilder& EventId(std::string_view event_id);
  // An earlier report (its event id) of the same money that this
  // announcement reports again; may be called more than once.
  EventBuilder& Restates(std::string_view event_id);

  const ::pactlog::v1::EventData& data() const& { return data_; }
  ::pactlog::v1::EventData Build() const& { return data_; }
  ::pactlog::v1::EventData Build() && { return std::move(data_); }
  // Implicit, so that a builder goes where an EventData is expected:
  // client->Append("d", {ApproveProject(...).Source("...")}).
  operator ::pactlog::v1::EventData() const& { return data_; }         // NOLINT
  operator ::pactlog::v1::EventData() && { return std::move(data_); }  // NOLINT

 private:
  ::pactlog::v1::EventData data_;
};

// An agreed tariff cap of a deal: at most `max_rate_bps` on a product
// category ("all-goods", "autos").
struct TariffCap {
  std::string product_category;
  int32_t max_rate_bps = 0;
};

// A company named to lead an allocation, with its home country (ISO-3166
// alpha-2, empty when not reported).
struct LeadCompany {
  std::string name;
  std::string country;
};

// --- announcements ---------------------------------------------------------

// Announces a deal: its title, its parties (ISO-3166 alpha-2: the investor
// and the host), its commitment ceiling (whose currency becomes the deal's)
// and its agreed tariff caps.
EventBuilder AnnounceDeal(std::string_view title,
                          std::string_view investor_country,
                          std::string_view host_country,
                          const ::pactlog::v1::Money& ceiling,
                          const std::vector<TariffCap>& tariff_caps = {});

// Announces a project of an announced deal with its pledge. `us_state` (a
// US postal code, "TX") may be empty while the site is not known:
// AnnounceProjectSite gives it later. `allocation_id`, when not empty,
// names the allocation the pledge draws on.
EventBuilder AnnounceProject(std::string_view project_id, std::string_view name,
                             ::pactlog::v1::Sector sector,
                             std::string_view us_state,
                             const ::pactlog::v1::Money& pledged,
                             const std::vector<std::string>& sponsors = {},
                             std::string_view allocation_id = {});

// Gives the site of a project announced without one.
EventBuilder AnnounceProjectSite(std::string_view project_id,
                                 std::string_view us_state);

// What an allocation announcement says; unset members are not reported.
struct Allocation {
  std::string allocation_id;
  std::string name;
  // ALLOCATION_BASIS_SECTOR (a part set aside for a sector) or
  // ALLOCATION_BASIS_COMPANY (led by companies).
  ::pactlog::v1::AllocationBasis basis =
      ::pactlog::v1::ALLOCATION_BASIS_UNSPECIFIED;
  // SECTOR_UNSPECIFIED: the allocation spans sectors.
  ::pactlog::v1::Sector sector = ::pactlog::v1::SECTOR_UNSPECIFIED;
  // Unset: the source gives no amount (the allocation holds what its
  // earmarks hold).
  std::optional<::pactlog::v1::Money> cap;
  std::string scope;
  std::vector<LeadCompany> lead_companies;
  // Not empty: an earmark inside that allocation.
  std::string parent_allocation_id;
};
EventBuilder AnnounceAllocation(const Allocation& allocation);

// The deal's terms as one party reads them (set AssertedBy to the party).
// Each terms event is its party's whole reading and replaces that party's
// earlier one, so give every term the party states; a default DealTerms is
// a reading with every term empty.
EventBuilder AnnounceTerms(const ::pactlog::v1::DealTerms& terms);

// --- money moving ----------------------------------------------------------

// Approves an announced project for `amount`.
EventBuilder ApproveProject(std::string_view project_id,
                            const ::pactlog::v1::Money& amount,
                            std::string_view approving_body);

// Moves `amount` to an approved project from a funding source (JBIC...).
EventBuilder Disburse(std::string_view project_id,
                      const ::pactlog::v1::Money& amount,
                      ::pactlog::v1::FundingSource funding_source,
                      std::string_view tranche = {});

// Sets the tariff rate of a product category from the event's effective
// time, under a legal instrument (an executive order...).
EventBuilder ChangeTariff(std::string_view product_category, int32_t rate_bps,
                          std::string_view legal_instrument,
                          std::string_view reason = {});
// The same rate on several categories at once (at least one); the first
// is the event's product_category, the others its product_categories.
EventBuilder ChangeTariffs(const std::vector<std::string>& product_categories,
                           int32_t rate_bps, std::string_view legal_instrument,
                           std::string_view reason = {});

// --- amendments of an earlier event (`target_event_id`) ---------------------

// Revises an amount: a project's pledge or an allocation's cap (target:
// its announcement) or an approval's amount (the approval).
EventBuilder Revise(std::string_view target_event_id,
                    const ::pactlog::v1::Money& amount,
                    std::string_view reason = {});
// Withdraws a project (target: its announcement); a reason is required.
EventBuilder Withdraw(std::string_view target_event_id,
                      std::string_view reason);
// Raises the firmness of the target's report, only upward. The event's own
// firmness starts as `raised` too.
EventBuilder RaiseFirmness(std::string_view target_event_id,
                           ::pactlog::v1::Firmness raised,
                           std::string_view reason = {});
// Retracts a report that proved false; a reason is required.
EventBuilder Retract(std::string_view target_event_id, std::string_view reason);
// Replaces an event recorded in error by `replacement`, of the same kind
// (an announcement, approval, disbursement or tariff change, e.g. built with
// the functions above). The correction takes the replacement's provenance
// (source, firmness, asserted by) unless its setters change it; the
// replacement's event id, effective time and restates are not carried
// over. INVALID_ARGUMENT when the replacement is of another kind.
[[nodiscard]] absl::StatusOr<EventBuilder> Correct(
    std::string_view target_event_id,
    const ::pactlog::v1::EventData& replacement, std::string_view reason = {});

// --- enum names ------------------------------------------------------------

// An enum value from its name in any case, with or without the enum's
// prefix, with '-' or ' ' for '_': "reported", "REPORTED" and
// "FIRMNESS_REPORTED" all give FIRMNESS_REPORTED; "oil-and-gas" gives
// SECTOR_OIL_AND_GAS. INVALID_ARGUMENT (listing the accepted names) for
// anything else, the UNSPECIFIED value included.
[[nodiscard]] absl::StatusOr<::pactlog::v1::Firmness> ParseFirmness(
    std::string_view name);
[[nodiscard]] absl::StatusOr<::pactlog::v1::Sector> ParseSector(
    std::string_view name);
[[nodiscard]] absl::StatusOr<::pactlog::v1::FundingSource> ParseFundingSource(
    std::string_view name);
[[nodiscard]] absl::StatusOr<::pactlog::v1::AllocationBasis>
ParseAllocationBasis(std::string_view name);

// The name of a Firmness without its prefix: "REPORTED".
std::string FirmnessName(::pactlog::v1::Firmness firmness);

}  // namespace pactlog::client

#endif  // PACTLOG_CLIENT_EVENTS_H_
