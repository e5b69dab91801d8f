// The version check's parts: the INFO line, the version order, and reading
// the line from a listener.
#include "storage/nats_server_info.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace pactlog::storage {
namespace {

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
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
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

TEST(NatsServerInfoTest, NothingListeningIsUnavailable) {
  // A port just released: nothing listens there.
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
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
