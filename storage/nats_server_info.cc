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
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "util/status_macros.h"

namespace pactlog::storage {
namespace {

// An INFO line is a few hundred bytes; servers with many connect_urls send
// more, never this much.
constexpr size_t kMaxInfoLine = 64 * 1024;

// Most bytes of a monitoring endpoint's answer (a /varz is a few KiB).
constexpr size_t kMaxHttpAnswer = 4 * 1024 * 1024;

// Owns a socket.
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

// Host and port of "[scheme://]host:port[/path]" ("[::1]:4222" too).
absl::Status SplitHostPort(absl::string_view address, absl::string_view scheme,
                           std::string* host, std::string* port) {
  absl::string_view rest = address;
  absl::ConsumePrefix(&rest, scheme);
  rest = rest.substr(0, rest.find('/'));
  const size_t colon = rest.rfind(':');
  if (colon == absl::string_view::npos || colon == 0 ||
      colon + 1 == rest.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", address, "\" is not host:port"));
  }
  *host = std::string(rest.substr(0, colon));
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  *port = std::string(rest.substr(colon + 1));
  return absl::OkStatus();
}

// A connected socket to host:port; UNAVAILABLE naming `what` otherwise.
absl::StatusOr<std::unique_ptr<Socket>> ConnectTcp(const std::string& host,
                                                   const std::string& port,
                                                   absl::Time deadline,
                                                   absl::string_view what) {
  const std::string where = absl::StrCat(host, ":", port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", what, " ",
                                               where, ": ", gai_strerror(rc)));
  }
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    auto s = std::make_unique<Socket>(
        socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
               a->ai_protocol));
    if (s->fd() < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    if (connect(s->fd(), a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS || !WaitFor(s->fd(), POLLOUT, deadline)) {
        last_error = errno == EINPROGRESS ? "timed out" : std::strerror(errno);
        continue;
      }
      int error = 0;
      socklen_t len = sizeof(error);
      getsockopt(s->fd(), SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0) {
        last_error = std::strerror(error);
        continue;
      }
    }
    freeaddrinfo(found);
    return s;
  }
  freeaddrinfo(found);
  return absl::UnavailableError(
      absl::StrCat("cannot connect to ", what, " ", where, ": ", last_error));
}

// Appends what `s` sends to `*data` until `done(*data)`, the peer closes,
// `max` bytes or `deadline`.
template <typename Done>
void ReadUntil(const Socket& s, absl::Time deadline, size_t max, Done done,
               std::string* data) {
  char buffer[4096];
  while (!done(*data) && data->size() < max) {
    if (!WaitFor(s.fd(), POLLIN, deadline)) return;
    const ssize_t n = read(s.fd(), buffer, sizeof(buffer));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return;
    data->append(buffer, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::string> ReadFirstLine(const std::string& host,
                                          const std::string& port,
                                          absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  ASSIGN_OR_RETURN(std::unique_ptr<Socket> s,
                   ConnectTcp(host, port, deadline, "NATS server"));
  std::string line;
  ReadUntil(
      *s, deadline, kMaxInfoLine,
      [](const std::string& d) { return d.find('\n') != std::string::npos; },
      &line);
  if (line.find('\n') == std::string::npos) {
    return absl::UnavailableError(absl::StrCat("NATS server ", host, ":", port,
                                               " sent no INFO line within ",
                                               absl::FormatDuration(timeout)));
  }
  return line.substr(0, line.find('\n'));
}

// The JSON object at `json`, or INVALID_ARGUMENT naming `what`.
absl::StatusOr<google::protobuf::Struct> ParseJsonObject(
    absl::string_view json, absl::string_view what) {
  google::protobuf::Struct object;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &object,
                                                   options)
           .ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " is not a JSON object: \"", json.substr(0, 80), "\""));
  }
  return object;
}

// The string field `name` of `object` ("" when absent or not a string).
std::string StringField(const google::protobuf::Struct& object,
                        const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? std::string()
                                     : it->second.string_value();
}

}  // namespace

absl::StatusOr<NatsServerInfo> ParseNatsInfoLine(std::string_view line_view) {
  absl::string_view line(line_view.data(), line_view.size());
  line = absl::StripTrailingAsciiWhitespace(line);
  if (!absl::ConsumePrefix(&line, "INFO ")) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a NATS INFO line: \"", line.substr(0, 80), "\""));
  }
  ASSIGN_OR_RETURN(const google::protobuf::Struct info,
                   ParseJsonObject(line, "the NATS INFO line"));
  NatsServerInfo result;
  const auto& fields = info.fields();
  auto version = fields.find("version");
  if (version == fields.end() || !version->second.has_string_value() ||
      version->second.string_value().empty()) {
    return absl::InvalidArgumentError(
        "the NATS INFO line has no \"version\" string");
  }
  result.version = version->second.string_value();
  result.server_name = StringField(info, "server_name");
  if (auto js = fields.find("jetstream"); js != fields.end()) {
    result.jetstream = js->second.bool_value();
  }
  return result;
}

