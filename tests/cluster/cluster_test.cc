// pactlog on a replicated log of record: a real 3-node NATS JetStream
// cluster (R3 stream) and two real pactlogd replicas on 127.0.0.1, driven
// through the C++ SDK. What is checked after every scenario:
//   - every acknowledged event is in the log of both replicas, at the
//     sequence its acknowledgement named, and nothing else is (the count of
//     events equals the count acknowledged: retries never doubled one);
//   - both replicas hold the same events (the hash chains end in the same
//     head at the same sequence) and answer GetDeal identically.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "pactlog/client/client.h"
#include "pactlog/client/subscription.h"
#include "pactlog/internal/record_entry.pb.h"
#include "sdk/cpp/tests/pactlogd_process.h"
#include "storage/nats_record_log.h"
#include "testing/events.h"
#include "tests/cluster/fsync_trace.h"
#include "tests/cluster/nats_cluster.h"

namespace pactlog::testing {
namespace {

constexpr char kStream[] = "PACTLOG";
constexpr int kReplicas = 2;

client::ClientOptions PatientClient() {
  client::ClientOptions options;
  // Enough attempts to ride out a JetStream leader election.
  options.retry.max_attempts = 12;
  options.retry.max_backoff = absl::Seconds(2);
  return options;
}

// One attempt, with room for the server's 5 s publish timeout.
client::ClientOptions OneAttempt() {
  client::ClientOptions options;
  options.retry.max_attempts = 1;
  options.deadline = absl::Seconds(30);
  return options;
}

// A TCP listener on 127.0.0.1 (on `port`, or one the kernel picks) that
// greets every connection with the INFO line of an old nats-server and
// nothing more: what pactlogd's version check reads first.
class OldNatsServer {
 public:
  explicit OldNatsServer(int port = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        const int conn = accept(fd_, nullptr, nullptr);
        if (conn < 0) return;  // shut down
        constexpr char kInfo[] =
            "INFO {\"server_id\":\"NOLD\",\"server_name\":\"old-1\","
            "\"version\":\"2.9.10\",\"proto\":1,\"jetstream\":true,"
            "\"max_payload\":1048576}\r\n";
        (void)!write(conn, kInfo, sizeof(kInfo) - 1);
        close(conn);
      }
    });
  }
  ~OldNatsServer() {
    shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }
  std::string url() const { return absl::StrCat("nats://127.0.0.1:", port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// Appends `count` tariff changes to `deal` one after another; each one's
// [sent, acknowledged] window. Each response's durability must be `want`.
std::vector<std::pair<absl::Time, absl::Time>> AppendOneByOne(
    client::Client& client, const std::string& deal, int count,
    v1::Durability want) {
  std::vector<std::pair<absl::Time, absl::Time>> windows;
  for (int i = 0; i < count; ++i) {
    const absl::Time sent = absl::Now();
    auto appended =
        client.Append(deal, {TariffEvent("all-goods", 1000 + i,
                                         Date(2025, 9, 1) + absl::Hours(i))});
    const absl::Time acknowledged = absl::Now();
    EXPECT_TRUE(appended.ok()) << appended.status();
    if (!appended.ok()) break;
    EXPECT_EQ(appended->durability(), want)
        << v1::Durability_Name(appended->durability());
    windows.emplace_back(sent, acknowledged);
  }
  return windows;
}

// How long a test keeps asking a query with at_least_sequence. The server
// waits at most 2 s for its replica to apply that sequence, then answers
// OUT_OF_RANGE; a replica catching up after a restart or a JetStream
// election on a loaded machine may need longer than one such wait.
constexpr absl::Duration kCatchUpDeadline = absl::Seconds(30);

// GetDeal with at_least_sequence `sequence`, asked again while the answer is
// OUT_OF_RANGE, up to kCatchUpDeadline; the last answer.
absl::StatusOr<v1::GetDealResponse> GetDealAtLeast(client::Client& client,
                                                   const std::string& deal,
                                                   uint64_t sequence) {
  client::QueryOptions at_least;
  at_least.at_least_sequence = sequence;
  const absl::Time end = absl::Now() + kCatchUpDeadline;
  while (true) {
    absl::StatusOr<v1::GetDealResponse> answer = client.GetDeal(deal, at_least);
    if (answer.status().code() != absl::StatusCode::kOutOfRange ||
        absl::Now() >= end) {
      return answer;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

// How often a load writer sends a request again that lost the race for a
// deal to the other replica every time (ABORTED "... was changed through
// other replicas ... retry" after the server's 32 attempts).
constexpr int kMaxLostRaceRetries = 50;

bool LostRaceToOtherReplicas(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         absl::StrContains(status.message(), "changed through other replicas");
}

// Whether a replica's log names NATS server `name` out of stream `stream`:
// offline by its own announcement, or unheard by the stream's leader.
bool NamesServerOut(const std::string& log, const std::string& name,
                    const std::string& stream) {
  const std::string holds =
      absl::StrCat("NATS server ", name, " holds a replica of stream ", stream);
  return absl::StrContains(log, absl::StrCat(holds, " and is offline")) ||
         absl::StrContains(
             log,
             absl::StrCat(holds, " and has not answered the stream's leader"));
}

// Flips one bit of the checksum that ends the message record of a
// nats-server 2.10 message block holding byte `near` (the format:
// nats-server's filestore.go; each record is a 4-byte little-endian length,
// its top bit a flag, covering the record through its 8-byte checksum).
// A checksum that does not match is damage nats-server's reads detect; a
// flipped length or sequence it trusts, and 2.10.27 then panics when a read
// reaches the record ("slice bounds out of range" in msgBlock.msgFromBuf,
// once in some 20 runs of a flip at a random offset here).
absl::Status FlipChecksumNear(const std::filesystem::path& block,
                              uint64_t near) {
  std::fstream file(block, std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)),
                    std::istreambuf_iterator<char>());
  constexpr uint64_t kRecordOverhead = 22 + 8;  // header and checksum
  uint64_t at = 0;
  while (at + 4 <= bytes.size()) {
    uint32_t length = 0;
    for (int b = 3; b >= 0; --b) {
      length = (length << 8) | static_cast<uint8_t>(bytes[at + b]);
    }
    length &= 0x7fffffff;
    if (length < kRecordOverhead || at + length > bytes.size()) break;
    if (at + length > near) {
      const uint64_t last = at + length - 1;
      file.clear();
      file.seekp(static_cast<std::streamoff>(last));
      const char flipped = static_cast<char>(bytes[last] ^ 0x01);
      file.write(&flipped, 1);
      if (!file.good()) return absl::InternalError("cannot write the flip");
      return absl::OkStatus();
    }
    at += length;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "no whole message record holds byte ", near, " of ", block.string(), " (",
      bytes.size(), " bytes, records end at ", at, ")"));
}

// A deal's state without the one field that depends on when it was asked
// (the time tariffs in force were evaluated at).
std::string Comparable(v1::DealState deal) {
  deal.clear_tariffs_evaluated_at();
  return deal.SerializeAsString();
}

// An acknowledged append.
struct Ack {
  std::string deal_id;
  std::string event_id;
  uint64_t sequence = 0;
  absl::Time at;
};

// Writers appending project announcements through the replicas, half to
// one deal they all share and half to a deal of their own.
class Load {
 public:
  Load(std::vector<std::string> addresses, int writers)
      : addresses_(std::move(addresses)), writers_(writers) {}
  ~Load() { Stop(); }

  // Announces the deals (through the first replica) and starts writing.
  void Start() {
    auto client = client::Client::Connect(addresses_[0], PatientClient());
    ASSERT_TRUE(client.ok()) << client.status();
    for (int w = -1; w < writers_; ++w) {
      auto announced = (*client)->Append(
          DealName(w),
          {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22))});
      ASSERT_TRUE(announced.ok()) << announced.status();
      Record(DealName(w), *announced);
    }
    for (int w = 0; w < writers_; ++w) {
      threads_.emplace_back([this, w] { Write(w); });
    }
  }

  void Stop() {
    stop_.store(true);
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  size_t acked() const {
    absl::MutexLock lock(&mu_);
    return acks_.size();
  }
  std::vector<Ack> acks() const {
    absl::MutexLock lock(&mu_);
    return acks_;
  }
  std::vector<std::string> failures() const {
    absl::MutexLock lock(&mu_);
    return failures_;
  }
  int lost_race_retries() const {
    absl::MutexLock lock(&mu_);
    return lost_race_retries_;
  }
  uint64_t max_sequence() const {
    absl::MutexLock lock(&mu_);
    uint64_t max = 0;
    for (const Ack& ack : acks_) max = std::max(max, ack.sequence);
    return max;
  }
  std::vector<std::string> deals() const {
    std::vector<std::string> out;
    for (int w = -1; w < writers_; ++w) out.push_back(DealName(w));
    return out;
  }

 private:
  static std::string DealName(int writer) {
    return writer < 0 ? "shared-deal" : absl::StrCat("deal-of-writer-", writer);
  }

  void Record(const std::string& deal, const v1::AppendResponse& response) {
    absl::MutexLock lock(&mu_);
    for (int i = 0; i < response.sequences_size(); ++i) {
      acks_.push_back(
          Ack{deal, response.event_ids(i), response.sequences(i), absl::Now()});
    }
  }

  void Write(int w) {
    auto client = client::Client::Connect(addresses_[w % addresses_.size()],
                                          PatientClient());
    if (!client.ok()) {
      absl::MutexLock lock(&mu_);
      failures_.push_back(client.status().ToString());
      return;
    }
    for (int n = 0; !stop_.load(); ++n) {
      const std::string deal = DealName(n % 2 == 0 ? -1 : w);
      // The event id is fixed before the first attempt, so sending the same
      // request again cannot record it twice.
      v1::AppendRequest request;
      request.set_deal_id(deal);
      *request.add_events() =
          ProjectEvent(absl::StrCat("p-", w, "-", n), v1::SECTOR_ENERGY, "TX",
                       1, Date(2025, 9, 1));
      request.mutable_events(0)->set_event_id(client::RandomUuid());
      absl::StatusOr<v1::AppendResponse> response = (*client)->Append(request);
      // Writers on both replicas race for the shared deal; a request that
      // lost every race is sent again, as the server's answer asks.
      for (int retry = 0; retry < kMaxLostRaceRetries &&
                          LostRaceToOtherReplicas(response.status());
           ++retry) {
        {
          absl::MutexLock lock(&mu_);
          ++lost_race_retries_;
        }
        absl::SleepFor(absl::Milliseconds(10 * (1 + retry % 10)));
        response = (*client)->Append(request);
      }
      if (response.ok()) {
        Record(deal, *response);
      } else {
        absl::MutexLock lock(&mu_);
        failures_.push_back(response.status().ToString());
      }
    }
  }

  const std::vector<std::string> addresses_;
  const int writers_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  mutable absl::Mutex mu_;
  std::vector<Ack> acks_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
  int lost_race_retries_ ABSL_GUARDED_BY(mu_) = 0;
};

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<NatsCluster>> cluster =
        NatsCluster::Start(3);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    nats_ = *std::move(cluster);
    for (int i = 0; i < kReplicas; ++i) {
      absl::StatusOr<std::unique_ptr<PactlogdProcess>> replica = StartReplica();
      ASSERT_TRUE(replica.ok()) << replica.status();
      replicas_.push_back(*std::move(replica));
    }
  }

  // A replica of the cluster's stream (`log_url`: the --log servers, the
  // cluster's when empty).
  absl::StatusOr<std::unique_ptr<PactlogdProcess>> StartReplica(
      std::vector<std::string> more_args = {}, std::string log_url = "") {
    PactlogdOptions options;
    options.extra_args = {"--log",
                          log_url.empty() ? nats_->url() : log_url,
                          "--nats-stream",
                          kStream,
                          "--snapshot-interval",
                          "100"};
    for (std::string& arg : more_args) {
      options.extra_args.push_back(std::move(arg));
    }
    options.ready_timeout = absl::Seconds(90);
    return PactlogdProcess::Start(options);
  }

  // Replica i stopped, its local data deleted and started again: SERVING
  // only once it has applied the whole stream, its chain already holds
  // every event `load` had acknowledged, with no min_sequence to wait for.
  void ExpectRebuiltFromTheStream(int i, const Load& load) {
    ASSERT_TRUE(replicas_[i]->Stop().ok());
    for (const auto& entry :
         std::filesystem::directory_iterator(replicas_[i]->data_dir())) {
      std::filesystem::remove_all(entry.path());
    }
    ASSERT_TRUE(replicas_[i]->Restart().ok()) << replicas_[i]->log();
    std::unique_ptr<client::Client> rebuilt = Connect(i);
    ASSERT_NE(rebuilt, nullptr);
    auto chain = rebuilt->VerifyChain();
    ASSERT_TRUE(chain.ok()) << chain.status();
    EXPECT_EQ(chain->verified_through(), load.acks().size());
    ASSERT_NO_FATAL_FAILURE(ExpectConverged(load));
  }

  // Appends to `deal` through `replica` before and after `weaken`: the
  // first acknowledgement says fsynced on a majority; once the replica's
  // log holds each of `named`, the next says committed on a majority only.
  void ExpectWeakenedBy(PactlogdProcess& replica, const std::string& deal,
                        const std::function<void()>& weaken,
                        const std::vector<std::string>& named) {
    auto client = client::Client::Connect(replica.address(), PatientClient());
    ASSERT_TRUE(client.ok()) << client.status();
    auto before = (*client)->Append(
        deal, {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22))});
    ASSERT_TRUE(before.ok()) << before.status();
    EXPECT_EQ(before->durability(), v1::DURABILITY_SYNCED_MAJORITY);

    ASSERT_NO_FATAL_FAILURE(weaken());
    ASSERT_TRUE(PollUntil(
        [&] {
          const std::string log = replica.log();
          for (const std::string& needle : named) {
            if (!absl::StrContains(log, needle)) return false;
          }
          return true;
        },
        absl::Seconds(120)))
        << replica.log();
    auto after = (*client)->Append(
        deal, {ProjectEvent(absl::StrCat(deal, "-project"), v1::SECTOR_ENERGY,
                            "TX", 1, Date(2025, 9, 1))});
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_EQ(after->durability(), v1::DURABILITY_COMMITTED_MAJORITY);
  }

  std::vector<std::string> Addresses() const {
    std::vector<std::string> out;
    for (const auto& replica : replicas_) out.push_back(replica->address());
    return out;
  }

  // The log of record itself, as a replica opens it.
  std::unique_ptr<storage::RecordLog> OpenRecord() {
    storage::NatsRecordLogOptions options;
    EXPECT_TRUE(storage::ParseNatsServers(nats_->url(), &options).ok());
    options.stream = kStream;
    absl::StatusOr<std::unique_ptr<storage::RecordLog>> record =
        storage::OpenNatsRecordLog(options);
    EXPECT_TRUE(record.ok()) << record.status();
    return record.ok() ? *std::move(record) : nullptr;
  }

  std::unique_ptr<client::Client> Connect(int replica) {
    auto client =
        client::Client::Connect(replicas_[replica]->address(), PatientClient());
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  // Every replica holds exactly the acknowledged events, at their
  // sequences, in the same chain, and answers GetDeal alike.
  void ExpectConverged(const Load& load) {
    const std::vector<Ack> acks = load.acks();
    const uint64_t last = load.max_sequence();
    ASSERT_GT(last, 0u);
    std::map<uint64_t, const Ack*> by_sequence;
    for (const Ack& ack : acks) {
      EXPECT_TRUE(by_sequence.emplace(ack.sequence, &ack).second)
          << "sequence " << ack.sequence << " acknowledged twice";
    }
    std::string head_hash;
    std::map<std::string, std::string> deal_answers;
    for (int r = 0; r < kReplicas; ++r) {
      SCOPED_TRACE(absl::StrCat("replica ", r));
      std::unique_ptr<client::Client> client = Connect(r);
      ASSERT_NE(client, nullptr);
      // Read-your-writes on any replica: it waits until it has applied
      // the last acknowledged sequence.
      for (const std::string& deal : load.deals()) {
        auto answer = GetDealAtLeast(*client, deal, last);
        ASSERT_TRUE(answer.ok()) << answer.status();
        const std::string state = Comparable(answer->deal());
        auto [it, first] = deal_answers.emplace(deal, state);
        if (!first) {
          EXPECT_EQ(it->second, state) << "deal " << deal << " differs";
        }
      }
      auto chain = client->VerifyChain();
      ASSERT_TRUE(chain.ok()) << chain.status();
      EXPECT_EQ(chain->first_broken_sequence(), 0u) << chain->problem();
      // Exactly the acknowledged events: none lost, none doubled.
      EXPECT_EQ(chain->verified_through(), acks.size());
      if (r == 0) {
        head_hash = chain->head_hash();
      } else {
        EXPECT_EQ(chain->head_hash(), head_hash) << "replicas diverge";
      }
      // Each acknowledged event is where its acknowledgement said.
      client::SubscribeOptions from_start;
      auto subscription = client->Subscribe(from_start);
      ASSERT_TRUE(subscription.ok()) << subscription.status();
      size_t matched = 0;
      for (uint64_t s = 1; s <= last; ++s) {
        auto event = (*subscription)->Next(absl::Seconds(30));
        ASSERT_TRUE(event.ok()) << event.status();
        ASSERT_EQ(event->sequence(), s);
        auto it = by_sequence.find(s);
        ASSERT_NE(it, by_sequence.end()) << "unacknowledged event at " << s;
        EXPECT_EQ(event->data().event_id(), it->second->event_id);
        EXPECT_EQ(event->deal_id(), it->second->deal_id);
        ++matched;
      }
      EXPECT_EQ(matched, acks.size());
    }
  }

  // Replica 0 applies `applied` entries and stops; the cluster is replaced
  // by a fresh one whose stream of the same name gets `other_entries`
  // entries; replica 0's data is then refused against it as another
  // record, whatever the two lengths.
  void ExpectDataOfAnotherRecordRefused(int applied, int other_entries) {
    std::unique_ptr<client::Client> a = Connect(0);
    ASSERT_NE(a, nullptr);
    for (int i = 0; i < applied; ++i) {
      ASSERT_TRUE(
          a->Append(absl::StrCat("deal-", i),
                    {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22))})
              .ok());
    }
    // Stopped, not destroyed: that would remove its data directory.
    const std::string data_dir = replicas_[0]->data_dir();
    ASSERT_TRUE(replicas_[0]->Stop().ok());
    nats_.reset();
    absl::StatusOr<std::unique_ptr<NatsCluster>> other = NatsCluster::Start(3);
    ASSERT_TRUE(other.ok()) << other.status();
    nats_ = *std::move(other);
    if (other_entries > 0) {
      auto writer = StartReplica();
      ASSERT_TRUE(writer.ok()) << writer.status();
      auto client =
          client::Client::Connect((*writer)->address(), PatientClient());
      ASSERT_TRUE(client.ok()) << client.status();
      for (int i = 0; i < other_entries; ++i) {
        ASSERT_TRUE((*client)
                        ->Append(absl::StrCat("other-", i),
                                 {DealEvent(kDealTitle, 1, Date(2025, 7, 22))})
                        .ok());
      }
    }
    PactlogdOptions options;
    options.data_dir = data_dir;
    options.extra_args = {"--log", nats_->url(), "--nats-stream", kStream};
    // Room to reach the fresh cluster and refuse, rather than time out.
    options.ready_timeout = absl::Seconds(60);
    auto refused = PactlogdProcess::Start(options);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(std::string(refused.status().message())
                  .find("another record (deleted and created again?)"),
              std::string::npos)
        << refused.status();
    EXPECT_NE(std::string(refused.status().message())
                  .find(absl::StrCat("through position ", applied, ", but")),
              std::string::npos)
        << refused.status();
  }

  std::unique_ptr<NatsCluster> nats_;
  std::vector<std::unique_ptr<PactlogdProcess>> replicas_;
};

