#include "storage/rocksdb_event_log.h"

#include <stdlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "pactlog/v1/events.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace pactlog::storage {
namespace {

using ::pactlog::v1::Event;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

MATCHER_P(EqualsEvent, expected,
          absl::StrCat("equals ", expected.ShortDebugString())) {
  return google::protobuf::util::MessageDifferencer::Equals(arg, expected);
}

Event MakeEvent(uint64_t sequence, std::string_view deal_id,
                uint64_t deal_version) {
  Event event;
  event.set_sequence(sequence);
  event.set_deal_id(std::string(deal_id));
  event.set_deal_version(deal_version);
  event.mutable_recorded_time()->set_seconds(1'750'000'000 + sequence);
  event.set_actor("test-actor");
  pactlog::v1::EventData* data = event.mutable_data();
  data->set_event_id(absl::StrCat("evt-", sequence));
  data->mutable_effective_time()->set_seconds(1'740'000'000 + sequence);
  data->mutable_provenance()->set_source(
      absl::StrCat("https://example.gov/fact-sheet/", sequence));
  data->mutable_provenance()->set_firmness(
      pactlog::v1::FIRMNESS_OFFICIALLY_ANNOUNCED);
  pactlog::v1::Approval* approval = data->mutable_approval();
  approval->set_project_id("grid-upgrade");
  approval->mutable_amount()->set_currency_code("USD");
  approval->mutable_amount()->set_minor_units(100 * sequence);
  approval->set_approving_body("US Investment Committee");
  return event;
}

std::vector<uint64_t> Sequences(const std::vector<Event>& events) {
  std::vector<uint64_t> out;
  for (const Event& event : events) out.push_back(event.sequence());
  return out;
}

std::vector<uint64_t> Versions(const std::vector<Event>& events) {
  std::vector<uint64_t> out;
  for (const Event& event : events) out.push_back(event.deal_version());
  return out;
}

// Events of a raw database, by column family name.
using RawHandles = std::map<std::string, rocksdb::ColumnFamilyHandle*>;

class RocksDbEventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::path(::testing::TempDir()) /
                         "rocksdb_event_log_test.XXXXXX")
                            .string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    path_ = (dir_ / "log").string();
  }

  void TearDown() override {
    log_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  absl::StatusOr<std::unique_ptr<EventLog>> Open() {
    return OpenRocksDbEventLog(RocksDbOptions{.path = path_});
  }

  // Opens (or reopens) log_; a test fails at once when it cannot.
  void OpenLog() {
    log_.reset();
    absl::StatusOr<std::unique_ptr<EventLog>> log = Open();
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }

  void CloseLog() { log_.reset(); }

  void Append(std::vector<Event> events) {
    const absl::Status status = log_->Append(events);
    ASSERT_TRUE(status.ok()) << status;
  }

  std::vector<Event> ScanAll(uint64_t after_sequence) {
    std::vector<Event> events;
    const absl::Status status =
        log_->Scan(after_sequence, [&](const Event& event) {
          events.push_back(event);
          return true;
        });
    EXPECT_TRUE(status.ok()) << status;
    return events;
  }

  std::vector<Event> ScanDealAll(std::string_view deal_id,
                                 uint64_t after_version) {
    std::vector<Event> events;
    const absl::Status status =
        log_->ScanDeal(deal_id, after_version, [&](const Event& event) {
          events.push_back(event);
          return true;
        });
    EXPECT_TRUE(status.ok()) << status;
    return events;
  }

  // Runs `body` on the log's database opened directly with RocksDB, with
  // every column family it has (plus `create`). The log must be closed.
  void WithRawDb(
      const std::function<void(rocksdb::DB*, const RawHandles&)>& body,
      const std::vector<std::string>& create = {}) {
    rocksdb::DBOptions options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<std::string> names;
    if (!rocksdb::DB::ListColumnFamilies(options, path_, &names).ok()) {
      names = {rocksdb::kDefaultColumnFamilyName};
    }
    names.insert(names.end(), create.begin(), create.end());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : names) {
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    const rocksdb::Status status =
        rocksdb::DB::Open(options, path_, descriptors, &handles, &db);
    ASSERT_TRUE(status.ok()) << status.ToString();
    RawHandles by_name;
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      by_name[handle->GetName()] = handle;
    }
    body(db, by_name);
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    }
    ASSERT_TRUE(db->Close().ok());
    delete db;
  }

  static std::string SequenceKey(uint64_t sequence) {
    std::string key(8, '\0');
    for (int i = 7; i >= 0; --i) {
      key[i] = static_cast<char>(sequence & 0xff);
      sequence >>= 8;
    }
    return key;
  }

  // Overwrites the stored value of the event at `sequence`.
  void OverwriteEventValue(uint64_t sequence, const std::string& value) {
    CloseLog();
    WithRawDb([&](rocksdb::DB* db, const RawHandles& cf) {
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf.at("events"),
                          SequenceKey(sequence), value)
                      .ok());
    });
  }

  void SetFormatVersion(const std::string& version,
                        const std::vector<std::string>& create = {}) {
    CloseLog();
    WithRawDb(
        [&](rocksdb::DB* db, const RawHandles& cf) {
          ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf.at("meta"),
                              "format_version", version)
                          .ok());
        },
        create);
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<EventLog> log_;
};

