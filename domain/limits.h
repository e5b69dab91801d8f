// Limits on what one request or event may carry. They are part of the
// public contract (documented in the .proto files and README.md).
#ifndef PACTLOG_DOMAIN_LIMITS_H_
#define PACTLOG_DOMAIN_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace pactlog::domain {

inline constexpr int kMaxEventsPerAppend = 1000;
inline constexpr std::size_t kMaxRequestBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxSlugBytes = 64;
inline constexpr std::size_t kMaxEventIdBytes = 128;
inline constexpr std::size_t kMaxActorBytes = 128;
inline constexpr std::size_t kMaxTitleBytes = 256;
inline constexpr std::size_t kMaxNameBytes = 256;
inline constexpr std::size_t kMaxSponsors = 32;
inline constexpr std::size_t kMaxSponsorBytes = 128;
inline constexpr std::size_t kMaxBodyBytes = 128;
inline constexpr std::size_t kMaxTrancheBytes = 64;
inline constexpr std::size_t kMaxInstrumentBytes = 256;
inline constexpr std::size_t kMaxReasonBytes = 1024;
inline constexpr std::size_t kMaxSourceBytes = 2048;
inline constexpr std::size_t kMaxTariffCaps = 256;
inline constexpr int32_t kMaxRateBps = 100000;
// Levels of allocations: a part of the ceiling and up to 7 earmarks deep.
inline constexpr int kMaxAllocationDepth = 8;
inline constexpr std::size_t kMaxAssertedByBytes = 128;
inline constexpr std::size_t kMaxTermBytes = 256;
inline constexpr std::size_t kMaxCommitments = 32;
inline constexpr std::size_t kMaxFundingChannels = 8;
inline constexpr int32_t kMaxFundingDeadlineDays = 3650;
// Earlier reports one announcement restates.
inline constexpr std::size_t kMaxRestates = 32;
inline constexpr int kMaxPageSize = 1000;
inline constexpr int kDefaultPageSize = 100;
// Effective times must lie in [kMinEffectiveYear-01-01,
// kMaxEffectiveYear-01-01).
inline constexpr int kMinEffectiveYear = 1900;
inline constexpr int kMaxEffectiveYear = 2200;

}  // namespace pactlog::domain

#endif  // PACTLOG_DOMAIN_LIMITS_H_