TEST_F(ClusterTest, ConcurrentAppendsThroughBothReplicasConverge) {
  Load load(Addresses(), 6);
  ASSERT_NO_FATAL_FAILURE(load.Start());
  ASSERT_TRUE(
      PollUntil([&] { return load.acked() >= 600; }, absl::Seconds(120)));
  load.Stop();
  std::cout << "[cluster] requests sent again after losing every race: "
            << load.lost_race_retries() << "\n";
  EXPECT_TRUE(load.failures().empty()) << load.failures().front();
  ASSERT_NO_FATAL_FAILURE(ExpectConverged(load));
}

TEST_F(ClusterTest, KillingTheStreamLeaderMidLoadLosesNoAcknowledgedEvent) {
  Load load(Addresses(), 6);
  ASSERT_NO_FATAL_FAILURE(load.Start());
  ASSERT_TRUE(
      PollUntil([&] { return load.acked() >= 200; }, absl::Seconds(120)));
  absl::StatusOr<int> leader = nats_->StreamLeader(kStream);
  ASSERT_TRUE(leader.ok()) << leader.status();
  const absl::Time killed_at = absl::Now();
  nats_->Kill(*leader);
  const size_t at_kill = load.acked();
  // Appends go on through the two servers left.
  ASSERT_TRUE(PollUntil([&] { return load.acked() >= at_kill + 300; },
                        absl::Seconds(120)))
      << "appends stalled after killing NATS server " << *leader;
  load.Stop();
  // A killed server announces nothing: pactlogd names it from the stream
  // leader's silence about it.
  ASSERT_TRUE(PollUntil(
      [&] {
        return absl::StrContains(
            replicas_[0]->log(),
            absl::StrCat("NATS server ", nats_->name(*leader),
                         " holds a replica of stream ", kStream,
                         " and has not answered the stream's leader for 10s "
                         "or more (down, hung or cut off)"));
      },
      absl::Seconds(60)))
      << replicas_[0]->log();
  // The longest pause between acknowledgements around the kill.
  std::vector<absl::Time> times;
  for (const Ack& ack : load.acks()) times.push_back(ack.at);
  std::sort(times.begin(), times.end());
  absl::Duration longest_gap;
  for (size_t i = 1; i < times.size(); ++i) {
    if (times[i] > killed_at) {
      longest_gap = std::max(longest_gap, times[i] - times[i - 1]);
    }
  }
  std::cout << "[cluster] longest pause between acknowledgements after the "
               "kill: "
            << absl::FormatDuration(longest_gap) << "; calls that failed "
            << "after every SDK retry: " << load.failures().size()
            << "; requests sent again after losing every race: "
            << load.lost_race_retries() << "\n";
  EXPECT_TRUE(load.failures().empty()) << load.failures().front();
  // With the killed server still down: nothing acknowledged lived only
  // there.
  ASSERT_NO_FATAL_FAILURE(ExpectConverged(load));
  ASSERT_TRUE(nats_->Restart(*leader).ok());
  ASSERT_NO_FATAL_FAILURE(ExpectConverged(load));
}