// Three deals: "ab" at sequences 1, 3, 5; "abc" at 2, 6; "a" at 4.
std::vector<std::vector<Event>> ThreeDealBatches() {
  return {
      {MakeEvent(1, "ab", 1), MakeEvent(2, "abc", 1)},
      {MakeEvent(3, "ab", 2)},
      {MakeEvent(4, "a", 1), MakeEvent(5, "ab", 3), MakeEvent(6, "abc", 2)},
  };
}

TEST_F(RocksDbEventLogTest, EmptyLogHasLastSequenceZeroAndNoEvents) {
  OpenLog();
  EXPECT_EQ(log_->LastSequence(), 0u);
  EXPECT_EQ(log_->Get(1).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(ScanAll(0), IsEmpty());
  EXPECT_THAT(ScanDealAll("ab", 0), IsEmpty());
  absl::StatusOr<std::optional<EventIdEntry>> found =
      log_->FindEventId("evt-1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, std::nullopt);
}

TEST_F(RocksDbEventLogTest, AppendedEventsAreReadableEveryWay) {
  OpenLog();
  for (const std::vector<Event>& batch : ThreeDealBatches()) Append(batch);
  EXPECT_EQ(log_->LastSequence(), 6u);

  absl::StatusOr<Event> third = log_->Get(3);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_THAT(*third, EqualsEvent(MakeEvent(3, "ab", 2)));

  const std::vector<Event> all = ScanAll(0);
  ASSERT_THAT(all, SizeIs(6));
  EXPECT_THAT(all[3], EqualsEvent(MakeEvent(4, "a", 1)));
  EXPECT_THAT(Sequences(all), ElementsAre(1, 2, 3, 4, 5, 6));

  const std::vector<Event> ab = ScanDealAll("ab", 0);
  EXPECT_THAT(Sequences(ab), ElementsAre(1, 3, 5));
  EXPECT_THAT(Versions(ab), ElementsAre(1, 2, 3));
  EXPECT_THAT(ab[2], EqualsEvent(MakeEvent(5, "ab", 3)));

  absl::StatusOr<std::optional<EventIdEntry>> found =
      log_->FindEventId("evt-5");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->sequence, 5u);
  found = log_->FindEventId("evt-7");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, std::nullopt);
}

