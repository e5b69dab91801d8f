#include "sdk/cpp/tests/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sdk/cpp/tests/loopback.h"

namespace pactlog::testing {

namespace {

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
    if (sent <= 0) {
      if (sent < 0 && errno == EINTR) continue;
      return false;
    }
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpProxy>> TcpProxy::Start(int target_port) {
  auto proxy = std::unique_ptr<TcpProxy>(new TcpProxy());
  proxy->target_port_ = target_port;
  proxy->listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (proxy->listen_fd_ < 0) {
    return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  }
  sockaddr_in addr = Loopback(0);
  socklen_t length = sizeof(addr);
  if (bind(proxy->listen_fd_, reinterpret_cast<sockaddr*>(&addr),
           sizeof(addr)) != 0 ||
      listen(proxy->listen_fd_, 16) != 0 ||
      getsockname(proxy->listen_fd_, reinterpret_cast<sockaddr*>(&addr),
                  &length) != 0) {
    return absl::InternalError(
        absl::StrCat("listen on 127.0.0.1:0: ", std::strerror(errno)));
  }
  proxy->port_ = ntohs(addr.sin_port);
  proxy->acceptor_ = std::thread([p = proxy.get()] { p->AcceptLoop(); });
  return proxy;
}

TcpProxy::~TcpProxy() {
  std::vector<std::thread> pumps;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& connection : connections_) CloseBoth(*connection);
  }
  shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  {
    absl::MutexLock lock(&mu_);
    pumps.swap(pumps_);
  }
  for (std::thread& pump : pumps) pump.join();
  absl::MutexLock lock(&mu_);
  for (auto& connection : connections_) {
    close(connection->client_fd);
    close(connection->server_fd);
  }
  close(listen_fd_);
}

std::string TcpProxy::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

void TcpProxy::CutNextAnswer(std::function<void()> before_cut) {
  absl::MutexLock lock(&mu_);
  cut_ = std::move(before_cut);
}

void TcpProxy::BlackHoleOpenConnections() {
  absl::MutexLock lock(&mu_);
  for (auto& connection : connections_) connection->black_hole = true;
}

int TcpProxy::connections_accepted() const {
  absl::MutexLock lock(&mu_);
  return accepted_;
}

int TcpProxy::cuts() const {
  absl::MutexLock lock(&mu_);
  return cuts_;
}

void TcpProxy::CloseBoth(Connection& connection) {
  // shutdown, not close: the pumps may still be blocked on these fds, and a
  // closed number could be reused by another socket meanwhile.
  shutdown(connection.client_fd, SHUT_RDWR);
  shutdown(connection.server_fd, SHUT_RDWR);
}

void TcpProxy::AcceptLoop() {
  while (true) {
    int client_fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client_fd < 0) {
      if (errno == EINTR) continue;
      return;  // shut down
    }
    int server_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in target = Loopback(target_port_);
    if (server_fd < 0 ||
        connect(server_fd, reinterpret_cast<sockaddr*>(&target),
                sizeof(target)) != 0) {
      if (server_fd >= 0) close(server_fd);
      close(client_fd);
      continue;
    }
    int one = 1;
    setsockopt(client_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(server_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto connection = std::make_shared<Connection>();
    connection->client_fd = client_fd;
    connection->server_fd = server_fd;
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      close(client_fd);
      close(server_fd);
      return;
    }
    ++accepted_;
    connections_.push_back(connection);
    pumps_.emplace_back([this, connection] { Pump(connection, false); });
    pumps_.emplace_back([this, connection] { Pump(connection, true); });
  }
}

void TcpProxy::Pump(std::shared_ptr<Connection> connection, bool from_server) {
  int from = from_server ? connection->server_fd : connection->client_fd;
  int to = from_server ? connection->client_fd : connection->server_fd;
  char buffer[16384];
  while (true) {
    ssize_t got = recv(from, buffer, sizeof(buffer), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (from_server) {
      std::function<void()> cut;
      {
        absl::MutexLock lock(&mu_);
        cut.swap(cut_);
      }
      if (cut) {
        cut();
        absl::MutexLock lock(&mu_);
        ++cuts_;
        break;
      }
    }
    if (connection->black_hole) continue;
    if (!SendAll(to, buffer, static_cast<size_t>(got))) break;
  }
  CloseBoth(*connection);
}

}  // namespace pactlog::testing
