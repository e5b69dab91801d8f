// EventLog::CreateBackup and EventLog::Stats on a real RocksDB log.
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "storage/rocksdb_event_log.h"
#include "tests/service/test_support.h"

namespace pactlog::storage {
namespace {

using ::pactlog::testing::TempDir;

pactlog::v1::Event MakeEvent(uint64_t sequence) {
  pactlog::v1::Event event;
  event.set_sequence(sequence);
  event.set_deal_id("us-japan");
  event.set_deal_version(sequence);
  event.set_actor("test");
  event.mutable_data()->set_event_id(absl::StrCat("event-", sequence));
  event.mutable_data()->mutable_tariff_change()->set_product_category("autos");
  event.mutable_data()->mutable_tariff_change()->set_rate_bps(
      static_cast<int32_t>(sequence));
  return event;
}

std::unique_ptr<EventLog> Open(const std::string& path) {
  auto log = OpenRocksDbEventLog({.path = path});
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? std::move(*log) : nullptr;
}

void AppendEvents(EventLog& log, int count) {
  std::vector<pactlog::v1::Event> batch;
  for (int i = 0; i < count; ++i) {
    batch.push_back(MakeEvent(log.LastSequence() + 1 + i));
  }
  ASSERT_TRUE(log.Append(batch).ok());
}

TEST(CreateBackupTest, CopyHoldsEveryEventAndOpensAsALog) {
  TempDir dir;
  auto log = Open(dir.path() + "/log");
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < 10; ++i) AppendEvents(*log, 50);

  const std::string copy = dir.path() + "/copy";
  auto info = log->CreateBackup(copy);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->sequence, 500u);
  uint64_t bytes = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(copy)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  EXPECT_EQ(info->bytes, bytes);

  // The original goes on; the copy does not see it.
  AppendEvents(*log, 5);
  auto reopened = Open(copy);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->LastSequence(), 500u);
  for (uint64_t sequence = 1; sequence <= 500; ++sequence) {
    auto original = log->Get(sequence);
    auto copied = reopened->Get(sequence);
    ASSERT_TRUE(original.ok() && copied.ok()) << sequence;
    ASSERT_EQ(original->SerializeAsString(), copied->SerializeAsString());
  }
  auto found = reopened->FindEventId("event-500");
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->has_value());
  EXPECT_FALSE(reopened->FindEventId("event-501")->has_value());
}

TEST(CreateBackupTest, EmptyLogBacksUpAtSequenceZero) {
  TempDir dir;
  auto log = Open(dir.path() + "/log");
  ASSERT_NE(log, nullptr);
  auto info = log->CreateBackup(dir.path() + "/copy");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->sequence, 0u);
  auto reopened = Open(dir.path() + "/copy");
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->LastSequence(), 0u);
}

TEST(CreateBackupTest, BadDirectoriesAreRefusedAndNothingIsLeft) {
  TempDir dir;
  auto log = Open(dir.path() + "/log");
  ASSERT_NE(log, nullptr);
  AppendEvents(*log, 3);

  EXPECT_EQ(log->CreateBackup("relative/copy").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log->CreateBackup("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log->CreateBackup(dir.path()).status().code(),
            absl::StatusCode::kAlreadyExists);
  auto missing_parent = log->CreateBackup(dir.path() + "/no/such/copy");
  EXPECT_EQ(missing_parent.status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(missing_parent.status().message().find("/no/such"),
            std::string::npos);
  std::filesystem::create_directory(dir.path() + "/interrupted.tmp");
  EXPECT_EQ(log->CreateBackup(dir.path() + "/interrupted").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/interrupted"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/no"));
}

TEST(StorageStatsTest, SizesFollowWritesAndFlushes) {
  TempDir dir;
  auto log = Open(dir.path() + "/log");
  ASSERT_NE(log, nullptr);
  auto part = [](const std::vector<StorageStats::Part>& parts,
                 const std::string& name) -> uint64_t {
    for (const StorageStats::Part& p : parts) {
      if (p.name == name) return p.bytes;
    }
    ADD_FAILURE() << "no part " << name;
    return 0;
  };
  const StorageStats empty = log->Stats();
  EXPECT_EQ(part(empty.on_disk, kTableFilesPart), 0u);
  AppendEvents(*log, 200);
  const StorageStats written = log->Stats();
  EXPECT_GT(part(written.on_disk, kWalPart), part(empty.on_disk, kWalPart));
  EXPECT_GT(part(written.in_memory, kMemtablesPart), 0u);
  EXPECT_EQ(written.memory_bytes(), part(written.in_memory, kMemtablesPart));
  // A backup flushes the memtables into table files.
  ASSERT_TRUE(log->CreateBackup(dir.path() + "/copy").ok());
  const StorageStats flushed = log->Stats();
  EXPECT_GT(part(flushed.on_disk, kTableFilesPart), 0u);
  EXPECT_EQ(flushed.disk_bytes(), part(flushed.on_disk, kTableFilesPart) +
                                      part(flushed.on_disk, kWalPart));
  EXPECT_GT(flushed.live_data_bytes, 0u);
}

}  // namespace
}  // namespace pactlog::storage
