#include "ledger/record_entries.h"

#include "absl/strings/str_cat.h"
#include "domain/hash_chain.h"
#include "domain/validation.h"

namespace pactlog::ledger {

namespace v1 = ::pactlog::v1;

std::string ProposerDedupId(const internal::RecordEntry& entry) {
  return absl::StrCat("p-", entry.proposer(), "-", entry.proposal());
}

std::string FirstDedupId(const v1::AppendRequest& original,
                         const internal::RecordEntry& entry) {
  bool all_ids = original.events_size() > 0;
  for (const v1::EventData& data : original.events()) {
    all_ids &= !data.event_id().empty();
  }
  if (!all_ids) return ProposerDedupId(entry);
  return absl::StrCat(
      "c-",
      domain::HashHex(domain::Sha256(domain::DeterministicBytes(original))));
}

namespace {

bool IsRecordable(const v1::AppendRequest& request) {
  if (!domain::ValidateAppendRequest(request).ok()) return false;
  for (const v1::EventData& data : request.events()) {
    if (data.event_id().empty()) return false;
  }
  return true;
}

}  // namespace

bool ParsePactlogEntry(const storage::RecordEntry& raw,
                       internal::RecordEntry* entry) {
  if (!entry->ParseFromString(raw.payload)) return false;
  if (raw.deal_id == storage::kGroupDealId) {
    if (entry->has_request() || entry->requests().empty()) return false;
    for (const v1::AppendRequest& request : entry->requests()) {
      if (!IsRecordable(request)) return false;
    }
    return true;
  }
  return entry->requests().empty() &&
         entry->request().deal_id() == raw.deal_id &&
         IsRecordable(entry->request());
}

bool IsRuleOutcome(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return true;
    default:
      return false;
  }
}

}  // namespace pactlog::ledger
