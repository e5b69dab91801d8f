// Which fsyncs the servers of a NatsCluster made, and when: strace
// (-f -ttt -y -e trace=fsync,fdatasync) attached to every server process, the
// way an operator would check a node. Used to show that an append is
// acknowledged only after a majority of the servers synced it.
//
// Thread-safety: none; one test drives one trace.
#ifndef PACTLOG_TESTS_CLUSTER_FSYNC_TRACE_H_
#define PACTLOG_TESTS_CLUSTER_FSYNC_TRACE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tests/cluster/nats_cluster.h"
#include "tests/ops/ops_support.h"

namespace pactlog::testing {

class FsyncTrace {
 public:
  // Attaches to every running server of `cluster` and returns once strace
  // reports each attached. The binary is env STRACE, else /usr/bin/strace.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FsyncTrace>> Attach(
      NatsCluster& cluster);
  ~FsyncTrace();

  // Detaches, then: for each server, the times at which its successful
  // fsync and fdatasync calls of files whose path contains `path_part`
  // started, in order.
  [[nodiscard]] absl::StatusOr<std::vector<std::vector<absl::Time>>> Finish(
      absl::string_view path_part = "");

 private:
  FsyncTrace() = default;

  std::string dir_;
  std::vector<std::string> outputs_;
  std::vector<std::unique_ptr<ChildProcess>> tracers_;
};

// The strace output lines of one process: the start times of its fsync and
// fdatasync calls that returned 0 (an interrupted call and its resumption,
// "<unfinished ...>" / "<... fsync resumed>", count once, at its start)
// on a file whose path (strace -y: "fsync(12</dir/1.blk>)") contains
// `path_part`; every call when `path_part` is empty.
std::vector<absl::Time> ParseFsyncTrace(const std::string& text,
                                        absl::string_view path_part = "");

// How many of `windows` (each [sent, acknowledged]) hold at least one fsync
// on at least `quorum` of the servers.
int WindowsSyncedOnQuorum(
    const std::vector<std::pair<absl::Time, absl::Time>>& windows,
    const std::vector<std::vector<absl::Time>>& fsyncs, int quorum);

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_CLUSTER_FSYNC_TRACE_H_
