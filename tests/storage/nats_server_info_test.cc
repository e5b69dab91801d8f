// The version check's parts: the INFO line, the version order, reading the
// line from a listener, and the check of a changing set of servers.
#include "storage/nats_server_info.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

namespace pactlog::storage {
namespace {

// A TCP socket bound to a free port of 127.0.0.1, not listening; -1 on
// failure. Sets *port.
int BindLoopback(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

TEST(NatsServerInfoTest, ParsesTheInfoLine) {
  absl::StatusOr<NatsServerInfo> info = ParseNatsInfoLine(
      "INFO {\"server_id\":\"N1\",\"server_name\":\"n1\",\"version\":"
      "\"2.10.27\",\"proto\":1,\"jetstream\":true,\"max_payload\":1048576}"
      "\r\n");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->version, "2.10.27");
  EXPECT_EQ(info->server_name, "n1");
  EXPECT_TRUE(info->jetstream);
}

TEST(NatsServerInfoTest, RefusesWhatIsNotAnInfoLine) {
  EXPECT_EQ(ParseNatsInfoLine("-ERR 'Authorization Violation'").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseNatsInfoLine("INFO {not json").status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<NatsServerInfo> no_version =
      ParseNatsInfoLine("INFO {\"server_id\":\"N1\"}");
  EXPECT_EQ(no_version.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(no_version.status().message()).find("version"),
            std::string::npos);
}

TEST(NatsServerInfoTest, ComparesVersionsNumerically) {
  EXPECT_LT(CompareVersions("2.9.10", "2.10.23"), 0);
  EXPECT_LT(CompareVersions("2.10.22", kMinNatsServerVersion), 0);
  EXPECT_EQ(CompareVersions("2.10.23", kMinNatsServerVersion), 0);
  EXPECT_GT(CompareVersions("2.10.27", kMinNatsServerVersion), 0);
  EXPECT_GT(CompareVersions("2.11.0", "2.10.99"), 0);
  EXPECT_GT(CompareVersions("3", "2.10.23"), 0);
  EXPECT_EQ(CompareVersions("v2.10.23", "2.10.23"), 0);
  EXPECT_EQ(CompareVersions("2.10.23-beta.1", "2.10.23"), 0);
  EXPECT_EQ(CompareVersions("2.10", "2.10.0"), 0);
}

TEST(NatsServerInfoTest, ReadsTheLineAServerSends) {
  int port = 0;
  const int fd = BindLoopback(&port);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(listen(fd, 4), 0);
  std::thread server([fd] {
    const int conn = accept(fd, nullptr, nullptr);
    // In two writes: the reader must not take the first part for the line.
    constexpr char kFirst[] = "INFO {\"version\":";
    constexpr char kRest[] = "\"2.9.10\",\"server_name\":\"old\"}\r\nPING\r\n";
    (void)!write(conn, kFirst, sizeof(kFirst) - 1);
    (void)!write(conn, kRest, sizeof(kRest) - 1);
    close(conn);
  });
  absl::StatusOr<NatsServerInfo> info = ReadNatsServerInfo(
      absl::StrCat("nats://127.0.0.1:", port), absl::Seconds(10));
  server.join();
  close(fd);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->version, "2.9.10");
  EXPECT_EQ(info->server_name, "old");
}

// A listener on 127.0.0.1 that answers every connection with an INFO line
// of `version` until destroyed; it listens only once Listen() is called
// (before that, a connection is refused: a server that is down).
class FakeNatsServer {
 public:
  explicit FakeNatsServer(std::string version) : version_(std::move(version)) {
    fd_ = BindLoopback(&port_);
  }
  ~FakeNatsServer() {
    if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);  // accept() returns
    if (serving_.joinable()) serving_.join();
    if (fd_ >= 0) close(fd_);
  }
  bool bound() const { return fd_ >= 0; }
  std::string url() const { return absl::StrCat("nats://127.0.0.1:", port_); }
  int connections() const { return connections_.load(); }
  bool Listen() {
    if (listen(fd_, 16) != 0) return false;
    serving_ = std::thread([this] {
      while (true) {
        const int conn = accept(fd_, nullptr, nullptr);
        if (conn < 0) return;
        ++connections_;
        const std::string line =
            absl::StrCat("INFO {\"version\":\"", version_,
                         "\",\"server_name\":\"fake\"}\r\n");
        (void)!write(conn, line.data(), line.size());
        close(conn);
      }
    });
    return true;
  }