TEST_F(RocksDbEventLogTest, ReopenedLogHoldsEverythingAppended) {
  OpenLog();
  for (const std::vector<Event>& batch : ThreeDealBatches()) Append(batch);
  const std::vector<Event> before = ScanAll(0);
  OpenLog();

  EXPECT_EQ(log_->LastSequence(), 6u);
  const std::vector<Event> after = ScanAll(0);
  ASSERT_THAT(after, SizeIs(before.size()));
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_THAT(after[i], EqualsEvent(before[i]));
    absl::StatusOr<Event> got = log_->Get(before[i].sequence());
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_THAT(*got, EqualsEvent(before[i]));
    absl::StatusOr<std::optional<EventIdEntry>> found =
        log_->FindEventId(before[i].data().event_id());
    ASSERT_TRUE(found.ok()) << found.status();
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->sequence, before[i].sequence());
  }
  EXPECT_THAT(Sequences(ScanDealAll("ab", 0)), ElementsAre(1, 3, 5));
  EXPECT_THAT(Sequences(ScanDealAll("abc", 0)), ElementsAre(2, 6));
  EXPECT_THAT(Sequences(ScanDealAll("a", 0)), ElementsAre(4));

  Append({MakeEvent(7, "a", 2)});
  OpenLog();
  EXPECT_EQ(log_->LastSequence(), 7u);
  EXPECT_THAT(Sequences(ScanDealAll("a", 0)), ElementsAre(4, 7));
}

TEST_F(RocksDbEventLogTest, AppendAppliedKeepsTheSourcePositionWithTheEvents) {
  OpenLog();
  absl::StatusOr<uint64_t> position = log_->SourcePosition();
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(*position, 0u);
  ASSERT_TRUE(log_->AppendApplied({MakeEvent(1, "ab", 1)}, 4, "").ok());
  // An applied entry that added no event still moves the position.
  ASSERT_TRUE(log_->AppendApplied({}, 7, "").ok());
  ASSERT_TRUE(
      log_->AppendApplied({MakeEvent(2, "ab", 2), MakeEvent(3, "a", 1)}, 9, "")
          .ok());
  // Refused like Append, and then nothing moves.
  EXPECT_EQ(log_->AppendApplied({MakeEvent(9, "a", 2)}, 12, "").code(),
            absl::StatusCode::kInternal);
  position = log_->SourcePosition();
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(*position, 9u);

  OpenLog();
  position = log_->SourcePosition();
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(*position, 9u);
  EXPECT_EQ(log_->LastSequence(), 3u);
  EXPECT_THAT(Sequences(ScanDealAll("ab", 0)), ElementsAre(1, 2));
  ASSERT_TRUE(log_->AppendApplied({}, 10, "").ok());
  position = log_->SourcePosition();
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(*position, 10u);
}

