#include "bench/etcd_baseline.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bench/baselines.h"

namespace pactlog::bench {
namespace {

constexpr char kPutMethod[] = "/etcdserverpb.KV/Put";

// A port nobody listens on now (bound to 0, then released).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// A length-delimited field (wire type 2) of `number`.
void AppendBytesField(int number, const std::string& bytes, std::string* out) {
  AppendVarint((uint64_t(number) << 3) | 2, out);
  AppendVarint(bytes.size(), out);
  out->append(bytes);
}

// etcdserverpb.PutRequest{key, value} as wire bytes.
grpc::ByteBuffer PutRequest(const std::string& key, const std::string& value) {
  std::string wire;
  AppendBytesField(1, key, &wire);
  AppendBytesField(2, value, &wire);
  grpc::Slice slice(wire);
  return grpc::ByteBuffer(&slice, 1);
}

std::string Url(int port) { return absl::StrCat("http://127.0.0.1:", port); }

// One synchronous Put, for the readiness check.
bool PutOnce(grpc::GenericStub& stub) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(1));
  const grpc::ByteBuffer request = PutRequest("ready", "1");
  grpc::ByteBuffer response;
  bool ok = false;
  absl::Notification finished;
  stub.UnaryCall(&context, kPutMethod, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status status) {
                   ok = status.ok();
                   finished.Notify();
                 });
  finished.WaitForNotification();
  return ok;
}

}  // namespace

absl::StatusOr<std::string> EtcdServer::Binary() {
  if (const char* path = std::getenv("ETCD"); path != nullptr) return path;
  for (const char* dir : {"/usr/bin", "/usr/local/bin"}) {
    const std::string path = absl::StrCat(dir, "/etcd");
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return absl::NotFoundError(
      "etcd not installed (apt-get install -y etcd-server)");
}

absl::StatusOr<std::unique_ptr<EtcdServer>> EtcdServer::Spawn(
    const std::string& binary, const std::string& data_dir) {
  std::filesystem::create_directories(data_dir);
  const int client_port = FreePort();
  const int peer_port = FreePort();
  if (client_port == 0 || peer_port == 0) {
    return absl::InternalError("no free port for etcd");
  }
  const std::string client = Url(client_port), peer = Url(peer_port);
  const std::string log = data_dir + ".log";
  std::vector<std::string> args = {
      binary,
      "--name=bench",
      absl::StrCat("--data-dir=", data_dir),
      absl::StrCat("--listen-client-urls=", client),
      absl::StrCat("--advertise-client-urls=", client),
      absl::StrCat("--listen-peer-urls=", peer),
      absl::StrCat("--initial-advertise-peer-urls=", peer),
      absl::StrCat("--initial-cluster=bench=", peer),
      "--initial-cluster-state=new"};
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (FILE* out = std::freopen(log.c_str(), "w", stderr); out != nullptr) {
      dup2(STDERR_FILENO, STDOUT_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto server = std::unique_ptr<EtcdServer>(new EtcdServer());
  server->pid_ = pid;
  server->client_port_ = client_port;
  grpc::GenericStub stub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", client_port),
                          grpc::InsecureChannelCredentials()));
  for (const absl::Time deadline = absl::Now() + absl::Seconds(20);
       absl::Now() < deadline;) {
    if (PutOnce(stub)) return server;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      server->pid_ = -1;
      return absl::UnavailableError(
          absl::StrCat("etcd exited at start; see ", log));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("etcd did not accept a Put in 20 s; see ", log));
}

EtcdServer::~EtcdServer() { StopChild(pid_); }

LoadResult MeasureEtcdPut(int client_port, int in_flight, int value_bytes,
                          absl::Duration duration) {
  // Never freed, as MeasureEcho's channels: a last callback may still be
  // returning into gRPC when RunClosedLoop returns.
  static auto* const stubs =
      new std::vector<std::unique_ptr<grpc::GenericStub>>();
  stubs->push_back(std::make_unique<grpc::GenericStub>(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", client_port),
                          grpc::InsecureChannelCredentials())));
  grpc::GenericStub* stub = stubs->back().get();
  const std::string value(value_bytes, 'x');
  std::atomic<uint64_t> next_key{0};
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer request, response;
  };
  return RunClosedLoop(in_flight, duration, [&](CallDone done) {
    auto* call = new Call();
    call->request = PutRequest(absl::StrCat("k", next_key++), value);
    stub->UnaryCall(&call->context, kPutMethod, grpc::StubOptions(),
                    &call->request, &call->response,
                    [call, done](grpc::Status status) {
                      done(status.ok(), 1, status.error_message());
                      delete call;
                    });
  });
}

}  // namespace pactlog::bench
