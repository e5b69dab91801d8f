// Example: record a deal and a project in pactlogd, then tail the deal's
// events.
//
//   pactlog_record_and_tail [HOST:PORT] [FOLLOW_SECONDS]
//
// Connects to HOST:PORT (default: env PACTLOG_ADDRESS, else
// 127.0.0.1:50051), appends two events with fixed event ids (running it
// twice records them once: the second append is deduplicated), then
// subscribes to the deal from the start of the log, prints its history and
// follows it live for FOLLOW_SECONDS (default 0: stop when caught up).
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "pactlog/client/client.h"

namespace v1 = ::pactlog::v1;
using pactlog::client::Client;

namespace {

v1::Money Usd(int64_t dollars) {
  v1::Money money;
  money.set_currency_code("USD");
  money.set_minor_units(dollars * 100);
  return money;
}

void SetDate(int year, int month, int day, google::protobuf::Timestamp* out) {
  absl::Time time =
      absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
  out->set_seconds(absl::ToUnixSeconds(time));
}

std::string Describe(const v1::Event& event) {
  const v1::EventData& data = event.data();
  switch (data.kind_case()) {
    case v1::EventData::kAnnouncement:
      return data.announcement().has_deal()
                 ? "deal announced: " + data.announcement().deal().title()
                 : "project announced: " +
                       data.announcement().project().project_id();
    case v1::EventData::kApproval:
      return "approval of " + data.approval().project_id();
    case v1::EventData::kDisbursement:
      return "disbursement to " + data.disbursement().project_id();
    case v1::EventData::kTariffChange:
      return "tariff change on " + data.tariff_change().product_category();
    case v1::EventData::kAmendment:
      return "amendment of " + data.amendment().target_event_id();
    case v1::EventData::KIND_NOT_SET:
      break;
  }
  return "event";
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("PACTLOG_ADDRESS");
  std::string address = argc > 1         ? argv[1]
                        : env != nullptr ? env
                                         : "127.0.0.1:50051";
  int follow_seconds = 0;
  if (argc > 2 && !absl::SimpleAtoi(argv[2], &follow_seconds)) {
    std::cerr << "FOLLOW_SECONDS must be a number, got " << argv[2] << "\n";
    return 2;
  }

  auto client = Client::Connect(address);
  if (!client.ok()) {
    std::cerr << client.status() << "\n";
    return 2;
  }

  // Fixed ids make the example idempotent.
  v1::EventData deal;
  deal.set_event_id("example.record-and-tail.deal");
  SetDate(2025, 7, 22, deal.mutable_effective_time());
  deal.mutable_provenance()->set_source("pactlog example");
  deal.mutable_provenance()->set_firmness(v1::FIRMNESS_REPORTED);
  v1::DealAnnouncement* announcement =
      deal.mutable_announcement()->mutable_deal();
  announcement->set_title("Example investment-for-tariffs deal");
  announcement->set_investor_country("JP");
  announcement->set_host_country("US");
  *announcement->mutable_commitment_ceiling() = Usd(1'000'000'000);
  v1::TariffCap* cap = announcement->add_tariff_caps();
  cap->set_product_category("all-goods");
  cap->set_max_rate_bps(1500);

  v1::EventData project;
  project.set_event_id("example.record-and-tail.project");
  SetDate(2026, 2, 18, project.mutable_effective_time());
  project.mutable_provenance()->set_source("pactlog example");
  project.mutable_provenance()->set_firmness(v1::FIRMNESS_REPORTED);
  v1::ProjectAnnouncement* p =
      project.mutable_announcement()->mutable_project();
  p->set_project_id("example-plant");
  p->set_name("Example power plant");
  p->set_sector(v1::SECTOR_ENERGY);
  p->set_us_state("OH");
  p->add_sponsors("Example Co.");
  *p->mutable_pledged() = Usd(250'000'000);

  pactlog::client::AppendOptions append_options;
  append_options.actor = "example";
  auto appended =
      (*client)->Append("example-deal", {deal, project}, append_options);
  if (!appended.ok()) {
    std::cerr << "append failed: " << appended.status() << "\n";
    return 1;
  }
  std::cout << (appended->deduplicated() ? "already recorded" : "recorded")
            << " at sequences " << appended->sequences(0) << ".."
            << appended->sequences(appended->sequences_size() - 1) << "\n";

  pactlog::client::SubscribeOptions options;
  options.filter.add_deal_ids("example-deal");
  auto subscription = (*client)->Subscribe(options);
  if (!subscription.ok()) {
    std::cerr << subscription.status() << "\n";
    return 2;
  }
  absl::Time stop = absl::Now() + absl::Seconds(follow_seconds);
  while (true) {
    absl::Duration wait =
        follow_seconds > 0 ? stop - absl::Now() : absl::Milliseconds(500);
    if (wait <= absl::ZeroDuration()) break;
    auto event = (*subscription)->Next(wait);
    if (absl::IsDeadlineExceeded(event.status())) {
      if (follow_seconds == 0 && (*subscription)->progress().caught_up) break;
      continue;
    }
    if (!event.ok()) {
      std::cerr << "subscription ended: " << event.status() << "\n";
      return 1;
    }
    std::cout << "#" << event->sequence() << " " << event->deal_id() << " v"
              << event->deal_version() << ": " << Describe(*event) << "\n";
  }
  return 0;
}