// The applier's note of unconfirmed entries is written with the events and
// the position, kept across a reopen, replaced by each AppendApplied and
// gone once one gives none; a refused write leaves it as it was.
TEST_F(RocksDbEventLogTest, AppendAppliedKeepsTheUnconfirmedNote) {
  OpenLog();
  auto note = [this] {
    absl::StatusOr<std::string> stored = log_->SourceUnconfirmed();
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.value_or("<error>");
  };
  EXPECT_EQ(note(), "");
  ASSERT_TRUE(log_->AppendApplied({MakeEvent(1, "ab", 1)}, 4, "first").ok());
  EXPECT_EQ(note(), "first");
  EXPECT_EQ(log_->AppendApplied({MakeEvent(9, "a", 2)}, 12, "refused").code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(note(), "first");

  OpenLog();
  EXPECT_EQ(note(), "first");
  ASSERT_TRUE(log_->AppendApplied({}, 5, "second").ok());
  EXPECT_EQ(note(), "second");
  ASSERT_TRUE(log_->AppendApplied({}, 6, "").ok());
  EXPECT_EQ(note(), "");
  OpenLog();
  EXPECT_EQ(note(), "");
  // An empty note on a log that has none writes nothing for it.
  ASSERT_TRUE(log_->AppendApplied({}, 7, "").ok());
  EXPECT_EQ(note(), "");
  EXPECT_EQ(*log_->SourcePosition(), 7u);
}

TEST_F(RocksDbEventLogTest, BatchWithWrongSequencesIsInternalAndWritesNothing) {
  OpenLog();
  Append({MakeEvent(1, "ab", 1), MakeEvent(2, "ab", 2)});

  const std::vector<std::vector<Event>> refused = {
      {MakeEvent(4, "ab", 3)},                         // gap before
      {MakeEvent(2, "ab", 3)},                         // reused
      {MakeEvent(3, "ab", 3), MakeEvent(5, "ab", 4)},  // gap inside
      {MakeEvent(3, "ab", 3), MakeEvent(3, "ab", 4)},  // repeated
      {MakeEvent(4, "ab", 4), MakeEvent(3, "ab", 3)},  // out of order
  };
  for (const std::vector<Event>& batch : refused) {
    const absl::Status status = log_->Append(batch);
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  }
  const absl::Status status = log_->Append(refused[2]);
  EXPECT_THAT(std::string(status.message()), HasSubstr("sequence 5"));

  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "open" : "reopened");
    EXPECT_EQ(log_->LastSequence(), 2u);
    EXPECT_THAT(Sequences(ScanAll(0)), ElementsAre(1, 2));
    EXPECT_THAT(Versions(ScanDealAll("ab", 0)), ElementsAre(1, 2));
    EXPECT_EQ(log_->Get(3).status().code(), absl::StatusCode::kNotFound);
    absl::StatusOr<std::optional<EventIdEntry>> found =
        log_->FindEventId("evt-3");
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_EQ(*found, std::nullopt);
    OpenLog();
  }
  Append({MakeEvent(3, "ab", 3)});
  EXPECT_EQ(log_->LastSequence(), 3u);
}

TEST_F(RocksDbEventLogTest, EmptyBatchIsInternal) {
  OpenLog();
  EXPECT_EQ(log_->Append({}).code(), absl::StatusCode::kInternal);
  EXPECT_EQ(log_->LastSequence(), 0u);
}

TEST_F(RocksDbEventLogTest, EventsThatCannotBeIndexedAreInternal) {
  OpenLog();
  Event no_deal = MakeEvent(1, "", 1);
  Event nul_in_deal = MakeEvent(1, std::string("a\0b", 3), 1);
  Event no_event_id = MakeEvent(1, "ab", 1);
  no_event_id.mutable_data()->clear_event_id();
  for (const Event& event : {no_deal, nul_in_deal, no_event_id}) {
    const absl::Status status = log_->Append({MakeEvent(1, "ab", 1), event});
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  }
  EXPECT_EQ(log_->LastSequence(), 0u);
  EXPECT_THAT(ScanAll(0), IsEmpty());
}

TEST_F(RocksDbEventLogTest, GetOutsideTheLogIsNotFound) {
  OpenLog();
  Append({MakeEvent(1, "ab", 1)});
  for (uint64_t sequence :
       {uint64_t{0}, uint64_t{2}, std::numeric_limits<uint64_t>::max()}) {
    const absl::Status status = log_->Get(sequence).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  }
}

TEST_F(RocksDbEventLogTest, ScanFromTheMiddleVisitsTheRestInOrder) {
  OpenLog();
  for (const std::vector<Event>& batch : ThreeDealBatches()) Append(batch);
  EXPECT_THAT(Sequences(ScanAll(3)), ElementsAre(4, 5, 6));
  EXPECT_THAT(Sequences(ScanAll(5)), ElementsAre(6));
  EXPECT_THAT(ScanAll(6), IsEmpty());
  EXPECT_THAT(ScanAll(std::numeric_limits<uint64_t>::max()), IsEmpty());
}

