#include "storage/nats_server_info.h"

#include <fcntl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace pactlog::storage {
namespace {

// An INFO line is a few hundred bytes; servers with many connect_urls send
// more, never this much.
constexpr size_t kMaxInfoLine = 64 * 1024;

// Closes a socket when it goes out of scope.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  const int fd_;
};

// Waits for `events` on `fd` until `deadline`; false on timeout or error.
bool WaitFor(int fd, short events, absl::Time deadline) {
  while (true) {
    const int64_t ms =
        std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()));
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 60000)));
    if (n > 0) return (p.revents & events) != 0 || (p.revents & POLLHUP);
    if (n == 0 && absl::Now() >= deadline) return false;
    if (n < 0 && errno != EINTR) return false;
  }
}

absl::StatusOr<std::string> ReadFirstLine(const std::string& host,
                                          const std::string& port,
                                          absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string where = absl::StrCat(host, ":", port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve NATS server ",
                                               where, ": ", gai_strerror(rc)));
  }
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    Socket s(socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    a->ai_protocol));
    if (s.fd() < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    if (connect(s.fd(), a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS || !WaitFor(s.fd(), POLLOUT, deadline)) {
        last_error = errno == EINPROGRESS ? "timed out" : std::strerror(errno);
        continue;
      }
      int error = 0;
      socklen_t len = sizeof(error);
      getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0) {
        last_error = std::strerror(error);
        continue;
      }
    }
    std::string line;
    char buffer[4096];
    while (line.find('\n') == std::string::npos && line.size() < kMaxInfoLine) {
      if (!WaitFor(s.fd(), POLLIN, deadline)) break;
      const ssize_t n = read(s.fd(), buffer, sizeof(buffer));
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;
      line.append(buffer, static_cast<size_t>(n));
    }
    freeaddrinfo(found);
    if (line.find('\n') == std::string::npos) {
      return absl::UnavailableError(
          absl::StrCat("NATS server ", where, " sent no INFO line within ",
                       absl::FormatDuration(timeout)));
    }
    return line.substr(0, line.find('\n'));
  }
  freeaddrinfo(found);
  return absl::UnavailableError(
      absl::StrCat("cannot connect to NATS server ", where, ": ", last_error));
}

}  // namespace

absl::StatusOr<NatsServerInfo> ParseNatsInfoLine(std::string_view line_view) {
  absl::string_view line(line_view.data(), line_view.size());
  line = absl::StripTrailingAsciiWhitespace(line);
  if (!absl::ConsumePrefix(&line, "INFO ")) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a NATS INFO line: \"", line.substr(0, 80), "\""));
  }
  google::protobuf::Struct info;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(std::string(line), &info,
                                                   options)
           .ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the NATS INFO line is not a JSON object: \"",
                     line.substr(0, 80), "\""));
  }
  NatsServerInfo result;
  const auto& fields = info.fields();
  auto version = fields.find("version");
  if (version == fields.end() || !version->second.has_string_value() ||
      version->second.string_value().empty()) {
    return absl::InvalidArgumentError(
        "the NATS INFO line has no \"version\" string");
  }
  result.version = version->second.string_value();
  if (auto name = fields.find("server_name"); name != fields.end()) {
    result.server_name = name->second.string_value();
  }
  if (auto js = fields.find("jetstream"); js != fields.end()) {
    result.jetstream = js->second.bool_value();
  }
  return result;
}

absl::StatusOr<NatsServerInfo> ReadNatsServerInfo(std::string_view host_port,
                                                  absl::Duration timeout) {
  absl::string_view rest(host_port.data(), host_port.size());
  absl::ConsumePrefix(&rest, "nats://");
  const size_t colon = rest.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", rest, "\" is not host:port"));
  }
  std::string host(rest.substr(0, colon));
  // "[::1]:4222"
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  absl::StatusOr<std::string> line =
      ReadFirstLine(host, std::string(rest.substr(colon + 1)), timeout);
  if (!line.ok()) return line.status();
  absl::StatusOr<NatsServerInfo> info = ParseNatsInfoLine(*line);
  if (!info.ok()) {
    return absl::Status(
        info.status().code(),
        absl::StrCat("NATS server ", rest, ": ", info.status().message()));
  }
  return info;
}

int CompareVersions(std::string_view a_view, std::string_view b_view) {
  auto parts = [](std::string_view v) {
    absl::string_view s(v.data(), v.size());
    absl::ConsumePrefix(&s, "v");
    s = s.substr(0, std::min(s.find('-'), s.find('+')));
    std::vector<uint64_t> out;
    for (absl::string_view part : absl::StrSplit(s, '.')) {
      uint64_t n = 0;
      if (!absl::SimpleAtoi(part, &n)) n = 0;
      out.push_back(n);
    }
    return out;
  };
  std::vector<uint64_t> a = parts(a_view), b = parts(b_view);
  const size_t n = std::max(a.size(), b.size());
  a.resize(n, 0);
  b.resize(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

NatsVersionCheck::Round NatsVersionCheck::Check(
    const std::vector<std::string>& servers) {
  std::vector<std::string> asked;
  for (const std::string& server : servers) {
    absl::string_view key(server);
    absl::ConsumePrefix(&key, "nats://");
    const std::string name(key);
    if (checked_.contains(name) ||
        std::find(asked.begin(), asked.end(), name) != asked.end()) {
      continue;
    }
    asked.push_back(name);
  }
  std::vector<absl::StatusOr<NatsServerInfo>> answers(
      asked.size(), absl::UnknownError("not asked"));
  {
    std::vector<std::thread> askers;
    askers.reserve(asked.size());
    for (size_t i = 0; i < asked.size(); ++i) {
      askers.emplace_back([this, &asked, &answers, i] {
        answers[i] = ReadNatsServerInfo(asked[i], timeout_);
      });
    }
    for (std::thread& asker : askers) asker.join();
  }
  Round round;
  for (size_t i = 0; i < asked.size(); ++i) {
    const absl::StatusOr<NatsServerInfo>& info = answers[i];
    if (!info.ok()) {
      round.unanswered.push_back(std::string(info.status().message()));
      continue;
    }
    checked_.insert(asked[i]);
    if (CompareVersions(info->version, kMinNatsServerVersion) >= 0) continue;
    round.too_old.push_back(absl::StrCat(
        "NATS server ", asked[i],
        info->server_name.empty() ? ""
                                  : absl::StrCat(" (", info->server_name, ")"),
        " is nats-server ", info->version, ", older than ",
        kMinNatsServerVersion,
        ", the oldest whose acknowledged JetStream writes pactlog takes as "
        "durable (2.10 added sync_interval: always; 2.10.23 fsyncs the Raft "
        "log)"));
  }
  return round;
}

}  // namespace pactlog::storage