absl::StatusOr<NatsServerInfo> ReadNatsServerInfo(std::string_view host_port,
                                                  absl::Duration timeout) {
  const absl::string_view address(host_port.data(), host_port.size());
  std::string host, port;
  RETURN_IF_ERROR(SplitHostPort(address, "nats://", &host, &port));
  ASSIGN_OR_RETURN(const std::string line, ReadFirstLine(host, port, timeout));
  absl::StatusOr<NatsServerInfo> info = ParseNatsInfoLine(line);
  if (!info.ok()) {
    return absl::Status(info.status().code(),
                        absl::StrCat("NATS server ", host, ":", port, ": ",
                                     info.status().message()));
  }
  return info;
}

absl::StatusOr<NatsVarz> ParseNatsVarz(std::string_view json_view) {
  const absl::string_view json(json_view.data(), json_view.size());
  ASSIGN_OR_RETURN(const google::protobuf::Struct varz,
                   ParseJsonObject(json, "the /varz answer"));
  NatsVarz result;
  result.version = StringField(varz, "version");
  result.server_name = StringField(varz, "server_name");
  if (result.version.empty()) {
    return absl::InvalidArgumentError(
        "the /varz answer has no \"version\" string: not a NATS server's");
  }
  // {"jetstream": {"config": {"sync_always": true, ...}, ...}}; the field
  // is left out when false.
  auto js = varz.fields().find("jetstream");
  if (js == varz.fields().end() || !js->second.has_struct_value()) {
    return result;
  }
  auto config = js->second.struct_value().fields().find("config");
  if (config == js->second.struct_value().fields().end() ||
      !config->second.has_struct_value()) {
    return result;
  }
  result.jetstream = true;
  const auto& settings = config->second.struct_value().fields();
  if (auto sync = settings.find("sync_always"); sync != settings.end()) {
    result.sync_always = sync->second.bool_value();
  }
  return result;
}

namespace {

// Host and port of a monitoring endpoint URL; INVALID_ARGUMENT naming it.
absl::Status SplitMonitorUrl(std::string_view monitor_url, std::string* host,
                             std::string* port) {
  const absl::string_view url(monitor_url.data(), monitor_url.size());
  if (absl::StartsWith(url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "NATS monitoring endpoint \"", url,
        "\": https is not supported; give the plain http monitoring port"));
  }
  return SplitHostPort(url, "http://", host, port);
}

}  // namespace

absl::Status CheckNatsMonitorUrl(std::string_view monitor_url) {
  std::string host, port;
  return SplitMonitorUrl(monitor_url, &host, &port);
}