TEST_F(RocksDbEventLogTest, ScansStopWhenTheVisitorReturnsFalse) {
  OpenLog();
  for (const std::vector<Event>& batch : ThreeDealBatches()) Append(batch);

  std::vector<uint64_t> seen;
  absl::Status status = log_->Scan(1, [&](const Event& event) {
    seen.push_back(event.sequence());
    return seen.size() < 2;
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(seen, ElementsAre(2, 3));

  seen.clear();
  status = log_->ScanDeal("ab", 0, [&](const Event& event) {
    seen.push_back(event.sequence());
    return false;
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(seen, ElementsAre(1));
}

TEST_F(RocksDbEventLogTest, ScanEncodedPassesTheStoredBytesOfEachEvent) {
  OpenLog();
  for (const std::vector<Event>& batch : ThreeDealBatches()) Append(batch);

  std::vector<uint64_t> seen;
  absl::Status status =
      log_->ScanEncoded(2, [&](const Event& event, std::string_view encoded) {
        Event decoded;
        EXPECT_TRUE(decoded.ParseFromArray(encoded.data(),
                                           static_cast<int>(encoded.size())));
        EXPECT_EQ(decoded.SerializeAsString(), event.SerializeAsString());
        EXPECT_EQ(encoded, event.SerializeAsString());
        seen.push_back(event.sequence());
        return seen.size() < 3;
      });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(seen, ElementsAre(3, 4, 5));
}

TEST_F(RocksDbEventLogTest, ScanDealKeepsDealsWhoseIdsPrefixEachOtherApart) {
  OpenLog();
  for (const std::vector<Event>& batch : ThreeDealBatches()) Append(batch);
  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "memtable" : "reopened (tables)");
    EXPECT_THAT(Sequences(ScanDealAll("a", 0)), ElementsAre(4));
    EXPECT_THAT(Sequences(ScanDealAll("ab", 0)), ElementsAre(1, 3, 5));
    EXPECT_THAT(Sequences(ScanDealAll("abc", 0)), ElementsAre(2, 6));
    EXPECT_THAT(Sequences(ScanDealAll("ab", 1)), ElementsAre(3, 5));
    EXPECT_THAT(ScanDealAll("ab", 3), IsEmpty());
    OpenLog();
  }
}

TEST_F(RocksDbEventLogTest, ScanDealOfUnknownDealVisitsNothing) {
  OpenLog();
  for (const std::vector<Event>& batch : ThreeDealBatches()) Append(batch);
  EXPECT_THAT(ScanDealAll("abcd", 0), IsEmpty());
  EXPECT_THAT(ScanDealAll("b", 0), IsEmpty());
  EXPECT_THAT(ScanDealAll("", 0), IsEmpty());
  // Would prefix the keys of deal "a" if NUL bytes were not refused.
  EXPECT_THAT(ScanDealAll(std::string_view("a\0", 2), 0), IsEmpty());
  EXPECT_THAT(ScanDealAll("ab", std::numeric_limits<uint64_t>::max()),
              IsEmpty());
}

TEST_F(RocksDbEventLogTest, ScanDealOfALongDealCrossesFetchChunks) {
  OpenLog();
  constexpr uint64_t kEvents = 700;
  std::vector<Event> batch;
  for (uint64_t sequence = 1; sequence <= kEvents; ++sequence) {
    // "long" holds every odd sequence; "other" every even one.
    batch.push_back(sequence % 2 == 1
                        ? MakeEvent(sequence, "long", (sequence + 1) / 2)
                        : MakeEvent(sequence, "other", sequence / 2));
  }
  Append(batch);

  const std::vector<Event> all = ScanDealAll("long", 0);
  ASSERT_THAT(all, SizeIs(kEvents / 2));
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].deal_version(), i + 1);
    EXPECT_EQ(all[i].sequence(), 2 * i + 1);
  }
  EXPECT_THAT(ScanDealAll("long", 300), SizeIs(kEvents / 2 - 300));

  uint64_t visited = 0;
  const absl::Status status =
      log_->ScanDeal("other", 0, [&](const Event&) { return ++visited < 300; });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(visited, 300u);
}

