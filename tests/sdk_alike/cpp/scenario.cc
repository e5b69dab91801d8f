// The cross-SDK scenario (tests/sdk_alike/SCENARIO.md) in C++.
//
//   scenario DEAL_PREFIX            the seven steps, one JSON line each
//   scenario --follow DEAL_PREFIX   the restart step
//
// Uses only the installed pactlog::client's public API with default
// options; the server comes from $PACTLOG_ADDRESS. Built by build.sh.
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "pactlog/client/client.h"
#include "pactlog/client/error.h"
#include "pactlog/client/events.h"
#include "pactlog/client/money.h"

namespace {

namespace pc = ::pactlog::client;
namespace v1 = ::pactlog::v1;

constexpr char kSource[] = "tests/sdk_alike scenario";

// A JSON string literal of `text`.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// One line of output, flushed.
void Emit(const std::string& json) { std::cout << json << std::endl; }

[[noreturn]] void Fail(std::string_view what, const absl::Status& status) {
  std::cerr << "scenario: " << what << ": " << status << "\n";
  std::exit(1);
}

std::string CodeName(absl::StatusCode code) {
  return absl::StatusCodeToString(code);
}

v1::EventData Announcement(const std::string& title,
                           const std::string& event_id = "") {
  absl::StatusOr<v1::Money> ceiling = pc::ParseMoney("USD", "550000000000");
  if (!ceiling.ok()) Fail("money", ceiling.status());
  pc::EventBuilder event =
      pc::AnnounceDeal(title, "JP", "US", *ceiling, {{"all-goods", 1500}})
          .Source(kSource);
  if (!event_id.empty()) event.EventId(event_id);
  return event;
}

std::unique_ptr<pc::Client> Connect() {
  absl::StatusOr<std::unique_ptr<pc::Client>> client = pc::Client::Connect();
  if (!client.ok()) Fail("connect", client.status());
  return *std::move(client);
}

v1::Event FirstEvent(pc::Client& client, const std::string& deal) {
  v1::EventFilter filter;
  filter.add_deal_ids(deal);
  absl::StatusOr<v1::ReadResponse> read = client.Read(0, filter, 1);
  if (!read.ok()) Fail("read " + deal, read.status());
  if (read->events_size() != 1) {
    Fail("read " + deal, absl::NotFoundError("no event"));
  }
  return read->events(0);
}

// The error of an append the server must refuse.
pc::Error Refused(absl::StatusOr<v1::AppendResponse> appended) {
  if (appended.ok()) {
    Fail("append", absl::InternalError("accepted what it should refuse"));
  }
  return pc::Error(appended.status());
}

void Scenario(const std::string& prefix) {
  const std::string d1 = prefix + "-1";
  const std::string d2 = prefix + "-2";
  unsetenv("PACTLOG_ACTOR");
  std::unique_ptr<pc::Client> client = Connect();

  // 1. An append through a client made from the environment only. The
  // fixed event id makes a second run a deduplicated repeat instead of a
  // broken rule.
  int attempts = 0;
  pc::AppendOptions counted;
  counted.attempts = &attempts;
  absl::StatusOr<v1::AppendResponse> appended = client->Append(
      d1, {Announcement(prefix + " deal one", d1 + "/announcement")}, counted);
  if (!appended.ok()) Fail("append " + d1, appended.status());
  v1::Event event = FirstEvent(*client, d1);
  std::string durability = v1::Durability_Name(appended->durability());
  if (durability.rfind("DURABILITY_", 0) == 0) durability.erase(0, 11);
  Emit("{\"step\":\"append\",\"actor\":" + Quote(event.actor()) +
       ",\"firmness\":" +
       Quote(pc::FirmnessName(event.data().provenance().firmness())) +
       ",\"attempts\":" + std::to_string(attempts) +
       ",\"durability\":" + Quote(durability) + "}");

  // 2. PACTLOG_ACTOR, set in the process for a second client.
  setenv("PACTLOG_ACTOR", "alike-env-actor", 1);
  {
    std::unique_ptr<pc::Client> second = Connect();
    absl::StatusOr<v1::AppendResponse> again = second->Append(
        d2, {Announcement(prefix + " deal two", d2 + "/announcement")});
    if (!again.ok()) Fail("append " + d2, again.status());
    Emit("{\"step\":\"actor-env\",\"actor\":" +
         Quote(FirstEvent(*second, d2).actor()) + "}");
  }
  unsetenv("PACTLOG_ACTOR");

  // 3. An expected version that does not hold.
  pc::AppendOptions expect_new;
  expect_new.expected_version = 0;
  pc::Error aborted = Refused(
      client->Append(d1, {Announcement(prefix + " again")}, expect_new));
  Emit("{\"step\":\"aborted\",\"code\":" + Quote(CodeName(aborted.code)) +
       ",\"current_version\":" +
       (aborted.current_version.has_value()
            ? std::to_string(*aborted.current_version)
            : std::string("null")) +
       "}");

  // 4. Bad fields.
  pc::Error invalid =
      Refused(client->Append("Bad Deal!", {Announcement(prefix + " bad")}));
  std::vector<std::string> fields;
  for (const pc::FieldViolation& violation : invalid.field_violations) {
    fields.push_back(violation.field);
  }
  std::sort(fields.begin(), fields.end());
  std::string list;
  for (const std::string& field : fields) {
    list += (list.empty() ? "" : ",") + Quote(field);
  }
  Emit("{\"step\":\"invalid\",\"code\":" + Quote(CodeName(invalid.code)) +
       ",\"fields\":[" + list + "]}");

  // 5. A broken rule: the deal is announced already.
  pc::Error rule =
      Refused(client->Append(d1, {Announcement(prefix + " twice")}));
  Emit("{\"step\":\"rule\",\"code\":" + Quote(CodeName(rule.code)) +
       ",\"rule\":" + Quote(rule.rule) + "}");

  // 6. One page, then every page.
  pc::PageOptions one;
  one.page_size = 1;
  absl::StatusOr<v1::ListDealsResponse> page = client->ListDeals({}, one);
  if (!page.ok()) Fail("list one page", page.status());
  pc::Listing<v1::DealState> deals = client->ListAllDeals({}, 1);
  int all = 0;
  while (deals.Next()) ++all;
  if (!deals.status().ok()) Fail("list all pages", deals.status());
  Emit("{\"step\":\"list\",\"one_page\":" + std::to_string(page->deals_size()) +
       ",\"has_next\":" + (page->next_page_token().empty() ? "false" : "true") +
       ",\"all\":" + std::to_string(all) + "}");

  // 7. The history, counted until the subscription says caught up. (The
  // timeout only lets an empty history be noticed: caught-up can then come
  // while Next() waits for a first live event.)
  absl::StatusOr<std::unique_ptr<pc::Subscription>> subscription =
      client->Subscribe();
  if (!subscription.ok()) Fail("subscribe", subscription.status());
  int history = 0;
  while (!(*subscription)->progress().caught_up) {
    absl::StatusOr<v1::Event> next = (*subscription)->Next(absl::Seconds(1));
    if (next.ok()) {
      ++history;
    } else if (next.status().code() != absl::StatusCode::kDeadlineExceeded) {
      Fail("subscription", next.status());
    }
  }
  Emit("{\"step\":\"caught-up\",\"history\":" + std::to_string(history) +
       ",\"sequence\":" +
       std::to_string((*subscription)->progress().caught_up_sequence) + "}");
  (*subscription)->Cancel();
}

void Follow(const std::string& prefix) {
  const std::string stop = prefix + "-stop";
  std::unique_ptr<pc::Client> client = Connect();
  absl::StatusOr<std::unique_ptr<pc::Subscription>> subscription =
      client->Subscribe();
  if (!subscription.ok()) Fail("subscribe", subscription.status());
  while (true) {
    absl::StatusOr<v1::Event> event = (*subscription)->Next();
    if (!event.ok()) Fail("subscription", event.status());
    Emit("{\"sequence\":" + std::to_string(event->sequence()) +
         ",\"deal\":" + Quote(event->deal_id()) + ",\"received_unix_ms\":" +
         std::to_string(absl::ToUnixMillis(absl::Now())) + "}");
    if (event->deal_id() == stop) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && argv[1][0] != '-') {
    Scenario(argv[1]);
  } else if (argc == 3 && std::string_view(argv[1]) == "--follow") {
    Follow(argv[2]);
  } else {
    std::cerr
        << "usage: scenario DEAL_PREFIX | scenario --follow DEAL_PREFIX\n";
    return 2;
  }
  return 0;
}
