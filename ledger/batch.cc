#include "ledger/batch.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "domain/error_info.h"
#include "domain/hash_chain.h"
#include "domain/validation.h"
#include "util/status_macros.h"

namespace pactlog::ledger {

namespace v1 = ::pactlog::v1;

std::string NewEventId(absl::Time now, absl::BitGen& gen) {
  const uint64_t millis =
      static_cast<uint64_t>(std::max<int64_t>(0, absl::ToUnixMillis(now)));
  // hi: 48 bits of time, the version (7), 12 random bits; lo: the variant
  // (0b10) and 62 random bits.
  const uint64_t hi = ((millis & 0xFFFFFFFFFFFFULL) << 16) | 0x7000 |
                      (absl::Uniform<uint64_t>(gen) & 0x0FFF);
  const uint64_t lo = (absl::Uniform<uint64_t>(gen) >> 2) | (uint64_t{1} << 63);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32,
                         (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48,
                         lo & 0xFFFFFFFFFFFFULL);
}

Batch::Batch(const storage::EventLog& log, const LiveState& state,
             absl::Time now, std::string chain_head)
    : log_(log),
      state_(state),
      now_(now),
      next_sequence_(state.applied_sequence() + 1),
      chain_head_(std::move(chain_head)) {}

absl::StatusOr<const v1::Event*> Batch::FindEvent(const std::string& event_id,
                                                  bool* staged) {
  if (auto it = staged_ids_.find(event_id); it != staged_ids_.end()) {
    *staged = true;
    return &events_[it->second];
  }
  ASSIGN_OR_RETURN(std::optional<storage::EventIdEntry> entry,
                   log_.FindEventId(event_id));
  if (!entry) return nullptr;
  ASSIGN_OR_RETURN(v1::Event stored, log_.Get(entry->sequence));
  fetched_.push_back(std::make_unique<v1::Event>(std::move(stored)));
  return fetched_.back().get();
}

absl::Status Batch::CheckExpectedVersion(const v1::AppendRequest& request,
                                         uint64_t current) const {
  if (!request.has_expected_version()) return absl::OkStatus();
  const v1::ExpectedVersion& expected = request.expected_version();
  switch (expected.condition_case()) {
    case v1::ExpectedVersion::kNoDeal:
      if (current != 0) {
        return domain::ExpectedVersionMismatch(
            absl::StrCat("deal \"", request.deal_id(),
                         "\" already exists at version ", current,
                         "; expected_version requires no deal"),
            request.deal_id(), current);
      }
      break;
    case v1::ExpectedVersion::kExact:
      if (current != expected.exact()) {
        return domain::ExpectedVersionMismatch(
            absl::StrCat("deal \"", request.deal_id(), "\" is at version ",
                         current, "; expected_version.exact is ",
                         expected.exact()),
            request.deal_id(), current);
      }
      break;
    case v1::ExpectedVersion::kAny:
    case v1::ExpectedVersion::CONDITION_NOT_SET:
      break;
  }
  return absl::OkStatus();
}

domain::DealState& Batch::StagedDeal(const std::string& deal_id) {
  auto it = staged_deals_.find(deal_id);
  if (it == staged_deals_.end()) {
    std::shared_ptr<const domain::DealState> live = state_.Deal(deal_id);
    auto copy = live ? std::make_shared<domain::DealState>(*live)
                     : std::make_shared<domain::DealState>();
    it = staged_deals_.emplace(deal_id, std::move(copy)).first;
  }
  return *it->second;
}

void Batch::RestageDeal(const std::string& deal_id) {
  std::shared_ptr<const domain::DealState> live = state_.Deal(deal_id);
  auto state = live ? std::make_shared<domain::DealState>(*live)
                    : std::make_shared<domain::DealState>();
  for (const v1::Event& event : events_) {
    if (event.deal_id() == deal_id) state->Apply(event);
  }
  staged_deals_[deal_id] = std::move(state);
}

v1::Event Batch::MakeEvent(const v1::AppendRequest& request, int index,
                           uint64_t sequence, uint64_t deal_version) {
  v1::Event event;
  event.set_sequence(sequence);
  event.set_deal_id(request.deal_id());
  event.set_deal_version(deal_version);
  domain::ToProtoTime(now_, event.mutable_recorded_time());
  event.set_actor(request.actor());
  *event.mutable_data() = request.events(index);
  if (event.data().event_id().empty()) {
    event.mutable_data()->set_event_id(NewEventId(now_, gen_));
  }
  if (!event.data().has_effective_time()) {
    *event.mutable_data()->mutable_effective_time() = event.recorded_time();
  }
  return event;
}

absl::Status Batch::ResolveReferences(const v1::AppendRequest& request,
                                      int index,
                                      const std::vector<v1::Event>& accepted,
                                      v1::Event* event) {
  const v1::EventData& data = event->data();
  const std::vector<std::string_view> ids = domain::ReferencedIds(data);
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string id(ids[i]);
    const std::string field =
        data.has_amendment() && i == 0
            ? std::string("amendment.target_event_id")
            : absl::StrCat("restates[", i - (data.has_amendment() ? 1 : 0),
                           "]");
    const v1::Event* target = nullptr;
    for (const v1::Event& earlier : accepted) {
      if (earlier.data().event_id() == id) target = &earlier;
    }
    if (target == nullptr) {
      bool staged = false;
      ASSIGN_OR_RETURN(target, FindEvent(id, &staged));
    }
    if (target == nullptr) {
      return absl::NotFoundError(absl::StrCat("events[", index, "].", field,
                                              ": event \"", id,
                                              "\" is not recorded"));
    }
    if (target->deal_id() != request.deal_id()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "rule amend-same-deal: events[", index, "].", field,
          " names event \"", id, "\" of deal \"", target->deal_id(),
          "\", not of deal \"", request.deal_id(), "\""));
    }
    domain::MakeReference(*target, event->add_references());
  }
  if (data.has_amendment() && domain::IsRecordFix(data.amendment()) &&
      !request.events(index).has_effective_time()) {
    *event->mutable_data()->mutable_effective_time() =
        event->references(0).effective_time();
  }
  return absl::OkStatus();
}