TEST_F(RocksDbEventLogTest, UndecodableEventIsDataLossNamingItsSequence) {
  OpenLog();
  for (const std::vector<Event>& batch : ThreeDealBatches()) Append(batch);
  OverwriteEventValue(3, "\x01\xff\xff\xff garbage");
  OpenLog();

  const absl::Status get = log_->Get(3).status();
  EXPECT_EQ(get.code(), absl::StatusCode::kDataLoss) << get;
  EXPECT_THAT(std::string(get.message()), HasSubstr("sequence 3"));
  EXPECT_TRUE(log_->Get(2).ok());

  std::vector<uint64_t> seen;
  const absl::Status scan = log_->Scan(0, [&](const Event& event) {
    seen.push_back(event.sequence());
    return true;
  });
  EXPECT_EQ(scan.code(), absl::StatusCode::kDataLoss) << scan;
  EXPECT_THAT(std::string(scan.message()), HasSubstr("sequence 3"));
  EXPECT_THAT(seen, ElementsAre(1, 2));

  const absl::Status deal =
      log_->ScanDeal("ab", 0, [](const Event&) { return true; });
  EXPECT_EQ(deal.code(), absl::StatusCode::kDataLoss) << deal;
  EXPECT_THAT(std::string(deal.message()), HasSubstr("sequence 3"));
}

TEST_F(RocksDbEventLogTest, EventWithUnknownValueFormatIsDataLoss) {
  OpenLog();
  for (const std::vector<Event>& batch : ThreeDealBatches()) Append(batch);
  OverwriteEventValue(
      2, absl::StrCat("\x02", MakeEvent(2, "abc", 1).SerializeAsString()));
  OpenLog();
  const absl::Status status = log_->Get(2).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("0x02"));
}

TEST_F(RocksDbEventLogTest, EventStoredUnderAnotherSequenceIsDataLoss) {
  OpenLog();
  for (const std::vector<Event>& batch : ThreeDealBatches()) Append(batch);
  OverwriteEventValue(
      2, absl::StrCat("\x01", MakeEvent(5, "abc", 1).SerializeAsString()));
  OpenLog();
  EXPECT_EQ(log_->Get(2).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(RocksDbEventLogTest, MissingEventIsDataLoss) {
  OpenLog();
  for (const std::vector<Event>& batch : ThreeDealBatches()) Append(batch);
  CloseLog();
  WithRawDb([&](rocksdb::DB* db, const RawHandles& cf) {
    ASSERT_TRUE(
        db->Delete(rocksdb::WriteOptions(), cf.at("events"), SequenceKey(3))
            .ok());
  });
  OpenLog();

  const absl::Status get = log_->Get(3).status();
  EXPECT_EQ(get.code(), absl::StatusCode::kDataLoss) << get;
  const absl::Status scan = log_->Scan(0, [](const Event&) { return true; });
  EXPECT_EQ(scan.code(), absl::StatusCode::kDataLoss) << scan;
  EXPECT_THAT(std::string(scan.message()), HasSubstr("3..3"));
  const absl::Status deal =
      log_->ScanDeal("ab", 0, [](const Event&) { return true; });
  EXPECT_EQ(deal.code(), absl::StatusCode::kDataLoss) << deal;
}

TEST_F(RocksDbEventLogTest, NewerFormatVersionIsFailedPrecondition) {
  OpenLog();
  Append({MakeEvent(1, "ab", 1)});
  // A newer format may also bring column families this build does not know.
  SetFormatVersion("2", {"future_index"});
  const absl::Status status = Open().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("format version 2"));
}

TEST_F(RocksDbEventLogTest, UnreadableFormatVersionIsDataLoss) {
  OpenLog();
  for (const std::string version : {"one", "", "0", "-1", "1 "}) {
    SCOPED_TRACE(version);
    SetFormatVersion(version);
    const absl::Status status = Open().status();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  }
  SetFormatVersion("1");
  OpenLog();
}

TEST_F(RocksDbEventLogTest, ForeignDatabaseIsDataLoss) {
  WithRawDb([](rocksdb::DB* db, const RawHandles& cf) {
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(),
                        cf.at(rocksdb::kDefaultColumnFamilyName), "k", "v")
                    .ok());
  });
  const absl::Status status = Open().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("not a pactlog event log"));
}