TEST_F(ClusterTest, AReplicaKilledOrWipedCatchesUpFromTheStream) {
  Load load({replicas_[0]->address()}, 4);
  ASSERT_NO_FATAL_FAILURE(load.Start());
  ASSERT_TRUE(
      PollUntil([&] { return load.acked() >= 150; }, absl::Seconds(120)));
  // A crash of replica 1 while replica 0 keeps taking appends.
  ASSERT_TRUE(replicas_[1]->Kill().ok());
  const size_t at_kill = load.acked();
  ASSERT_TRUE(PollUntil([&] { return load.acked() >= at_kill + 150; },
                        absl::Seconds(120)));
  ASSERT_TRUE(replicas_[1]->Restart().ok()) << replicas_[1]->log();
  load.Stop();
  ASSERT_NO_FATAL_FAILURE(ExpectConverged(load));

  // Its local data deleted: it rebuilds everything from the stream.
  ASSERT_NO_FATAL_FAILURE(ExpectRebuiltFromTheStream(1, load));
}

// One server's copy of the stream damaged while it is down: a byte flipped
// in the middle of each of its message blocks and the last one cut short.
// The record stays whole through the other two; pactlogd names the server
// while it is out and once its replica is current again; and with another
// server down, a replica rebuilt from nothing holds every acknowledged
// event even where the repaired copy lacks some.
TEST_F(ClusterTest, OneServersDamagedStreamFilesLeaveTheRecordWhole) {
  Load load({replicas_[0]->address()}, 2);
  ASSERT_NO_FATAL_FAILURE(load.Start());
  ASSERT_TRUE(
      PollUntil([&] { return load.acked() >= 100; }, absl::Seconds(120)));
  absl::StatusOr<int> leader = nats_->StreamLeader(kStream);
  ASSERT_TRUE(leader.ok()) << leader.status();
  // A follower, so that appends go on without an election.
  const int damaged = (*leader + 1) % nats_->size();
  const std::string& name = nats_->name(damaged);
  nats_->Stop(damaged);
  ASSERT_TRUE(PollUntil(
      [&] { return NamesServerOut(replicas_[0]->log(), name, kStream); },
      absl::Seconds(60)))
      << replicas_[0]->log();

  std::vector<std::filesystem::path> blocks;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           nats_->store_dir(damaged))) {
    if (entry.is_regular_file() && entry.path().extension() == ".blk" &&
        entry.path().parent_path().filename() == "msgs" &&
        absl::StrContains(entry.path().string(), kStream)) {
      blocks.push_back(entry.path());
    }
  }
  ASSERT_FALSE(blocks.empty()) << "no message blocks of " << kStream
                               << " under " << nats_->store_dir(damaged);
  std::sort(blocks.begin(), blocks.end());
  for (const std::filesystem::path& block : blocks) {
    const auto size = std::filesystem::file_size(block);
    ASSERT_GT(size, 2u) << block;
    absl::Status flipped = FlipChecksumNear(block, size / 2);
    ASSERT_TRUE(flipped.ok()) << flipped;
  }
  std::filesystem::resize_file(
      blocks.back(), std::filesystem::file_size(blocks.back()) * 3 / 4);

  const size_t while_down = load.acked();
  ASSERT_TRUE(PollUntil([&] { return load.acked() >= while_down + 100; },
                        absl::Seconds(120)));
  ASSERT_TRUE(nats_->Restart(damaged).ok()) << nats_->Log(damaged);
  ASSERT_TRUE(PollUntil(
      [&] {
        return absl::StrContains(
            replicas_[0]->log(),
            absl::StrCat("NATS server ", name,
                         " holds a current replica of stream ", kStream,
                         " again"));
      },
      absl::Seconds(120)))
      << replicas_[0]->log() << nats_->Log(damaged);
  load.Stop();
  EXPECT_TRUE(load.failures().empty()) << load.failures().front();
  ASSERT_NO_FATAL_FAILURE(ExpectConverged(load));

  // The repaired server and one other are now the majority: replica 1
  // rebuilt from nothing holds every acknowledged event. The other server
  // goes down only once the repaired copy is wholly back (its Raft group
  // current, its /healthz no longer catching up) and under a leader that
  // is not the repaired server, so no election follows and the rebuilt
  // replica reads what the repaired copy lacks from a whole one.
  absl::StatusOr<int> settled =
      nats_->SettleStream(kStream, damaged, absl::Seconds(60));
  ASSERT_TRUE(settled.ok()) << settled.status();
  int other = 0;
  while (other == damaged || other == *settled) ++other;
  nats_->Stop(other);
  ASSERT_NO_FATAL_FAILURE(ExpectRebuiltFromTheStream(1, load)) << nats_->Logs();
  // nats-server 2.10.27 rebuilds the damaged copy from what was left and
  // counts it current, with the messages of the damaged block missing. The
  // rebuilt replica's reader, when it lands on that server, sees positions
  // jump, reads them from the stream's leader and names the server (where
  // the reader lands is the servers' choice, so only when it did).
  const std::string rebuilt_log = replicas_[1]->log();
  if (absl::StrContains(rebuilt_log, "without positions")) {
    EXPECT_TRUE(absl::StrContains(
        rebuilt_log, absl::StrCat("NATS server ", name, " delivered stream ",
                                  kStream, " without positions")))
        << rebuilt_log;
  }
}

