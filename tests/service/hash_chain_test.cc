// The hash chain: every stored event's hash covers its predecessor's, the
// chain survives restarts, GetDeal names the head it reflects, and
// VerifyChain finds the first altered event.
#include "domain/hash_chain.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pactlog/v1/admin.grpc.pb.h"
#include "rocksdb/db.h"
#include "tests/service/test_support.h"

namespace pactlog::testing {
namespace {

class HashChainTest : public ServerTest {
 protected:
  // Three requests over two deals: sequences 1..7.
  void RecordSome() {
    for (const std::string deal : {"deal-a", "deal-b"}) {
      ASSERT_TRUE(
          Append(*server_,
                 Request(deal, {DealEvent(deal, 1000000, Date(2025, 7, 22))}))
              .ok());
    }
    ASSERT_TRUE(Append(*server_,
                       Request("deal-a",
                               {ProjectEvent("p", v1::SECTOR_ENERGY, "TX", 1000,
                                             Date(2025, 9, 1)),
                                ApprovalEvent("p", 500, Date(2025, 9, 2)),
                                DisbursementEvent("p", 100, Date(2025, 9, 3)),
                                TariffEvent("autos", 1500, Date(2025, 9, 4)),
                                TariffEvent("autos", 1400, Date(2025, 9, 5))}))
                    .ok());
  }

  std::vector<v1::Event> ReadAll() {
    v1::ReadRequest request;
    request.set_limit(1000);
    v1::ReadResponse response;
    grpc::Status status =
        server_->stream().Read(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.events().begin(), response.events().end()};
  }

  ledger::ChainVerification Verify(uint64_t after, const std::string& trusted) {
    auto verified = server_->server().ledger().VerifyChain(after, trusted);
    EXPECT_TRUE(verified.ok()) << verified.status();
    return verified.ok() ? *verified : ledger::ChainVerification{};
  }
};

TEST_F(HashChainTest, EveryEventChainsToItsPredecessor) {
  RecordSome();
  const std::vector<v1::Event> events = ReadAll();
  ASSERT_EQ(events.size(), 7u);
  std::string previous = domain::GenesisHash();
  for (const v1::Event& event : events) {
    EXPECT_EQ(event.hash().size(), 32u);
    EXPECT_EQ(event.hash(), domain::ChainHash(previous, event))
        << "at sequence " << event.sequence();
    previous = event.hash();
  }
  const ledger::ChainVerification verified = Verify(0, "");
  EXPECT_EQ(verified.first_broken_sequence, 0u) << verified.problem;
  EXPECT_EQ(verified.verified_through, 7u);
  EXPECT_EQ(verified.head_hash, events.back().hash());
}

TEST_F(HashChainTest, GetDealNamesTheChainHeadItReflects) {
  RecordSome();
  const std::vector<v1::Event> events = ReadAll();
  for (uint64_t as_of : {0, 2, 5, 7}) {
    v1::GetDealRequest request;
    request.set_deal_id("deal-a");
    request.mutable_options()->mutable_as_of()->set_sequence(as_of);
    v1::GetDealResponse response;
    ASSERT_TRUE(
        server_->query().GetDeal(Context().get(), request, &response).ok());
    const uint64_t at = as_of == 0 ? 7 : as_of;
    EXPECT_EQ(response.log_sequence(), at);
    EXPECT_EQ(response.chain_head(), events[at - 1].hash()) << "as of " << at;
  }
}

TEST_F(HashChainTest, ChainContinuesAcrossRestartsAndTrustedHashesArePinned) {
  RecordSome();
  Restart();
  ASSERT_TRUE(
      Append(*server_,
             Request("deal-b", {TariffEvent("steel", 2500, Date(2025, 9, 6))}))
          .ok());
  const std::vector<v1::Event> events = ReadAll();
  ASSERT_EQ(events.size(), 8u);
  EXPECT_EQ(events[7].hash(), domain::ChainHash(events[6].hash(), events[7]));
  EXPECT_EQ(Verify(0, "").verified_through, 8u);
  // From a pinned position: the right hash holds, a wrong one is reported.
  const ledger::ChainVerification pinned = Verify(4, events[3].hash());
  EXPECT_EQ(pinned.first_broken_sequence, 0u) << pinned.problem;
  EXPECT_EQ(pinned.verified_through, 8u);
  const ledger::ChainVerification wrong = Verify(4, events[2].hash());
  EXPECT_EQ(wrong.first_broken_sequence, 4u);
  EXPECT_NE(wrong.problem.find("trusted"), std::string::npos) << wrong.problem;
  auto beyond = server_->server().ledger().VerifyChain(9, "");
  EXPECT_EQ(beyond.status().code(), absl::StatusCode::kOutOfRange);
}

// Rewrites the stored event at `sequence` with `edit` applied, behind
// pactlog's back, as someone with access to the disk could.
void AlterStoredEvent(const std::string& dir, uint64_t sequence,
                      const std::function<void(v1::Event*)>& edit) {
  std::vector<std::string> names;
  ASSERT_TRUE(
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(
      rocksdb::DB::Open(rocksdb::DBOptions(), dir, families, &handles, &db)
          .ok());
  rocksdb::ColumnFamilyHandle* events = nullptr;
  for (auto* handle : handles) {
    if (handle->GetName() == "events") events = handle;
  }
  ASSERT_NE(events, nullptr);
  std::string key(8, '\0');
  for (int i = 7, v = 0; i >= 0; --i, ++v) {
    key[i] = static_cast<char>((sequence >> (8 * v)) & 0xff);
  }
  std::string value;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), events, key, &value).ok());
  v1::Event event;
  ASSERT_TRUE(event.ParseFromString(value.substr(1)));
  edit(&event);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), events, key,
                      value.substr(0, 1) + event.SerializeAsString())
                  .ok());
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  delete db;
}