TEST_F(RocksDbEventLogTest, InterruptedCreationIsCompletedOnOpen) {
  // What a crash between creating the column families and recording the
  // format version leaves behind.
  WithRawDb([](rocksdb::DB*, const RawHandles&) {},
            {"events", "deal_index", "event_ids", "meta"});
  OpenLog();
  EXPECT_EQ(log_->LastSequence(), 0u);
  Append({MakeEvent(1, "ab", 1)});
  CloseLog();
  WithRawDb([](rocksdb::DB* db, const RawHandles& cf) {
    std::string version;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), cf.at("meta"), "format_version",
                        &version)
                    .ok());
    EXPECT_EQ(version, "1");
  });
}

TEST_F(RocksDbEventLogTest, SecondOpenOfAnOpenLogIsUnavailable) {
  OpenLog();
  const absl::Status status = Open().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(path_));
  CloseLog();
  OpenLog();
}

TEST_F(RocksDbEventLogTest, OpenCreatesMissingParentDirectories) {
  path_ = (dir_ / "a" / "b" / "log").string();
  OpenLog();
  Append({MakeEvent(1, "ab", 1)});
  EXPECT_TRUE(std::filesystem::exists(dir_ / "a" / "b" / "log" / "CURRENT"));
}

TEST_F(RocksDbEventLogTest, OpenWithEmptyPathIsInvalidArgument) {
  EXPECT_EQ(OpenRocksDbEventLog(RocksDbOptions{}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// One writer appends batches of varying size while readers scan. Every scan
// must see a gapless prefix that ends on a batch boundary, and never less
// than an earlier scan of the same reader.
TEST_F(RocksDbEventLogTest, ConcurrentReadersSeeWholeBatchesOnly) {
  OpenLog();
  constexpr int kBatches = 150;
  constexpr int kReaders = 2;
  std::vector<std::vector<Event>> batches;
  std::set<uint64_t> boundaries = {0};
  std::map<std::string, uint64_t> versions;
  uint64_t sequence = 0;
  for (int b = 0; b < kBatches; ++b) {
    std::vector<Event> batch;
    for (int i = 0; i <= b % 5; ++i) {
      ++sequence;
      const std::string deal = absl::StrCat("deal-", sequence % 3);
      batch.push_back(MakeEvent(sequence, deal, ++versions[deal]));
    }
    batches.push_back(std::move(batch));
    boundaries.insert(sequence);
  }
  const uint64_t total = sequence;

  std::atomic<bool> writer_done{false};
  std::thread writer([&] {
    for (const std::vector<Event>& batch : batches) {
      const absl::Status status = log_->Append(batch);
      EXPECT_TRUE(status.ok()) << status;
    }
    writer_done.store(true, std::memory_order_release);
  });

  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      uint64_t previous = 0;
      while (true) {
        const bool final_pass = writer_done.load(std::memory_order_acquire);
        uint64_t seen = 0;
        bool gapless = true;
        const absl::Status scan = log_->Scan(0, [&](const Event& event) {
          gapless = gapless && event.sequence() == seen + 1;
          seen = event.sequence();
          return true;
        });
        EXPECT_TRUE(scan.ok()) << scan;
        EXPECT_TRUE(gapless);
        EXPECT_TRUE(boundaries.contains(seen)) << "scan ended at " << seen;
        EXPECT_GE(seen, previous);
        previous = seen;

        uint64_t deal_version = 0;
        const absl::Status deal =
            log_->ScanDeal("deal-1", 0, [&](const Event& event) {
              gapless = gapless && event.deal_version() == deal_version + 1;
              deal_version = event.deal_version();
              return true;
            });
        EXPECT_TRUE(deal.ok()) << deal;
        EXPECT_TRUE(gapless);

        const uint64_t last = log_->LastSequence();
        EXPECT_TRUE(boundaries.contains(last)) << "last is " << last;
        if (last > 0) {
          EXPECT_TRUE(log_->Get(last).ok());
          absl::StatusOr<std::optional<EventIdEntry>> found =
              log_->FindEventId(absl::StrCat("evt-", last));
          EXPECT_TRUE(found.ok() && found->has_value());
        }
        if (final_pass) {
          EXPECT_EQ(seen, total);
          return;
        }
      }
    });
  }
  writer.join();
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(log_->LastSequence(), total);
}