TEST_F(ClusterTest, LocalDataAheadOfTheRecordIsRefusedAtStartUp) {
  // Replica 0's data applied 3 entries; a fresh stream of the same name
  // (the cluster recreated, say) has none.
  ExpectDataOfAnotherRecordRefused(/*applied=*/3, /*other_entries=*/0);
}

TEST(FsyncTraceTest, ReadsWhatStraceWritesWhateverThePidWidth) {
  // strace -f pads thread ids to 5 columns: a 4-digit one is followed by
  // two spaces. An interrupted call counts once, at its start; a failed
  // one not at all.
  const std::vector<absl::Time> fsyncs = ParseFsyncTrace(
      "13466 1796421239.179385 fsync(6)        = 0\n"
      "1143  1796421240.000001 fsync(18)       = 0\n"
      "1144  1796421241.500000 fdatasync(7 <unfinished ...>\n"
      "1143  1796421241.600000 --- SIGURG {si_signo=SIGURG} ---\n"
      "1144  1796421241.700000 <... fdatasync resumed>) = 0\n"
      "987   1796421242.000000 fsync(9)        = -1 EIO (Input/output "
      "error)\n");
  ASSERT_EQ(fsyncs.size(), 3u);
  EXPECT_EQ(fsyncs[0], absl::FromUnixMicros(1796421239179385));
  EXPECT_EQ(fsyncs[1], absl::FromUnixMicros(1796421240000001));
  EXPECT_EQ(fsyncs[2], absl::FromUnixMicros(1796421241500000));
}