 private:
  const std::string version_;
  int port_ = 0;
  int fd_ = -1;
  std::atomic<int> connections_{0};
  std::thread serving_;
};

TEST(NatsVersionCheckTest, AsksEachServerOnceAndNamesOnlyTheOldOnes) {
  FakeNatsServer current("2.10.27"), old("2.9.10"), down("2.10.27");
  ASSERT_TRUE(current.bound() && old.bound() && down.bound());
  ASSERT_TRUE(current.Listen());
  ASSERT_TRUE(old.Listen());
  NatsVersionCheck check(absl::Seconds(10));
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);

  // Start-up: the configured server, then a round that adds two more (one
  // old, one down) and names the first again.
  NatsVersionCheck::Round first = check.Check({current.url()}, now);
  EXPECT_TRUE(first.too_old.empty());
  EXPECT_TRUE(first.unanswered.empty());
  NatsVersionCheck::Round second =
      check.Check({current.url(), old.url(), down.url()}, now);
  ASSERT_EQ(second.too_old.size(), 1u);
  EXPECT_NE(second.too_old[0].find(old.url().substr(7)), std::string::npos)
      << second.too_old[0];
  EXPECT_NE(second.too_old[0].find("2.9.10"), std::string::npos)
      << second.too_old[0];
  ASSERT_EQ(second.unanswered.size(), 1u);
  EXPECT_EQ(current.connections(), 1);  // asked once
  EXPECT_EQ(old.connections(), 1);

  // The one that did not answer is asked again, not in the very next
  // round but once its wait is over, and the wait doubles while it stays
  // silent.
  EXPECT_TRUE(check.Check({down.url()}, now + absl::Seconds(1))
                  .unanswered.empty());  // not asked
  now += RetrySchedule::kFirst;
  EXPECT_EQ(check.Check({down.url()}, now).unanswered.size(), 1u);
  EXPECT_TRUE(check
                  .Check({down.url()},
                         now + 2 * RetrySchedule::kFirst - absl::Seconds(1))
                  .unanswered.empty());
  now += 2 * RetrySchedule::kFirst;

  // Once it answers it is checked; the others are not asked again (and
  // the old one is not named twice). "nats://" or not is one server.
  ASSERT_TRUE(down.Listen());
  NatsVersionCheck::Round third = check.Check(
      {current.url(), old.url().substr(7), down.url(), down.url()}, now);
  EXPECT_TRUE(third.too_old.empty());
  EXPECT_TRUE(third.unanswered.empty());
  EXPECT_EQ(down.connections(), 1);
  EXPECT_EQ(current.connections(), 1);
  EXPECT_EQ(old.connections(), 1);
}

