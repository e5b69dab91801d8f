#include "bench/baselines.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/echo_service.h"
#include "echo.grpc.pb.h"  // generated from bench/echo.proto
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace pactlog::bench {
namespace {

// The same limit pactlogd sets on messages.
constexpr int kMaxMessageBytes = 4 << 20;

std::string Key(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, value >>= 8) {
    out[i] = static_cast<char>(value & 0xff);
  }
  return out;
}

}  // namespace

int ServeEcho() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::unique_ptr<grpc::Service> service = NewEchoService();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return 1;
  std::printf("port %d\n", port);
  std::fflush(stdout);
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  server->Shutdown(std::chrono::system_clock::now());
  return 0;
}

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Spawn() {
  int out[2];
  if (pipe(out) != 0) return absl::InternalError("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl("/proc/self/exe", "pactlog-bench", "--serve-echo",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  auto server = std::unique_ptr<EchoServer>(new EchoServer());
  server->pid_ = pid;
  // Blocks until the child prints its port or exits.
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(out[0]);
  if (!line.starts_with("port ") ||
      !absl::SimpleAtoi(line.substr(5), &server->port_)) {
    return absl::InternalError(
        absl::StrCat("echo server did not report a port: \"", line, "\""));
  }
  return server;
}

void StopChild(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
}

EchoServer::~EchoServer() { StopChild(pid_); }

LoadResult MeasureEcho(int port, int in_flight, int payload_bytes,
                       absl::Duration duration) {
  // Kept for the life of the process: the last call's callback may still
  // be returning into gRPC when RunClosedLoop returns, and destroying the
  // channel under it crashed gRPC 1.51 (a double free in its callback
  // completion queue, about one run in six). Never freed, on purpose.
  static auto* const channels =
      new std::vector<std::shared_ptr<grpc::Channel>>();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());
  channels->push_back(channel);
  auto stub = Echo::NewStub(channel);
  const std::string payload(payload_bytes, 'x');
  struct Call {
    grpc::ClientContext context;
    EchoMessage request, response;
  };
  return RunClosedLoop(in_flight, duration, [&](CallDone done) {
    auto* call = new Call();
    call->request.set_payload(payload);
    stub->async()->Echo(&call->context, &call->request, &call->response,
                        [call, done](grpc::Status status) {
                          done(status.ok(), 1, status.error_message());
                          delete call;
                        });
  });
}

absl::StatusOr<RocksDbBaselines> MeasureRocksDb(const std::string& dir,
                                                int value_bytes,
                                                absl::Duration duration,
                                                int scan_events) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_background_jobs = 2;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status opened = rocksdb::DB::Open(options, dir, &raw);
  if (!opened.ok()) return absl::UnavailableError(opened.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  const std::string value(value_bytes, 'v');
  rocksdb::WriteOptions synced;
  synced.sync = true;
  RocksDbBaselines result;

  {  // 64 writers, one synced put each: RocksDB's own group commit.
    constexpr int kThreads = 64;
    std::atomic<uint64_t> puts{0};
    const absl::Time start = absl::Now();
    const absl::Time deadline = start + duration;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (uint64_t i = 0; absl::Now() < deadline; ++i) {
          if (db->Put(synced, Key((uint64_t{1} << 40) + t * (1ull << 32) + i),
                      value)
                  .ok()) {
            puts.fetch_add(1, std::memory_order_relaxed);
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    result.synced_puts_c64_per_second =
        puts / absl::ToDoubleSeconds(absl::Now() - start);
  }
  {  // One writer, 64 puts per synced batch.
    uint64_t events = 0;
    const absl::Time start = absl::Now();
    for (uint64_t next = uint64_t{2} << 40; absl::Now() < start + duration;) {
      rocksdb::WriteBatch batch;
      for (int i = 0; i < 64; ++i) batch.Put(Key(next++), value);
      if (db->Write(synced, &batch).ok()) events += 64;
    }
    result.synced_batch64_events_per_second =
        events / absl::ToDoubleSeconds(absl::Now() - start);
  }
  {  // Sequential scan of scan_events values, warm (read once before).
    const uint64_t first = uint64_t{3} << 40;
    rocksdb::WriteOptions unsynced;
    for (int written = 0; written < scan_events;) {
      rocksdb::WriteBatch batch;
      for (int i = 0; i < 1000 && written < scan_events; ++i, ++written) {
        batch.Put(Key(first + written), value);
      }
      if (!db->Write(unsynced, &batch).ok()) {
        return absl::UnavailableError("raw RocksDB write failed");
      }
    }
    auto scan = [&] {
      std::unique_ptr<rocksdb::Iterator> it(
          db->NewIterator(rocksdb::ReadOptions()));
      uint64_t n = 0, bytes = 0;
      for (it->Seek(Key(first)); it->Valid() && n < uint64_t(scan_events);
           it->Next()) {
        bytes += it->value().size();
        ++n;
      }
      return n + (bytes == 0 ? 0 : 0);
    };
    scan();
    const absl::Time start = absl::Now();
    const uint64_t n = scan();
    result.scan_events_per_second =
        n / absl::ToDoubleSeconds(absl::Now() - start);
  }
  return result;
}

}  // namespace pactlog::bench