TEST(FsyncTraceTest, KeepsOnlyTheFilesAsked) {
  // strace -y names each descriptor's file; an interrupted call's file is
  // on its first line only.
  const std::string trace =
      "1143  1796421239.000001 fsync(6</js/streams/S/msgs/1.blk>) = 0\n"
      "1143  1796421240.000001 fsync(7</js/_js_/S-R3F/tav.idx>) = 0\n"
      "1144  1796421241.500000 fdatasync(8</js/_js_/S-R3F/msgs/1.blk> "
      "<unfinished ...>\n"
      "1145  1796421241.600000 fsync(9</js/_js_/S-R3F/tav.idx> "
      "<unfinished ...>\n"
      "1145  1796421241.650000 <... fsync resumed>) = 0\n"
      "1144  1796421241.700000 <... fdatasync resumed>) = 0\n";
  const std::vector<absl::Time> blocks = ParseFsyncTrace(trace, ".blk");
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0], absl::FromUnixMicros(1796421239000001));
  EXPECT_EQ(blocks[1], absl::FromUnixMicros(1796421241500000));
  EXPECT_EQ(ParseFsyncTrace(trace).size(), 4u);
}

TEST_F(ClusterTest, EachAcknowledgedAppendIsFsyncedOnAMajorityFirst) {
  std::unique_ptr<client::Client> a = Connect(0);
  ASSERT_NE(a, nullptr);
  auto announced = a->Append(
      "synced", {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22))});
  ASSERT_TRUE(announced.ok()) << announced.status();
  EXPECT_EQ(announced->durability(), v1::DURABILITY_SYNCED_MAJORITY);
  constexpr int kAppends = 20;
  absl::StatusOr<std::unique_ptr<FsyncTrace>> trace =
      FsyncTrace::Attach(*nats_);
  ASSERT_TRUE(trace.ok()) << trace.status();
  const auto windows =
      AppendOneByOne(*a, "synced", kAppends, v1::DURABILITY_SYNCED_MAJORITY);
  ASSERT_EQ(windows.size(), size_t{kAppends});
  auto fsyncs = (*trace)->Finish();
  ASSERT_TRUE(fsyncs.ok()) << fsyncs.status();
  std::string traced;
  for (const auto& server : *fsyncs)
    absl::StrAppend(&traced, " ", server.size());
  EXPECT_EQ(WindowsSyncedOnQuorum(windows, *fsyncs, 2), kAppends)
      << "fsyncs traced per server:" << traced;
}