TEST(NatsServerInfoTest, NothingListeningIsUnavailable) {
  // A port just released: nothing listens there.
  int port = 0;
  const int fd = BindLoopback(&port);
  ASSERT_GE(fd, 0);
  close(fd);
  absl::StatusOr<NatsServerInfo> info =
      ReadNatsServerInfo(absl::StrCat("127.0.0.1:", port), absl::Seconds(5));
  EXPECT_EQ(info.status().code(), absl::StatusCode::kUnavailable)
      << info.status();
  EXPECT_EQ(ReadNatsServerInfo("no-port", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// What nats-server 2.10.27 answers on /varz, cut to the fields read (and a
// few around them).
constexpr char kVarzSynced[] =
    "{\"server_id\":\"N1\",\"server_name\":\"n1\",\"version\":\"2.10.27\","
    "\"jetstream\":{\"config\":{\"max_memory\":1,\"store_dir\":\"/s\","
    "\"sync_interval\":120000000000,\"sync_always\":true},"
    "\"stats\":{\"memory\":0}},\"connections\":2}";
// The same server at its default sync setting: the field is left out.
constexpr char kVarzTimer[] =
    "{\"server_name\":\"n2\",\"version\":\"2.10.27\",\"jetstream\":{"
    "\"config\":{\"max_memory\":1,\"sync_interval\":120000000000}}}";

TEST(NatsVarzTest, ReadsWhetherEachWriteIsFsynced) {
  absl::StatusOr<NatsVarz> synced = ParseNatsVarz(kVarzSynced);
  ASSERT_TRUE(synced.ok()) << synced.status();
  EXPECT_EQ(synced->server_name, "n1");
  EXPECT_EQ(synced->version, "2.10.27");
  EXPECT_TRUE(synced->jetstream);
  EXPECT_TRUE(synced->sync_always);

  absl::StatusOr<NatsVarz> timer = ParseNatsVarz(kVarzTimer);
  ASSERT_TRUE(timer.ok()) << timer.status();
  EXPECT_EQ(timer->server_name, "n2");
  EXPECT_TRUE(timer->jetstream);
  EXPECT_FALSE(timer->sync_always);

  absl::StatusOr<NatsVarz> no_jetstream =
      ParseNatsVarz("{\"server_name\":\"n3\",\"version\":\"2.10.27\"}");
  ASSERT_TRUE(no_jetstream.ok()) << no_jetstream.status();
  EXPECT_FALSE(no_jetstream->jetstream);
  EXPECT_FALSE(no_jetstream->sync_always);

  EXPECT_EQ(ParseNatsVarz("<html>").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseNatsVarz("{\"server_name\":\"x\"}").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A monitoring endpoint that answers one connection with `answer` once the
// request's header has come, then closes. It listens only once Serve() is
// called (before that, a connection is refused: a server that is down).
class FakeMonitor {
 public:
  explicit FakeMonitor(std::string answer) : answer_(std::move(answer)) {
    fd_ = BindLoopback(&port_);
  }
  bool Serve() {
    if (fd_ < 0 || listen(fd_, 4) != 0) return false;
    serving_ = std::thread([this] {
      const int conn = accept(fd_, nullptr, nullptr);
      if (conn < 0) return;
      char buffer[4096];
      while (request_.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = read(conn, buffer, sizeof(buffer));
        if (n <= 0) break;
        request_.append(buffer, static_cast<size_t>(n));
      }
      // In two writes, the header's end in the second.
      const size_t half = answer_.size() / 2;
      (void)!write(conn, answer_.data(), half);
      (void)!write(conn, answer_.data() + half, answer_.size() - half);
      close(conn);
    });
    return true;
  }
  ~FakeMonitor() {
    if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);  // accept() returns
    if (serving_.joinable()) serving_.join();
    if (fd_ >= 0) close(fd_);
  }
  bool bound() const { return fd_ >= 0; }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }
  // What the client sent (once it has been answered).
  std::string request() {
    if (serving_.joinable()) serving_.join();
    return request_;
  }

 private:
  const std::string answer_;
  int fd_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread serving_;
};

TEST(NatsVarzTest, ReadsAnEndpointsVarz) {
  FakeMonitor monitor(
      absl::StrCat("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n",
                   kVarzSynced));
  ASSERT_TRUE(monitor.Serve());
  absl::StatusOr<NatsVarz> varz =
      ReadNatsVarz(absl::StrCat(monitor.url(), "/"), absl::Seconds(10));
  ASSERT_TRUE(varz.ok()) << varz.status();
  EXPECT_EQ(varz->server_name, "n1");
  EXPECT_TRUE(varz->sync_always);
  EXPECT_EQ(monitor.request().rfind("GET /varz HTTP/1.0\r\n", 0), 0u)
      << monitor.request();
}

TEST(NatsVarzTest, AnAnswerOtherThan200OrJsonIsRefusedNamingTheEndpoint) {
  FakeMonitor not_found("HTTP/1.1 404 Not Found\r\n\r\nnope");
  ASSERT_TRUE(not_found.Serve());
  absl::StatusOr<NatsVarz> missing =
      ReadNatsVarz(not_found.url(), absl::Seconds(10));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(missing.status().message()).find("404 Not Found"),
            std::string::npos)
      << missing.status();
  EXPECT_NE(std::string(missing.status().message())
                .find(absl::StrCat(not_found.url(), "/varz")),
            std::string::npos)
      << missing.status();

  FakeMonitor not_nats("HTTP/1.0 200 OK\r\n\r\n<html>hello</html>");
  ASSERT_TRUE(not_nats.Serve());
  EXPECT_EQ(ReadNatsVarz(not_nats.url(), absl::Seconds(10)).status().code(),
            absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(
      ReadNatsVarz("https://127.0.0.1:8222", absl::Seconds(1)).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadNatsVarz("http://no-port", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

std::string VarzAnswer(absl::string_view json) {
  return absl::StrCat("HTTP/1.1 200 OK\r\n\r\n", json);
}

TEST(NatsSyncCheckTest, NamesTheUnsyncedAndAsksTheSilentOnesAgainLater) {
  FakeMonitor synced(VarzAnswer(kVarzSynced)), timer(VarzAnswer(kVarzTimer)),
      down(VarzAnswer(absl::StrReplaceAll(kVarzSynced, {{"n1", "n3"}})));
  ASSERT_TRUE(synced.Serve());
  ASSERT_TRUE(timer.Serve());
  ASSERT_TRUE(down.bound());
  NatsSyncCheck check({synced.url(), timer.url(), down.url()},
                      absl::Seconds(10));
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);

  NatsSyncCheck::Round first = check.Check(now);
  ASSERT_EQ(first.unsynced.size(), 1u);
  EXPECT_NE(first.unsynced[0].find(
                absl::StrCat("NATS server n2 (", timer.url(), ") does not")),
            std::string::npos)
      << first.unsynced[0];
  ASSERT_EQ(first.unanswered.size(), 1u);
  EXPECT_NE(first.unanswered[0].find("cannot connect"), std::string::npos)
      << first.unanswered[0];
  EXPECT_EQ(check.pending(), 1u);
  EXPECT_EQ(check.names(), (absl::flat_hash_set<std::string>{"n1", "n2"}));

  // Not asked again before its wait is over; read once it answers, and the
  // others are not read twice (each fake answers one connection only).
  EXPECT_TRUE(check.Check(now + absl::Seconds(1)).unanswered.empty());
  EXPECT_EQ(check.pending(), 1u);
  ASSERT_TRUE(down.Serve());
  NatsSyncCheck::Round later = check.Check(now + RetrySchedule::kFirst);
  EXPECT_TRUE(later.unsynced.empty());
  EXPECT_TRUE(later.unanswered.empty());
  EXPECT_EQ(check.pending(), 0u);
  EXPECT_TRUE(check.names().contains("n3"));
  EXPECT_NE(down.request().find("GET /varz"), std::string::npos);
}

TEST(NatsSyncCheckTest, OnlyPlainHttpEndpointsWithAPortAreTaken) {
  EXPECT_TRUE(CheckNatsMonitorUrl("http://10.0.0.1:8222").ok());
  EXPECT_TRUE(CheckNatsMonitorUrl("10.0.0.1:8222").ok());
  EXPECT_TRUE(CheckNatsMonitorUrl("http://[::1]:8222/").ok());
  EXPECT_EQ(CheckNatsMonitorUrl("https://10.0.0.1:8222").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckNatsMonitorUrl("http://nats-1").code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pactlog::storage
