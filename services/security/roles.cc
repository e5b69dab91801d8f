#include "services/security/roles.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/validation.h"

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

// The role that appends events of `kind`. An amendment is a statement
// about the record: the recorder's.
std::optional<Role> WriterOf(pactlog::v1::EventKind kind) {
  switch (kind) {
    case pactlog::v1::EVENT_KIND_ANNOUNCEMENT:
    case pactlog::v1::EVENT_KIND_AMENDMENT:
      return Role::kRecorder;
    case pactlog::v1::EVENT_KIND_APPROVAL:
      return Role::kApprover;
    case pactlog::v1::EVENT_KIND_DISBURSEMENT:
      return Role::kTreasury;
    case pactlog::v1::EVENT_KIND_TARIFF_CHANGE:
      return Role::kTrade;
    default:
      return std::nullopt;  // no kind: validation's business
  }
}

}  // namespace

RoleSet RolesToAppend(const pactlog::v1::AppendRequest& request) {
  RoleSet needed;
  auto add = [&](pactlog::v1::EventKind kind) {
    if (std::optional<Role> role = WriterOf(kind)) needed.Add(*role);
  };
  for (const pactlog::v1::EventData& event : request.events()) {
    add(domain::KindOf(event));
    // A correction also needs the role that appends what it puts in place.
    if (event.amendment().has_correction()) {
      add(domain::KindOf(event.amendment().correction()));
    }
  }
  return needed;
}

}  // namespace pactlog::services::security