absl::Status Batch::AnswerRetry(const v1::AppendRequest& request,
                                v1::AppendResponse* response, bool* recorded,
                                bool* needs_write) {
  int known_count = 0;
  bool any_staged = false;
  std::vector<const v1::Event*> originals(request.events_size(), nullptr);
  for (int i = 0; i < request.events_size(); ++i) {
    const v1::EventData& data = request.events(i);
    if (data.event_id().empty()) continue;
    bool staged = false;
    ASSIGN_OR_RETURN(const v1::Event* original,
                     FindEvent(data.event_id(), &staged));
    if (original == nullptr) continue;
    if (!domain::IsRetryOf(request.deal_id(), data, *original)) {
      return absl::AlreadyExistsError(absl::StrCat(
          "events[", i, "].event_id \"", data.event_id(),
          "\" was recorded at sequence ", original->sequence(), " in deal \"",
          original->deal_id(), "\" with different content"));
    }
    any_staged |= staged;
    originals[i] = original;
    ++known_count;
  }
  *recorded = known_count > 0;
  if (known_count == 0) return absl::OkStatus();
  if (known_count != request.events_size()) {
    int known = 0, fresh = 0;
    for (int i = 0; i < request.events_size(); ++i) {
      (originals[i] != nullptr ? known : fresh) = i;
    }
    return absl::AlreadyExistsError(absl::StrCat(
        "events[", known, "].event_id \"", request.events(known).event_id(),
        "\" is already recorded at sequence ", originals[known]->sequence(),
        " but events[", fresh,
        "] is not: a retry must repeat the original request exactly"));
  }
  for (const v1::Event* original : originals) {
    response->add_sequences(original->sequence());
    response->add_event_ids(original->data().event_id());
  }
  response->set_deal_version(originals.back()->deal_version());
  *response->mutable_recorded_time() = originals.back()->recorded_time();
  response->set_deduplicated(true);
  *needs_write = any_staged;
  return absl::OkStatus();
}

absl::Status Batch::Prepare(const v1::AppendRequest& request,
                            v1::AppendResponse* response, bool* needs_write) {
  *needs_write = false;
  // Idempotency first: a retry of a recorded request gets its original
  // result whatever the deal's version is now.
  bool recorded = false;
  RETURN_IF_ERROR(AnswerRetry(request, response, &recorded, needs_write));
  if (recorded) return absl::OkStatus();

  domain::DealState& staged = StagedDeal(request.deal_id());
  RETURN_IF_ERROR(CheckExpectedVersion(request, staged.version()));

  const uint64_t first_sequence = next_sequence_;
  std::vector<v1::Event> accepted;
  accepted.reserve(request.events_size());
  // Later events of a request may depend on earlier ones (a project
  // announced, then approved), so each is checked against the state with
  // the ones before it folded in. If one fails, the deal's staged state is
  // rebuilt without the request (rare, and cheaper than copying the state
  // for every request).
  for (int i = 0; i < request.events_size(); ++i) {
    v1::Event event =
        MakeEvent(request, i, first_sequence + i, staged.version() + 1);
    // Its messages name the field in full.
    if (absl::Status resolved = ResolveReferences(request, i, accepted, &event);
        !resolved.ok()) {
      if (i > 0) RestageDeal(request.deal_id());
      return resolved;
    }
    absl::Status rule = staged.CheckRules(event);
    if (!rule.ok()) {
      if (i > 0) RestageDeal(request.deal_id());
      if (request.events_size() == 1) return rule;
      // The same error, its message naming the event; its details kept.
      absl::Status named(rule.code(),
                         absl::StrCat("events[", i, "]: ", rule.message()));
      rule.ForEachPayload(
          [&named](absl::string_view type_url, const absl::Cord& payload) {
            named.SetPayload(type_url, payload);
          });
      return named;
    }
    staged.Apply(event);
    accepted.push_back(std::move(event));
  }

  for (v1::Event& event : accepted) {
    event.set_hash(domain::ChainHash(chain_head_, event));
    chain_head_ = event.hash();
    response->add_sequences(event.sequence());
    response->add_event_ids(event.data().event_id());
    staged_ids_[event.data().event_id()] = events_.size();
    events_.push_back(std::move(event));
  }
  response->set_deal_version(staged.version());
  domain::ToProtoTime(now_, response->mutable_recorded_time());
  response->set_deduplicated(false);
  next_sequence_ += accepted.size();
  *needs_write = true;
  return absl::OkStatus();
}

}  // namespace pactlog::ledger
