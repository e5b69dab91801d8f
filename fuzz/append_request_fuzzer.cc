// libFuzzer target: arbitrary bytes as an AppendRequest, through everything
// the server decides before it writes — parsing, structural validation, then
// the deal rules event by event — folded into a DealState the way the
// ledger stages a batch (domain/ only; no I/O).
//
// Beyond "no crash and no undefined behaviour" it checks:
//   - validation answers OK, INVALID_ARGUMENT or RESOURCE_EXHAUSTED, with a
//     bounded message;
//   - for a request that passed validation, CheckRules answers OK,
//     NOT_FOUND or FAILED_PRECONDITION (anything else means validation let
//     through an event the rules cannot judge);
//   - a rejected request changes nothing: the state it was checked against
//     is the same after, seen through ToProto;
//   - an accepted request keeps every invariant of the record: pledges
//     within the ceiling, approvals within each pledge, disbursements within
//     the approvals, the totals and breakdowns equal to the sums over the
//     projects, and the version grown by the number of events.
// The request is checked against the seeded US-Japan deal when it names
// "us-japan", else against a deal that does not exist yet.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "domain/deal_state.h"
#include "domain/validation.h"
#include "fuzz/property.h"
#include "google/protobuf/stubs/logging.h"
#include "pactlog/v1/ledger.pb.h"
#include "testing/events.h"