// --nats-monitor: the servers' own /varz says whether they fsync each
// write, and every server holding a replica must have said so.
TEST_F(ClusterTest, TheServersSyncSettingIsCheckedThroughTheirMonitoring) {
  auto checked = StartReplica({"--nats-monitor", nats_->monitor_urls()});
  ASSERT_TRUE(checked.ok()) << checked.status();
  auto client = client::Client::Connect((*checked)->address(), PatientClient());
  ASSERT_TRUE(client.ok()) << client.status();
  auto announced = (*client)->Append(
      "monitored", {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22))});
  ASSERT_TRUE(announced.ok()) << announced.status();
  EXPECT_EQ(announced->durability(), v1::DURABILITY_SYNCED_MAJORITY);

  // The stream has a replica on every server: one left unchecked is named.
  auto partial = StartReplica({"--nats-monitor", nats_->monitor_urls({0, 1})});
  ASSERT_FALSE(partial.ok());
  const std::string partial_error(partial.status().message());
  EXPECT_NE(partial_error.find(absl::StrCat("NATS server ", nats_->name(2),
                                            " holds a replica of stream ")),
            std::string::npos)
      << partial_error;

  // An endpoint that does not answer (its server down, say) does not keep
  // pactlogd from starting: it may be the third server's, and it is read
  // once it answers.
  absl::StatusOr<int> nobody = PickFreePort();
  ASSERT_TRUE(nobody.ok()) << nobody.status();
  auto one_silent = StartReplica(
      {"--nats-monitor", absl::StrCat(nats_->monitor_urls({0, 1}),
                                      ",http://127.0.0.1:", *nobody)});
  ASSERT_TRUE(one_silent.ok()) << one_silent.status();
  EXPECT_NE((*one_silent)
                ->log()
                .find("could not check how the server syncs "
                      "now: cannot connect to NATS "
                      "monitoring endpoint"),
            std::string::npos)
      << (*one_silent)->log();
}

// A server whose monitoring endpoint did not answer at start-up is asked
// again in the replica monitor's rounds. Found then not to fsync each
// write, it cannot be refused any more: every acknowledgement from then on
// says committed on a majority, and the replica's log names the server.
TEST_F(ClusterTest, AServerFoundUnsyncedAfterStartUpWeakensAcknowledgements) {
  absl::StatusOr<int> leader = nats_->StreamLeader(kStream);
  ASSERT_TRUE(leader.ok()) << leader.status();
  // A follower, so that appends go on without an election.
  const int late = (*leader + 1) % nats_->size();
  nats_->Stop(late);
  auto replica = StartReplica({"--nats-monitor", nats_->monitor_urls()});
  ASSERT_TRUE(replica.ok()) << replica.status();
  EXPECT_TRUE(absl::StrContains((*replica)->log(),
                                "could not check how the server syncs now"))
      << (*replica)->log();
  ExpectWeakenedBy(
      **replica, "late-sync",
      [&] {
        nats_->SetSyncAlways(late, false);
        ASSERT_TRUE(nats_->Restart(late).ok()) << nats_->Log(late);
      },
      {absl::StrCat("NATS server ", nats_->name(late), " ("),
       "appends are acknowledged as committed on a majority, not fsynced"});
}

// A configured server that did not answer at start-up is asked its version
// on the monitor's rounds (CheckJoinedServers): found older than the
// promise once it answers, it weakens every acknowledgement from then on.
TEST_F(ClusterTest, AnOldServerFoundAfterStartUpWeakensAcknowledgements) {
  absl::StatusOr<int> old_port = PickFreePort();
  ASSERT_TRUE(old_port.ok()) << old_port.status();
  auto replica =
      StartReplica({}, absl::StrCat(nats_->url(), ",127.0.0.1:", *old_port));
  ASSERT_TRUE(replica.ok()) << replica.status();
  EXPECT_TRUE(absl::StrContains(
      (*replica)->log(),
      absl::StrCat("could not check the version now: cannot connect to NATS "
                   "server 127.0.0.1:",
                   *old_port)))
      << (*replica)->log();
  std::unique_ptr<OldNatsServer> old;
  ExpectWeakenedBy(
      **replica, "late-old",
      [&] { old = std::make_unique<OldNatsServer>(*old_port); },
      {"(old-1) is nats-server 2.9.10, older than 2.10.23",
       "it joined the cluster after start-up: appends are acknowledged as "
       "committed on a majority, not fsynced"});
}

TEST_F(ClusterTest, WithoutSyncAlwaysAnAcknowledgementSaysCommittedOnly) {
  // The same check against servers left at their default: acknowledgements
  // come without a majority's fsync, the answer says so and a metric
  // counts them.
  replicas_.clear();
  nats_.reset();
  absl::StatusOr<std::unique_ptr<NatsCluster>> unsynced =
      NatsCluster::Start(3, /*sync_always=*/false);
  ASSERT_TRUE(unsynced.ok()) << unsynced.status();
  nats_ = *std::move(unsynced);
  // Declared "always" (the default) and checked, the servers' setting is
  // found out.
  auto declared = StartReplica({"--nats-monitor", nats_->monitor_urls()});
  ASSERT_FALSE(declared.ok());
  EXPECT_NE(std::string(declared.status().message())
                .find("does not fsync each JetStream write"),
            std::string::npos)
      << declared.status();
  absl::StatusOr<int> metrics_port = PickFreePort();
  ASSERT_TRUE(metrics_port.ok()) << metrics_port.status();
  auto replica = StartReplica({"--nats-sync", "interval", "--nats-monitor",
                               nats_->monitor_urls(), "--metrics-listen",
                               absl::StrCat("127.0.0.1:", *metrics_port)});
  ASSERT_TRUE(replica.ok()) << replica.status();
  replicas_.push_back(*std::move(replica));
  std::unique_ptr<client::Client> a = Connect(0);
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->Append("unsynced", {DealEvent(kDealTitle, 550'000'000'000,
                                               Date(2025, 7, 22))})
                  .ok());
  absl::StatusOr<std::unique_ptr<FsyncTrace>> trace =
      FsyncTrace::Attach(*nats_);
  ASSERT_TRUE(trace.ok()) << trace.status();
  constexpr int kAppends = 10;
  const auto windows = AppendOneByOne(*a, "unsynced", kAppends,
                                      v1::DURABILITY_COMMITTED_MAJORITY);
  ASSERT_EQ(windows.size(), size_t{kAppends});
  // Only message blocks (the streams' and their Raft logs'): a leader
  // election's term and vote are fsynced whatever the setting.
  auto fsyncs = (*trace)->Finish(".blk");
  ASSERT_TRUE(fsyncs.ok()) << fsyncs.status();
  std::string traced;
  for (const auto& server : *fsyncs)
    absl::StrAppend(&traced, " ", server.size());
  // The servers' 2-minute timer may fall into one window, not into most.
  EXPECT_LE(WindowsSyncedOnQuorum(windows, *fsyncs, 2), 1)
      << "message block fsyncs traced per server:" << traced;
  const std::map<std::string, double> metrics =
      ParseExposition(HttpGet(*metrics_port, "/metrics").body);
  auto unsynced_acks =
      metrics.find("pactlog_appends_acknowledged_unsynced_total");
  ASSERT_NE(unsynced_acks, metrics.end());
  EXPECT_EQ(unsynced_acks->second, kAppends + 1);
  // The applier's series: one entry per append, nothing held back.
  for (const auto& [series, expected] :
       std::vector<std::pair<std::string, double>>{
           {"pactlog_record_applied_position", kAppends + 1},
           {"pactlog_record_entries_applied_total", kAppends + 1},
           {"pactlog_record_requests_applied_total", kAppends + 1},
           {"pactlog_record_requests_refused_total", 0},
           {"pactlog_record_applier_halted", 0},
       }) {
    auto found = metrics.find(series);
    ASSERT_NE(found, metrics.end()) << series;
    EXPECT_EQ(found->second, expected) << series;
  }
}

