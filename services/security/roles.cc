#include "services/security/roles.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace pactlog::services::security {

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kRecorder:
      return "recorder";
    case Role::kApprover:
      return "approver";
    case Role::kTreasury:
      return "treasury";
    case Role::kTrade:
      return "trade";
    case Role::kReader:
      return "reader";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

absl::string_view RoleDuty(Role role) {
  switch (role) {
    case Role::kRecorder:
      return "append announcements and amendments";
    case Role::kApprover:
      return "append approvals";
    case Role::kTreasury:
      return "append disbursements";
    case Role::kTrade:
      return "append tariff changes";
    case Role::kReader:
      return "query and read the log";
    case Role::kAdmin:
      return "operate the server";
  }
  return "unknown";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (Role role : kAllRoles) {
    if (RoleName(role) == name) return role;
  }
  std::vector<absl::string_view> known;
  for (Role role : kAllRoles) known.push_back(RoleName(role));
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown role \"", name, "\"; roles are ", absl::StrJoin(known, ", ")));
}

std::string RoleSet::ToString() const {
  std::vector<absl::string_view> names;
  for (Role role : kAllRoles) {
    if (Has(role)) names.push_back(RoleName(role));
  }
  return names.empty() ? "(none)" : absl::StrJoin(names, ", ");
}

std::string RoleSet::ToStringWithDuties() const {
  std::vector<std::string> names;
  for (Role role : kAllRoles) {
    if (Has(role)) {
      names.push_back(
          absl::StrCat(RoleName(role), " (to ", RoleDuty(role), ")"));
    }
  }
  return names.empty() ? "(none)" : absl::StrJoin(names, ", ");
}

namespace {

using pactlog::v1::Correction;
using pactlog::v1::EventData;

// The role that appends a replacement of this kind.
void AddForCorrection(const Correction& correction, RoleSet* needed) {
  switch (correction.replacement_case()) {
    case Correction::kAnnouncement:
      needed->Add(Role::kRecorder);
      break;
    case Correction::kApproval:
      needed->Add(Role::kApprover);
      break;
    case Correction::kDisbursement:
      needed->Add(Role::kTreasury);
      break;
    case Correction::kTariffChange:
      needed->Add(Role::kTrade);
      break;
    case Correction::REPLACEMENT_NOT_SET:
      break;
  }
}

}  // namespace

RoleSet RolesToAppend(const pactlog::v1::AppendRequest& request) {
  RoleSet needed;
  for (const EventData& event : request.events()) {
    switch (event.kind_case()) {
      case EventData::kAnnouncement:
        needed.Add(Role::kRecorder);
        break;
      case EventData::kApproval:
        needed.Add(Role::kApprover);
        break;
      case EventData::kDisbursement:
        needed.Add(Role::kTreasury);
        break;
      case EventData::kTariffChange:
        needed.Add(Role::kTrade);
        break;
      case EventData::kAmendment:
        // A statement about the record: the recorder's; a correction also
        // needs the role that appends what it puts in place.
        needed.Add(Role::kRecorder);
        if (event.amendment().has_correction()) {
          AddForCorrection(event.amendment().correction(), &needed);
        }
        break;
      case EventData::KIND_NOT_SET:
        break;
    }
  }
  return needed;
}

}  // namespace pactlog::services::security
