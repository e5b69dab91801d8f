// A TCP proxy on 127.0.0.1 for fault injection between a client and a real
// pactlogd: it forwards bytes both ways, and can be told to cut the
// connections at the moment a server's answer starts to come back, after a
// condition holds (e.g. "the append is visible in the log"). That is how
// tests lose an answer whose request was recorded, as a network would.
//
// Thread-safety: the public methods may be called from any thread.
#ifndef PACTLOG_SDK_CPP_TESTS_TCP_PROXY_H_
#define PACTLOG_SDK_CPP_TESTS_TCP_PROXY_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace pactlog::testing {

class TcpProxy {
 public:
  // Listens on a free 127.0.0.1 port and forwards to `target_port`.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TcpProxy>> Start(
      int target_port);
  ~TcpProxy();

  std::string address() const;
  // Arms a one-shot cut: the next time the server sends bytes on any
  // connection, the proxy holds them, waits until `before_cut` returns
  // (it may poll the server directly), then closes that connection in both
  // directions without forwarding them.
  void CutNextAnswer(std::function<void()> before_cut);
  // Turns every open connection into a black hole: bytes are read and
  // dropped, nothing is closed, as with a peer that vanished. Connections
  // made afterwards forward normally.
  void BlackHoleOpenConnections();
  int connections_accepted() const;
  int cuts() const;

 private:
  struct Connection {
    int client_fd = -1;
    int server_fd = -1;
    std::atomic<bool> black_hole{false};
  };
  TcpProxy() = default;
  void AcceptLoop();
  void Pump(std::shared_ptr<Connection> connection, bool from_server);
  static void CloseBoth(Connection& connection);

  int listen_fd_ = -1;
  int port_ = 0;
  int target_port_ = 0;
  std::thread acceptor_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> cut_ ABSL_GUARDED_BY(mu_);
  int accepted_ ABSL_GUARDED_BY(mu_) = 0;
  int cuts_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::shared_ptr<Connection>> connections_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pactlog::testing

#endif  // PACTLOG_SDK_CPP_TESTS_TCP_PROXY_H_