TEST_F(ClusterTest, ServersOlderThanThePromisedDurabilityAreRefused) {
  OldNatsServer old;
  PactlogdOptions options;
  options.extra_args = {"--log", old.url()};
  auto refused = PactlogdProcess::Start(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message())
                .find("(old-1) is nats-server 2.9.10, older than 2.10.23"),
            std::string::npos)
      << refused.status();
  EXPECT_NE(
      std::string(refused.status().message()).find("--nats-allow-old-servers"),
      std::string::npos)
      << refused.status();
  // Allowed, the version passes with a warning; this listener is no NATS
  // server beyond its greeting, so the connection then fails.
  options.extra_args.push_back("--nats-allow-old-servers");
  auto allowed = PactlogdProcess::Start(options);
  ASSERT_FALSE(allowed.ok());
  EXPECT_NE(std::string(allowed.status().message())
                .find("accepted (--nats-allow-old-servers)"),
            std::string::npos)
      << allowed.status();
}

TEST_F(ClusterTest, LosingAMajorityRefusesAppendsAndKeepsServingReads) {
  std::unique_ptr<client::Client> a = Connect(0), b = Connect(1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto announced = a->Append(
      "majority", {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22))});
  ASSERT_TRUE(announced.ok()) << announced.status();
  ASSERT_TRUE(GetDealAtLeast(*b, "majority", announced->sequences(0)).ok());
  // Two of the three servers crash: the stream has no quorum.
  nats_->Kill(1);
  nats_->Kill(2);
  auto once = client::Client::Connect(replicas_[0]->address(), OneAttempt());
  ASSERT_TRUE(once.ok()) << once.status();
  v1::AppendRequest request;
  request.set_deal_id("majority");
  *request.add_events() = TariffEvent("all-goods", 1500, Date(2025, 9, 16));
  request.mutable_events(0)->set_event_id(client::RandomUuid());
  auto refused = (*once)->Append(request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable)
      << refused.status();
  // Reads keep being answered by both replicas from what they applied.
  for (client::Client* reader : {a.get(), b.get()}) {
    auto deal = reader->GetDeal("majority");
    ASSERT_TRUE(deal.ok()) << deal.status();
    EXPECT_EQ(deal->deal().version(), 1u);
    auto chain = reader->VerifyChain();
    ASSERT_TRUE(chain.ok()) << chain.status();
    EXPECT_EQ(chain->verified_through(), announced->sequences(0));
  }
  // The majority back: the same request, retried, is recorded exactly
  // once (the refused attempt may or may not have reached the record).
  ASSERT_TRUE(nats_->Restart(1).ok()) << nats_->Log(1);
  ASSERT_TRUE(nats_->Restart(2).ok()) << nats_->Log(2);
  auto retried = a->Append(request);
  ASSERT_TRUE(retried.ok()) << retried.status();
  for (client::Client* reader : {a.get(), b.get()}) {
    auto deal = GetDealAtLeast(*reader, "majority", retried->sequences(0));
    ASSERT_TRUE(deal.ok()) << deal.status();
    EXPECT_EQ(deal->deal().version(), 2u);
  }
}

TEST_F(ClusterTest, LocalDataOfAnotherRecordIsRefusedWhateverItsLength) {
  // Another cluster's stream of the same name, longer than what the data
  // applied: its positions alone would not tell the two records apart.
  ExpectDataOfAnotherRecordRefused(/*applied=*/2, /*other_entries=*/5);
}

TEST_F(ClusterTest, ConflictingWritesToOneDealAreCheckedAgainstTheWinner) {
  // Both replicas race to create the same deal with "must not exist": one
  // wins, the other is re-checked against the winner's entry and refused.
  std::unique_ptr<client::Client> a = Connect(0), b = Connect(1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  client::AppendOptions must_not_exist;
  must_not_exist.expected_version = 0;
  absl::StatusOr<v1::AppendResponse> first, second;
  std::thread ta([&] {
    first =
        a->Append("contested",
                  {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22))},
                  must_not_exist);
  });
  std::thread tb([&] {
    second =
        b->Append("contested",
                  {DealEvent(kDealTitle, 350'000'000'000, Date(2025, 7, 30))},
                  must_not_exist);
  });
  ta.join();
  tb.join();
  ASSERT_NE(first.ok(), second.ok())
      << "first: " << first.status() << " second: " << second.status();
  const absl::Status& lost = first.ok() ? second.status() : first.status();
  EXPECT_EQ(lost.code(), absl::StatusCode::kAborted) << lost;
  // Both replicas agree on who won.
  const uint64_t at = first.ok() ? first->sequences(0) : second->sequences(0);
  auto from_a = GetDealAtLeast(*a, "contested", at);
  auto from_b = GetDealAtLeast(*b, "contested", at);
  ASSERT_TRUE(from_a.ok()) << from_a.status();
  ASSERT_TRUE(from_b.ok()) << from_b.status();
  EXPECT_EQ(Comparable(from_a->deal()), Comparable(from_b->deal()));
  EXPECT_EQ(from_a->deal().version(), 1u);
  // The winner's deal, not the loser's.
  EXPECT_EQ(from_a->deal().commitment_ceiling().minor_units(),
            (first.ok() ? 550'000'000'000 : 350'000'000'000) * 100);
}

TEST_F(ClusterTest, ARetryThroughTheOtherReplicaAddsNothingToTheRecord) {
  std::unique_ptr<client::Client> a = Connect(0), b = Connect(1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::unique_ptr<storage::RecordLog> record = OpenRecord();
  ASSERT_NE(record, nullptr);
  v1::AppendRequest request;
  request.set_deal_id("retried-deal");
  *request.add_events() =
      DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22));
  request.mutable_events(0)->set_event_id(
      "4b0c7a52-9a57-4c43-8f0e-0a8f9a3b1d11");
  auto original = a->Append(request);
  ASSERT_TRUE(original.ok()) << original.status();
  EXPECT_FALSE(original->deduplicated());
  // Acknowledged only once applied by the replica that took it: readable
  // there at once, with no min_sequence.
  auto read_back = a->GetDeal("retried-deal");
  ASSERT_TRUE(read_back.ok()) << read_back.status();
  EXPECT_EQ(read_back->deal().version(), 1u);
  absl::StatusOr<uint64_t> entries = record->LastPosition();
  ASSERT_TRUE(entries.ok()) << entries.status();

  auto retry = b->Append(request);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->deduplicated());
  EXPECT_EQ(retry->sequences(0), original->sequences(0));
  absl::StatusOr<uint64_t> entries_after = record->LastPosition();
  ASSERT_TRUE(entries_after.ok()) << entries_after.status();
  EXPECT_EQ(*entries_after, *entries) << "the retry was stored again";

  // A sequence no replica has reached: OUT_OF_RANGE once the wait for it
  // runs out.
  client::QueryOptions beyond;
  beyond.at_least_sequence = original->sequences(0) + 1000;
  EXPECT_EQ(b->GetDeal("retried-deal", beyond).status().code(),
            absl::StatusCode::kOutOfRange);
  // Content that differs under the same event id is refused everywhere.
  *request.mutable_events(0) = DealEvent(kDealTitle, 1, Date(2025, 7, 22));
  request.mutable_events(0)->set_event_id(
      "4b0c7a52-9a57-4c43-8f0e-0a8f9a3b1d11");
  auto conflicting = b->Append(request);
  EXPECT_EQ(conflicting.status().code(), absl::StatusCode::kAlreadyExists)
      << conflicting.status();
}

