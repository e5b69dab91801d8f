// Roles of an authenticated principal and what each one allows.
//
// recorder  append announcements (of deals and projects)
// approver  append approvals
// treasury  append disbursements
// trade     append tariff changes
// reader    DealQuery, EventStream.Read and EventStream.Subscribe
// admin     everything, including operations meant for operators only
//
// RoleSet is a small value type; everything here is thread-safe.
#ifndef PACTLOG_SERVICES_SECURITY_ROLES_H_
#define PACTLOG_SERVICES_SECURITY_ROLES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pactlog/v1/ledger.pb.h"

namespace pactlog::services::security {

enum class Role : uint8_t {
  kRecorder = 0,
  kApprover = 1,
  kTreasury = 2,
  kTrade = 3,
  kReader = 4,
  kAdmin = 5,
};

inline constexpr Role kAllRoles[] = {Role::kRecorder, Role::kApprover,
                                     Role::kTreasury, Role::kTrade,
                                     Role::kReader,   Role::kAdmin};

// The role's name as written in the token file ("recorder", ...).
absl::string_view RoleName(Role role);

// What the role allows, e.g. "append approvals", for error messages.
absl::string_view RoleDuty(Role role);

// The role named `name`; INVALID_ARGUMENT naming the known roles otherwise.
[[nodiscard]] absl::StatusOr<Role> ParseRole(absl::string_view name);

class RoleSet {
 public:
  constexpr RoleSet() = default;
  constexpr RoleSet(std::initializer_list<Role> roles) {
    for (Role role : roles) bits_ |= Bit(role);
  }

  constexpr void Add(Role role) { bits_ |= Bit(role); }
  constexpr bool Has(Role role) const { return (bits_ & Bit(role)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }

  // The roles of `needed` this set lacks; empty when it has them all.
  // admin stands for every role.
  RoleSet Missing(RoleSet needed) const {
    if (Has(Role::kAdmin)) return RoleSet();
    RoleSet missing;
    missing.bits_ = needed.bits_ & ~bits_;
    return missing;
  }

  // "approver, treasury" (in kAllRoles order); "(none)" when empty.
  std::string ToString() const;
  // "approver (to append approvals), treasury (to append disbursements)".
  std::string ToStringWithDuties() const;

  bool operator==(const RoleSet&) const = default;

 private:
  static constexpr uint8_t Bit(Role role) {
    return static_cast<uint8_t>(1u << static_cast<uint8_t>(role));
  }
  uint8_t bits_ = 0;
};

// What the queries and the streams need.
inline constexpr RoleSet kReaderRoles{Role::kReader};
// What operator-only operations need.
inline constexpr RoleSet kAdminRoles{Role::kAdmin};

// The roles needed to append every event of `request`: one per event kind
// present. An event with no kind needs none here (validation rejects it).
RoleSet RolesToAppend(const pactlog::v1::AppendRequest& request);

}  // namespace pactlog::services::security

#endif  // PACTLOG_SERVICES_SECURITY_ROLES_H_