absl::StatusOr<NatsVarz> ReadNatsVarz(std::string_view monitor_url,
                                      absl::Duration timeout) {
  std::string host, port;
  RETURN_IF_ERROR(SplitMonitorUrl(monitor_url, &host, &port));
  const std::string where = absl::StrCat("NATS monitoring endpoint http://",
                                         host, ":", port, "/varz");
  const absl::Time deadline = absl::Now() + timeout;
  ASSIGN_OR_RETURN(
      std::unique_ptr<Socket> s,
      ConnectTcp(host, port, deadline, "NATS monitoring endpoint"));
  const std::string request =
      absl::StrCat("GET /varz HTTP/1.0\r\nHost: ", host, ":", port,
                   "\r\nAccept: application/json\r\n\r\n");
  if (send(s->fd(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return absl::UnavailableError(
        absl::StrCat("cannot ask ", where, ": ", std::strerror(errno)));
  }
  // HTTP/1.0: the server closes the connection after its answer.
  std::string answer;
  ReadUntil(
      *s, deadline, kMaxHttpAnswer, [](const std::string&) { return false; },
      &answer);
  const size_t body = answer.find("\r\n\r\n");
  if (body == std::string::npos) {
    return absl::UnavailableError(
        absl::StrCat(where, " sent no whole HTTP answer within ",
                     absl::FormatDuration(timeout)));
  }
  const absl::string_view status_line =
      absl::string_view(answer).substr(0, answer.find("\r\n"));
  if (!absl::StartsWith(status_line, "HTTP/1.") ||
      status_line.substr(status_line.find(' ') + 1, 3) != "200") {
    return absl::UnavailableError(
        absl::StrCat(where, " answered \"", status_line, "\""));
  }
  absl::StatusOr<NatsVarz> varz =
      ParseNatsVarz(std::string_view(answer).substr(body + 4));
  if (!varz.ok()) {
    return absl::Status(varz.status().code(),
                        absl::StrCat(where, ": ", varz.status().message()));
  }
  return varz;
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

bool RetrySchedule::Due(const std::string& key, absl::Time now) const {
  auto retry = retries_.find(key);
  return retry == retries_.end() || now >= retry->second.next;
}

void RetrySchedule::Failed(const std::string& key, absl::Time now) {
  auto [retry, first] = retries_.try_emplace(key, Retry{now, kFirst});
  if (!first) retry->second.wait = std::min(2 * retry->second.wait, kMax);
  retry->second.next = now + retry->second.wait;
}

namespace {

// Asks those of `keys` neither in `done` nor waiting in `retries` at `now`,
// each once and all at once, with read(key) -> absl::StatusOr<T>. A key
// that answers goes into `done` and its answer to on_answer(key, answer);
// what a silent one said goes into `unanswered` and `retries` schedules it.
template <typename T, typename Read, typename OnAnswer>
void AskDue(const std::vector<std::string>& keys,
            absl::flat_hash_set<std::string>& done, RetrySchedule& retries,
            absl::Time now, Read read, OnAnswer on_answer,
            std::vector<std::string>* unanswered) {
  std::vector<std::string> asked;
  for (const std::string& key : keys) {
    if (done.contains(key) || !retries.Due(key, now) ||
        std::find(asked.begin(), asked.end(), key) != asked.end()) {
      continue;
    }
    asked.push_back(key);
  }
  std::vector<absl::StatusOr<T>> answers(asked.size(),
                                         absl::UnknownError("not asked"));
  {
    std::vector<std::thread> askers;
    askers.reserve(asked.size());
    for (size_t i = 0; i < asked.size(); ++i) {
      askers.emplace_back([&, i] { answers[i] = read(asked[i]); });
    }
    for (std::thread& asker : askers) asker.join();
  }
  for (size_t i = 0; i < asked.size(); ++i) {
    if (!answers[i].ok()) {
      unanswered->push_back(std::string(answers[i].status().message()));
      retries.Failed(asked[i], now);
      continue;
    }
    retries.Succeeded(asked[i]);
    done.insert(asked[i]);
    on_answer(asked[i], *answers[i]);
  }
}

}  // namespace

NatsVersionCheck::Round NatsVersionCheck::Check(
    const std::vector<std::string>& servers, absl::Time now) {
  // "nats://" or not is one server.
  std::vector<std::string> names;
  for (const std::string& server : servers) {
    absl::string_view name(server);
    absl::ConsumePrefix(&name, "nats://");
    names.emplace_back(name);
  }
  Round round;
  auto check = [&round](const std::string& name, const NatsServerInfo& info) {
    if (CompareVersions(info.version, kMinNatsServerVersion) >= 0) return;
    round.too_old.push_back(absl::StrCat(
        "NATS server ", name,
        info.server_name.empty() ? ""
                                 : absl::StrCat(" (", info.server_name, ")"),
        " is nats-server ", info.version, ", older than ",
        kMinNatsServerVersion,
        ", the oldest whose acknowledged JetStream writes pactlog takes as "
        "durable (2.10 added sync_interval: always; 2.10.23 fsyncs the Raft "
        "log)"));
  };
  AskDue<NatsServerInfo>(
      names, checked_, retries_, now,
      [this](const std::string& name) {
        return ReadNatsServerInfo(name, timeout_);
      },
      check, &round.unanswered);
  return round;
}

NatsSyncCheck::Round NatsSyncCheck::Check(absl::Time now) {
  Round round;
  auto check = [this, &round](const std::string& url, const NatsVarz& varz) {
    const std::string name = varz.server_name.empty() ? url : varz.server_name;
    names_.insert(name);
    if (varz.sync_always) return;
    round.unsynced.push_back(absl::StrCat(
        "NATS server ", name, " (", url,
        ") does not fsync each JetStream write before acknowledging it: its "
        "/varz has no jetstream.config.sync_always"));
  };
  AskDue<NatsVarz>(
      urls_, answered_, retries_, now,
      [this](const std::string& url) { return ReadNatsVarz(url, timeout_); },
      check, &round.unanswered);
  return round;
}

}  // namespace pactlog::storage
