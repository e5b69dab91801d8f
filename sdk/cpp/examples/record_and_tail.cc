// Example: record a deal and a project in pactlogd, then tail the deal's
// events.
//
//   pactlog_record_and_tail [HOST:PORT] [FOLLOW_SECONDS]
//
// Connects to HOST:PORT (default: env PACTLOG_ADDRESS, else
// 127.0.0.1:50051), appends two events made with the event builders, with
// fixed event ids (running it
// twice records them once: the second append is deduplicated), then
// subscribes to the deal from the start of the log, prints its history and
// follows it live for FOLLOW_SECONDS (default 0: stop when caught up).
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "pactlog/client/client.h"
#include "pactlog/client/events.h"
#include "pactlog/client/money.h"

namespace v1 = ::pactlog::v1;
namespace pc = ::pactlog::client;
using pactlog::client::Client;

namespace {

absl::Time Date(int year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
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
  pc::ClientOptions client_options;
  if (argc > 1) client_options.address = argv[1];  // else PACTLOG_ADDRESS...
  client_options.actor = "example";
  int follow_seconds = 0;
  if (argc > 2 && !absl::SimpleAtoi(argv[2], &follow_seconds)) {
    std::cerr << "FOLLOW_SECONDS must be a number, got " << argv[2] << "\n";
    return 2;
  }

  auto client = Client::Connect(client_options);
  if (!client.ok()) {
    std::cerr << client.status() << "\n";
    return 2;
  }

  // Fixed ids make the example idempotent.
  auto ceiling = pc::ParseMoney("USD", "1_000_000_000");
  auto pledge = pc::ParseMoney("USD", "250_000_000");
  if (!ceiling.ok() || !pledge.ok()) return 2;
  auto appended = (*client)->Append(
      "example-deal",
      {pc::AnnounceDeal("Example investment-for-tariffs deal", "JP", "US",
                        *ceiling, {{"all-goods", 1500}})
           .Source("pactlog example")
           .EffectiveTime(Date(2025, 7, 22))
           .EventId("example.record-and-tail.deal"),
       pc::AnnounceProject("example-plant", "Example power plant",
                           v1::SECTOR_ENERGY, "OH", *pledge, {"Example Co."})
           .Source("pactlog example")
           .EffectiveTime(Date(2026, 2, 18))
           .EventId("example.record-and-tail.project")});
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