TEST_F(RocksDbEventLogTest, SnapshotsAreFoundByDealAndLatestAtOrBefore) {
  OpenLog();
  std::vector<Event> events;
  for (uint64_t s = 1; s <= 9; ++s) {
    events.push_back(
        MakeEvent(s, s % 2 == 1 ? "deal-a" : "deal-b", (s + 1) / 2));
  }
  Append(events);
  EXPECT_FALSE(log_->LastCheckpoint()->has_value());
  auto snapshot = [](std::string deal, uint64_t sequence) {
    return SnapshotRecord{.deal_id = deal,
                          .sequence = sequence,
                          .bytes = absl::StrCat(deal, "@", sequence)};
  };
  ASSERT_TRUE(
      log_->WriteCheckpoint({.sequence = 4, .deal_count = 2},
                            {snapshot("deal-a", 3), snapshot("deal-b", 4)})
          .ok());
  ASSERT_TRUE(
      log_->WriteCheckpoint({.sequence = 8, .deal_count = 2},
                            {snapshot("deal-a", 7), snapshot("deal-b", 8)})
          .ok());
  // Not the last sequence: refused.
  EXPECT_EQ(log_->WriteCheckpoint({.sequence = 10, .deal_count = 2}, {}).code(),
            absl::StatusCode::kInternal);

  CloseLog();
  OpenLog();
  auto checkpoint = log_->LastCheckpoint();
  ASSERT_TRUE(checkpoint.ok() && checkpoint->has_value());
  EXPECT_EQ((*checkpoint)->sequence, 8u);
  EXPECT_EQ((*checkpoint)->deal_count, 2u);

  auto bytes_at = [&](std::string_view deal, uint64_t max) -> std::string {
    auto found = log_->FindSnapshot(deal, max);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() && found->has_value() ? (*found)->bytes : "none";
  };
  EXPECT_EQ(bytes_at("deal-a", 2), "none");
  EXPECT_EQ(bytes_at("deal-a", 3), "deal-a@3");
  EXPECT_EQ(bytes_at("deal-a", 6), "deal-a@3");
  EXPECT_EQ(bytes_at("deal-a", 100), "deal-a@7");
  EXPECT_EQ(bytes_at("deal-b", 7), "deal-b@4");
  EXPECT_EQ(bytes_at("deal", 100), "none");  // a prefix of other deals
  EXPECT_EQ(bytes_at("deal-c", 100), "none");

  auto latest = [&](uint64_t max) {
    std::vector<std::string> out;
    EXPECT_TRUE(log_->ScanLatestSnapshots(max,
                                          [&](const SnapshotRecord& r) {
                                            out.push_back(r.bytes);
                                            return true;
                                          })
                    .ok());
    return out;
  };
  EXPECT_THAT(latest(8), ElementsAre("deal-a@7", "deal-b@8"));
  EXPECT_THAT(latest(6), ElementsAre("deal-a@3", "deal-b@4"));
  EXPECT_THAT(latest(3), ElementsAre("deal-a@3"));
  EXPECT_THAT(latest(2), IsEmpty());

  ASSERT_TRUE(log_->DeleteSnapshots().ok());
  EXPECT_FALSE(log_->LastCheckpoint()->has_value());
  EXPECT_THAT(latest(100), IsEmpty());
  // The events are untouched.
  EXPECT_EQ(ScanAll(0).size(), 9u);
}

}  // namespace
}  // namespace pactlog::storage
