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

#include "absl/strings/str_cat.h"
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

  // Start-up: the configured server, then a round that adds two more (one
  // old, one down) and names the first again.
  NatsVersionCheck::Round first = check.Check({current.url()});
  EXPECT_TRUE(first.too_old.empty());
  EXPECT_TRUE(first.unanswered.empty());
  NatsVersionCheck::Round second =
      check.Check({current.url(), old.url(), down.url()});
  ASSERT_EQ(second.too_old.size(), 1u);
  EXPECT_NE(second.too_old[0].find(old.url().substr(7)), std::string::npos)
      << second.too_old[0];
  EXPECT_NE(second.too_old[0].find("2.9.10"), std::string::npos)
      << second.too_old[0];
  ASSERT_EQ(second.unanswered.size(), 1u);
  EXPECT_EQ(current.connections(), 1);  // asked once
  EXPECT_EQ(old.connections(), 1);

  // The one that did not answer is asked again once it does; the others
  // are not (and the old one is not named twice). "nats://" or not is one
  // server.
  ASSERT_TRUE(down.Listen());
  NatsVersionCheck::Round third =
      check.Check({current.url(), old.url().substr(7), down.url(), down.url()});
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

}  // namespace
}  // namespace pactlog::storage
