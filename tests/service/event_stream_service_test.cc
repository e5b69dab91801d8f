// EventStream.Read against a real server: order, paging, filters.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/service/test_support.h"

namespace pactlog::testing {
namespace {

class EventStreamServiceTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    for (const char* deal : {"deal-a", "deal-b"}) {
      ASSERT_TRUE(
          Append(*server_,
                 Request(deal, {DealEvent("D", 1'000'000, Date(2025, 7, 22))}))
              .ok());
    }
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(Append(*server_, Request(i % 2 ? "deal-b" : "deal-a",
                                           {TariffEvent("all-goods", 100 * i,
                                                        Date(2025, 8, 1))}))
                      .ok());
    }
    // Sequences: 1 deal-a, 2 deal-b, then tariffs 3..12 alternating a, b.
  }
  v1::ReadResponse Read(const v1::ReadRequest& request) {
    v1::ReadResponse response;
    grpc::Status status =
        server_->stream().Read(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
};

TEST_F(EventStreamServiceTest, ReadPagesThroughTheLogInOrder) {
  v1::ReadRequest request;
  request.set_limit(5);
  std::vector<uint64_t> sequences;
  while (true) {
    v1::ReadResponse page = Read(request);
    EXPECT_EQ(page.head_sequence(), 12u);
    if (page.events().empty()) break;
    EXPECT_LE(page.events_size(), 5);
    for (const v1::Event& event : page.events())
      sequences.push_back(event.sequence());
    request.set_after_sequence(page.last_examined_sequence());
  }
  std::vector<uint64_t> expected(12);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(sequences, expected);
}

TEST_F(EventStreamServiceTest, FilterByDealAndKindSkipsTheRestAndAdvances) {
  v1::ReadRequest request;
  request.mutable_filter()->add_deal_ids("deal-b");
  request.mutable_filter()->add_kinds(v1::EVENT_KIND_TARIFF_CHANGE);
  request.set_limit(2);
  v1::ReadResponse page = Read(request);
  ASSERT_EQ(page.events_size(), 2);
  EXPECT_EQ(page.events(0).sequence(), 4u);
  EXPECT_EQ(page.events(1).sequence(), 6u);
  EXPECT_EQ(page.last_examined_sequence(), 6u);
  for (const v1::Event& event : page.events()) {
    EXPECT_EQ(event.deal_id(), "deal-b");
    EXPECT_TRUE(event.data().has_tariff_change());
  }
  // Past the last match the reader still moves to the end of the log.
  request.set_after_sequence(12);
  page = Read(request);
  EXPECT_TRUE(page.events().empty());
  EXPECT_EQ(page.last_examined_sequence(), 12u);
}

TEST_F(EventStreamServiceTest, AnnouncementsOnlyFilter) {
  v1::ReadRequest request;
  request.mutable_filter()->add_kinds(v1::EVENT_KIND_ANNOUNCEMENT);
  v1::ReadResponse page = Read(request);
  ASSERT_EQ(page.events_size(), 2);
  EXPECT_EQ(page.events(0).deal_id(), "deal-a");
  EXPECT_EQ(page.events(1).deal_id(), "deal-b");
  EXPECT_EQ(page.last_examined_sequence(), 12u);
}

TEST_F(EventStreamServiceTest,
       SubjectFiltersSeeAllocationsSitesAndEveryCategory) {
  const v1::Money cap = Usd(100);
  v1::EventData project =
      ProjectEvent("chillers", v1::SECTOR_ENERGY, "", 10, Date(2025, 11, 1));
  project.mutable_announcement()->mutable_project()->set_allocation_id(
      "cooling");
  v1::EventData change = TariffEvent("autos", 1500, Date(2025, 9, 16));
  change.mutable_tariff_change()->add_product_categories("steel");
  ASSERT_TRUE(
      Append(*server_,
             Request("deal-a",
                     {AllocationEvent("cooling", v1::SECTOR_ENERGY, &cap,
                                      Date(2025, 10, 28)),
                      AllocationEvent("chips", v1::SECTOR_SEMICONDUCTORS,
                                      nullptr, Date(2025, 10, 28)),
                      project,
                      ProjectSiteEvent("chillers", "TX", Date(2025, 11, 2)),
                      change}))
          .ok());
  // Sequences 13 cooling, 14 chips, 15 chillers, 16 its site, 17 the change.
  auto sequences = [&](const v1::EventFilter& filter) {
    v1::ReadRequest request;
    request.set_after_sequence(12);
    *request.mutable_filter() = filter;
    std::vector<uint64_t> out;
    const v1::ReadResponse page = Read(request);
    for (const v1::Event& event : page.events())
      out.push_back(event.sequence());
    return out;
  };
  v1::EventFilter energy;
  energy.add_sectors(v1::SECTOR_ENERGY);
  EXPECT_EQ(sequences(energy), (std::vector<uint64_t>{13, 15, 16}));
  v1::EventFilter steel;
  steel.add_product_categories("steel");
  EXPECT_EQ(sequences(steel), (std::vector<uint64_t>{17}));
  v1::EventFilter autos;
  autos.add_product_categories("autos");
  EXPECT_EQ(sequences(autos), (std::vector<uint64_t>{17}));
}

TEST_F(EventStreamServiceTest, MalformedFilterIsInvalidArgument) {
  v1::ReadRequest request;
  request.mutable_filter()->add_deal_ids("NOT VALID");
  request.mutable_filter()->add_kinds(static_cast<v1::EventKind>(42));
  request.set_limit(5000);
  v1::ReadResponse response;
  grpc::Status status =
      server_->stream().Read(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              ::testing::HasSubstr("filter.deal_ids[0]"));
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("filter.kinds[0]"));
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("limit"));
}

}  // namespace
}  // namespace pactlog::testing