namespace {

namespace v1 = ::pactlog::v1;
using ::pactlog::domain::DealState;
using ::pactlog::fuzz::Violated;

// An INVALID_ARGUMENT message lists every violation; each echoes at most a
// short prefix of its value, so the message stays proportional to the
// number of violations, not to the size of the values.
constexpr size_t kMaxMessageBytesPerEvent = 2048;

absl::Time RecordedTime() {
  return absl::FromCivil(absl::CivilDay(2026, 1, 5), absl::UTCTimeZone());
}

// The seed's events, each with a client event id and the deal's date.
v1::EventData Seed(const std::string& id, v1::EventData data) {
  data.set_event_id(id);
  return data;
}

// Builds the stored event the ledger would make of request.events(i).
v1::Event MakeEvent(const v1::AppendRequest& request, int i, uint64_t sequence,
                    uint64_t version) {
  v1::Event event;
  event.set_sequence(sequence);
  event.set_deal_id(request.deal_id());
  event.set_deal_version(version);
  pactlog::domain::ToProtoTime(RecordedTime(), event.mutable_recorded_time());
  event.set_actor(request.actor());
  *event.mutable_data() = request.events(i);
  if (event.data().event_id().empty()) {
    event.mutable_data()->set_event_id(absl::StrCat("generated-", i));
  }
  if (!event.data().has_effective_time()) {
    *event.mutable_data()->mutable_effective_time() = event.recorded_time();
  }
  return event;
}

// A deal and the events it was folded from, which amendments may name.
struct Seeded {
  DealState state;
  std::vector<v1::Event> events;
};

// The seeded deal: announced, one project approved and partly funded.
const Seeded& SeededDeal() {
  static const Seeded* const deal = [] {
    auto* seeded = new Seeded();
    DealState* state = &seeded->state;
    namespace events = ::pactlog::testing;
    const absl::Time day = events::Date(2025, 7, 22);
    const v1::AppendRequest seed = events::Request(
        "us-japan",
        {Seed("seed-deal",
              events::DealEvent("US-Japan", events::Money(55'000'000'000'000),
                                day)),
         Seed("seed-project",
              events::ProjectEvent("westinghouse", v1::SECTOR_ENERGY, "PA",
                                   events::Money(10'000'000'000'000), day)),
         Seed("seed-approval",
              events::ApprovalEvent("westinghouse",
                                    events::Money(5'000'000'000'000), day)),
         Seed("seed-disbursement",
              events::DisbursementEvent(
                  "westinghouse", events::Money(1'000'000'000'000), day))},
        "seed");
    for (int i = 0; i < seed.events_size(); ++i) {
      v1::Event event = MakeEvent(seed, i, i + 1, i + 1);
      if (!state->CheckRules(event).ok()) Violated("the seed breaks a rule");
      state->Apply(event);
      seeded->events.push_back(std::move(event));
    }
    return seeded;
  }();
  return *deal;
}

// The ledger's resolution of the events `event` names (ledger/batch.cc):
// the latest of `known` under each id. False when one is not recorded,
// which the ledger answers NOT_FOUND.
bool ResolveReferences(const std::vector<v1::Event>& known,
                       const v1::EventData& sent, v1::Event* event) {
  for (std::string_view id : pactlog::domain::ReferencedIds(event->data())) {
    const v1::Event* target = nullptr;
    for (const v1::Event& earlier : known) {
      if (earlier.data().event_id() == id) target = &earlier;
    }
    if (target == nullptr) return false;
    pactlog::domain::MakeReference(*target, event->add_references());
  }
  const v1::EventData& data = event->data();
  if (data.has_amendment() && pactlog::domain::IsRecordFix(data.amendment()) &&
      !sent.has_effective_time()) {
    *event->mutable_data()->mutable_effective_time() =
        event->references(0).effective_time();
  }
  return true;
}

std::string Snapshot(const DealState& state) {
  if (!state.exists()) return absl::StrCat("absent v", state.version());
  v1::DealState proto;
  state.ToProto(RecordedTime(), &proto);
  return proto.SerializeAsString();
}

void CheckInvariants(const DealState& state) {
  if (!state.exists()) return;
  v1::DealState proto;
  state.ToProto(RecordedTime(), &proto);
  const int64_t ceiling = proto.commitment_ceiling().minor_units();
  int64_t pledged = 0, approved = 0, disbursed = 0;
  size_t counted = 0;
  for (const auto& [id, project] : state.projects()) {
    // Withdrawn, retracted and restated projects count in no total.
    if (!project.counts()) continue;
    ++counted;
    const int64_t pledge = project.announcement.pledged().minor_units();
    if (project.approved < 0 || project.approved > pledge) {
      Violated(absl::StrCat("project ", id, " approved ", project.approved,
                            " of pledge ", pledge));
    }
    if (project.disbursed < 0 || project.disbursed > project.approved) {
      Violated(absl::StrCat("project ", id, " disbursed ", project.disbursed,
                            " of approved ", project.approved));
    }
    // Bounded by the ceiling, so these sums cannot overflow.
    pledged += pledge;
    approved += project.approved;
    disbursed += project.disbursed;
  }
  const v1::Totals& totals = proto.totals();
  if (pledged > ceiling || totals.pledged().minor_units() != pledged ||
      totals.approved().minor_units() != approved ||
      totals.disbursed().minor_units() != disbursed ||
      proto.headroom().minor_units() != ceiling - pledged ||
      totals.project_count() != counted) {
    Violated(absl::StrCat("totals ", totals.ShortDebugString(),
                          " disagree with the projects: pledged ", pledged,
                          " approved ", approved, " disbursed ", disbursed,
                          " ceiling ", ceiling));
  }
  int64_t by_sector = 0, by_state = 0;
  for (const auto& s : proto.by_sector()) {
    by_sector += s.totals().pledged().minor_units();
  }
  for (const auto& s : proto.by_us_state()) {
    by_state += s.totals().pledged().minor_units();
  }
  if (by_sector != pledged || by_state != pledged) {
    Violated(absl::StrCat("breakdowns sum to ", by_sector, " / ", by_state,
                          ", pledged is ", pledged));
  }
  for (const auto& [id, project] : state.projects()) {
    v1::ProjectState out;
    state.ProjectToProto(project, &out);
    if (out.unapproved().minor_units() < 0 ||
        out.undisbursed().minor_units() < 0) {
      Violated(absl::StrCat("project ", id, ": ", out.ShortDebugString()));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Invalid UTF-8 in string fields is expected here; protobuf would log
  // each parse that meets it.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  v1::AppendRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;

  const absl::Status valid = pactlog::domain::ValidateAppendRequest(request);
  switch (valid.code()) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kResourceExhausted:
      break;
    case absl::StatusCode::kInvalidArgument:
      if (valid.message().size() >
          kMaxMessageBytesPerEvent * (2 + request.events_size())) {
        Violated(absl::StrCat("a message of ", valid.message().size(),
                              " bytes for ", request.events_size(), " events"));
      }
      break;
    default:
      Violated(valid.ToString());
  }
  if (!valid.ok()) return 0;

  // The ledger's staging: check each event against the state including the
  // earlier events of the request; publish only when all pass.
  static const Seeded* const kNoDeal = new Seeded();
  const Seeded& seeded =
      request.deal_id() == "us-japan" ? SeededDeal() : *kNoDeal;
  const DealState& live = seeded.state;
  const std::string before = Snapshot(live);
  DealState working = live;
  std::vector<v1::Event> known = seeded.events;
  uint64_t sequence = live.last_sequence();
  absl::Status verdict;
  for (int i = 0; i < request.events_size() && verdict.ok(); ++i) {
    v1::Event event = MakeEvent(request, i, ++sequence, working.version() + 1);
    if (!ResolveReferences(known, request.events(i), &event)) return 0;
    verdict = working.CheckRules(event);
    switch (verdict.code()) {
      case absl::StatusCode::kOk:
        working.Apply(event);
        known.push_back(std::move(event));
        break;
      case absl::StatusCode::kNotFound:
      case absl::StatusCode::kFailedPrecondition:
        break;
      default:
        Violated(absl::StrCat("CheckRules of a validated event: ",
                              verdict.ToString()));
    }
  }
  if (Snapshot(live) != before) Violated("checking changed the live state");
  if (!verdict.ok()) return 0;

  if (working.version() != live.version() + request.events_size()) {
    Violated(absl::StrCat("version ", working.version(), " after ",
                          request.events_size(), " events on version ",
                          live.version()));
  }
  CheckInvariants(working);
  std::vector<v1::TariffLine> lines;
  working.TariffsToProto(RecordedTime(), "", /*with_history=*/true, &lines)
      .IgnoreError();
  return 0;
}
