// The address 127.0.0.1:port, shared by the test helpers that open sockets
// (pactlogd_process.cc, tcp_proxy.cc).
#ifndef PACTLOG_SDK_CPP_TESTS_LOOPBACK_H_
#define PACTLOG_SDK_CPP_TESTS_LOOPBACK_H_

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>

namespace pactlog::testing {

// 127.0.0.1:port (port 0: any port, when binding).
inline sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

}  // namespace pactlog::testing

#endif  // PACTLOG_SDK_CPP_TESTS_LOOPBACK_H_
