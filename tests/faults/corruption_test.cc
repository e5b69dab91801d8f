// Corruption is detected, never served: with a byte of a stored event
// flipped on disk, reading that event and the start-up replay answer
// DATA_LOSS naming the sequence, and every event that is still readable is
// exactly what was written.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "storage/rocksdb_event_log.h"
#include "tests/faults/stored_event.h"
#include "tests/service/test_support.h"

namespace pactlog::testing {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kEvents = 400;

v1::Event MakeEvent(uint64_t sequence) {
  v1::Event event =
      StoredEvent(sequence, sequence,
                  absl::StrCat("https://example.gov/notice/", sequence));
  v1::EventData* data = event.mutable_data();
  if (sequence == 1) {
    v1::DealAnnouncement* deal = data->mutable_announcement()->mutable_deal();
    deal->set_title("Corruption-test framework");
    deal->set_investor_country("JP");
    deal->set_host_country("US");
    deal->mutable_commitment_ceiling()->set_currency_code("USD");
    deal->mutable_commitment_ceiling()->set_minor_units(100'000'000);
  } else {
    v1::TariffChange* change = data->mutable_tariff_change();
    change->set_product_category(absl::StrCat("category-", sequence % 7));
    change->set_rate_bps(static_cast<int32_t>(100 + sequence));
    change->set_legal_instrument("Executive Order");
  }
  return event;
}

// The largest table file: the events column family's.
std::filesystem::path LargestTableFile(const std::string& dir) {
  std::filesystem::path largest;
  uintmax_t size = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".sst" && entry.file_size() > size) {
      size = entry.file_size();
      largest = entry.path();
    }
  }
  return largest;
}

void FlipByte(const std::filesystem::path& file, std::streamoff offset) {
  std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(stream.good()) << file;
  stream.seekg(offset);
  char byte = 0;
  stream.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x20);
  stream.seekp(offset);
  stream.write(&byte, 1);
}

class CorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Written and closed: a clean close flushes the events to table files.
    auto log = storage::OpenRocksDbEventLog({.path = dir_.path()});
    ASSERT_TRUE(log.ok()) << log.status();
    for (uint64_t sequence = 1; sequence <= kEvents; ++sequence) {
      ASSERT_TRUE((*log)->Append({MakeEvent(sequence)}).ok());
    }
  }

  TempDir dir_;
};

TEST_F(CorruptionTest,
       AFlippedByteIsDataLossNamingTheSequenceNeverAWrongEvent) {
  const std::filesystem::path table = LargestTableFile(dir_.path());
  ASSERT_FALSE(table.empty());
  // Inside the first data block (table files start with their data).
  FlipByte(table, 64);

  auto log = storage::OpenRocksDbEventLog({.path = dir_.path()});
  ASSERT_TRUE(log.ok()) << log.status();
  int lost = 0;
  for (uint64_t sequence = 1; sequence <= kEvents; ++sequence) {
    absl::StatusOr<v1::Event> event = (*log)->Get(sequence);
    if (event.ok()) {
      // What is served is exactly what was written.
      EXPECT_EQ(event->SerializeAsString(),
                MakeEvent(sequence).SerializeAsString())
          << "sequence " << sequence;
      continue;
    }
    ++lost;
    EXPECT_EQ(event.status().code(), absl::StatusCode::kDataLoss)
        << event.status();
    EXPECT_THAT(event.status().message(),
                HasSubstr(absl::StrCat("sequence ", sequence)));
  }
  EXPECT_GT(lost, 0) << "the flipped byte went unnoticed";
  EXPECT_LT(lost, static_cast<int>(kEvents)) << "more than one block lost";

  const absl::Status scanned =
      (*log)->Scan(0, [](const v1::Event&) { return true; });
  EXPECT_EQ(scanned.code(), absl::StatusCode::kDataLoss) << scanned;
  EXPECT_THAT(scanned.message(), HasSubstr("reading the event at sequence 1"));
}

TEST_F(CorruptionTest, StartUpOverADamagedLogFailsWithDataLoss) {
  FlipByte(LargestTableFile(dir_.path()), 64);
  services::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = dir_.path();
  options.snapshot_interval = 0;
  auto server = services::PactlogServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const absl::Status recovered = (*server)->Recover();
  EXPECT_EQ(recovered.code(), absl::StatusCode::kDataLoss) << recovered;
  EXPECT_THAT(recovered.message(), HasSubstr("sequence 1"));
  EXPECT_FALSE((*server)->ledger().ready());
  (*server)->Shutdown(absl::ZeroDuration());
}

}  // namespace
}  // namespace pactlog::testing