TEST_F(HashChainTest, VerifyChainFindsTheFirstAlteredEvent) {
  RecordSome();
  const std::vector<v1::Event> original = ReadAll();
  server_.reset();
  // Inflate a disbursement, keeping its stored hash.
  AlterStoredEvent(dir_.path(), 6, [](v1::Event* event) {
    event->mutable_data()
        ->mutable_disbursement()
        ->mutable_amount()
        ->set_minor_units(99);
  });
  server_ = TestServer::Start(dir_.path(), &clock_, subscriptions_);
  ASSERT_NE(server_, nullptr);
  const ledger::ChainVerification verified = Verify(0, "");
  EXPECT_EQ(verified.first_broken_sequence, 6u);
  EXPECT_EQ(verified.verified_through, 5u);
  EXPECT_NE(verified.problem.find("sequence 6"), std::string::npos)
      << verified.problem;
  // Re-hashing the altered event does not help: its successor breaks.
  server_.reset();
  AlterStoredEvent(dir_.path(), 6, [&](v1::Event* event) {
    event->set_hash(domain::ChainHash(original[4].hash(), *event));
  });
  server_ = TestServer::Start(dir_.path(), &clock_, subscriptions_);
  ASSERT_NE(server_, nullptr);
  EXPECT_EQ(Verify(0, "").first_broken_sequence, 7u);
  // Over gRPC, as `pactctl verify` asks.
  auto admin = v1::Admin::NewStub(server_->channel());
  v1::VerifyChainRequest verify;
  v1::VerifyChainResponse verified_rpc;
  ASSERT_TRUE(admin->VerifyChain(Context().get(), verify, &verified_rpc).ok());
  EXPECT_EQ(verified_rpc.first_broken_sequence(), 7u);
  EXPECT_EQ(verified_rpc.verified_through(), 6u);
  EXPECT_NE(verified_rpc.problem().find("sequence 7"), std::string::npos);
  verify.set_trusted_hash("short");
  EXPECT_EQ(
      admin->VerifyChain(Context().get(), verify, &verified_rpc).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  // An auditor's pinned head no longer matches what GetDeal reports.
  v1::GetDealRequest request;
  request.set_deal_id("deal-a");
  v1::GetDealResponse response;
  ASSERT_TRUE(
      server_->query().GetDeal(Context().get(), request, &response).ok());
  EXPECT_EQ(response.chain_head(), original[6].hash());
  EXPECT_EQ(Verify(6, original[5].hash()).first_broken_sequence, 6u);
}

}  // namespace
}  // namespace pactlog::testing