TEST_F(ClusterTest, ALateDuplicateEntryIsRecognisedOnApply) {
  // A retry that reaches the record after JetStream's de-duplication window
  // (2 minutes) is a second entry with the same request. Written here
  // straight into the stream, as such a retry would be.
  std::unique_ptr<client::Client> a = Connect(0), b = Connect(1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Append("late-retry", {DealEvent(kDealTitle, 550'000'000'000,
                                                 Date(2025, 7, 22))})
                  .ok());
  // A tariff change: applying it twice would be valid, so only its event id
  // tells the duplicate apart.
  v1::AppendRequest request;
  request.set_deal_id("late-retry");
  request.set_actor("test");
  *request.add_events() = TariffEvent("all-goods", 1500, Date(2025, 8, 7));
  request.mutable_events(0)->set_event_id(
      "0d4b8f0e-65a7-4d6b-9a49-0c2b1e3f5a77");
  auto original = a->Append(request);
  ASSERT_TRUE(original.ok()) << original.status();

  std::unique_ptr<storage::RecordLog> record = OpenRecord();
  ASSERT_NE(record, nullptr);
  internal::RecordEntry late;
  *late.mutable_request() = request;
  *late.mutable_proposed_time() = original->recorded_time();
  late.set_proposer("a-test-outside-any-replica");
  storage::RecordProposal proposal{
      .deal_id = "late-retry",
      .dedup_id = "late-retry-after-the-window",
      .payload = late.SerializeAsString(),
      .unconditional = true,
  };
  std::vector<storage::PublishResult> published =
      record->Publish({&proposal, 1});
  ASSERT_TRUE(published[0].status.ok()) << published[0].status;
  EXPECT_FALSE(published[0].duplicate);

  // Both replicas apply it as nothing: the next event is sequence 2 on
  // both, and their chains agree.
  auto next = b->Append("late-retry",
                        {TariffEvent("all-goods", 1000, Date(2025, 9, 1))});
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->sequences(0), original->sequences(0) + 1);
  std::string head;
  for (client::Client* client : {a.get(), b.get()}) {
    auto deal = GetDealAtLeast(*client, "late-retry", next->sequences(0));
    ASSERT_TRUE(deal.ok()) << deal.status();
    EXPECT_EQ(deal->deal().version(), 3u);
    auto chain = client->VerifyChain();
    ASSERT_TRUE(chain.ok()) << chain.status();
    EXPECT_EQ(chain->verified_through(), next->sequences(0));
    if (head.empty()) head = chain->head_hash();
    EXPECT_EQ(chain->head_hash(), head);
  }
}

TEST_F(ClusterTest, ARequestLargerThanTheServersTakeIsRefusedAsSuch) {
  std::unique_ptr<client::Client> a = Connect(0);
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->Append("big-deal", {DealEvent(kDealTitle, 550'000'000'000,
                                               Date(2025, 7, 22))})
                  .ok());
  std::vector<v1::EventData> events;
  size_t bytes = 0;
  for (int i = 0; bytes <= NatsCluster::kMaxPayloadBytes; ++i) {
    events.push_back(ProjectEvent(absl::StrCat("project-", i),
                                  v1::SECTOR_ENERGY, "TX", 1,
                                  Date(2025, 9, 1)));
    events.back().mutable_provenance()->set_source(
        absl::StrCat("https://example.org/", std::string(1500, 'x')));
    bytes += events.back().ByteSizeLong();
  }
  auto refused = a->Append("big-deal", events);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted)
      << refused.status();
  EXPECT_NE(std::string(refused.status().message()).find("max_payload"),
            std::string::npos)
      << refused.status();
  // Nothing of it was recorded; the deal takes the next request.
  events.resize(1);
  auto next = a->Append("big-deal", events);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->deal_version(), 2u);
}

TEST_F(ClusterTest, RefusesAnIncompatibleStream) {
  // The stream exists with 3 replicas; a replica configured for 1 refuses
  // to start rather than use it.
  auto refused = StartReplica({"--nats-replicas", "1"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message())
                .find("cannot be pactlog's log of record: it has 3 replicas, "
                      "not 1"),
            std::string::npos)
      << refused.status();
  storage::NatsRecordLogOptions options;
  ASSERT_TRUE(storage::ParseNatsServers(nats_->url(), &options).ok());
  options.stream = kStream;
  options.subject_prefix = "elsewhere";
  auto opened = storage::OpenNatsRecordLog(options);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition)
      << opened.status();
  // A stream with a subject besides the deals': a message there would be a
  // position no replica reaches.
  ASSERT_TRUE(
      nats_->AddStream("MIXED", {"mixed.deal.>", "mixed.other"}, 3).ok());
  options.stream = "MIXED";
  options.subject_prefix = "mixed.deal";
  opened = storage::OpenNatsRecordLog(options);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition)
      << opened.status();
  EXPECT_NE(std::string(opened.status().message()).find("not exactly"),
            std::string::npos)
      << opened.status();
}

}  // namespace
}  // namespace pactlog::testing
