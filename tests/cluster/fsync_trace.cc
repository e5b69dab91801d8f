#include "tests/cluster/fsync_trace.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "sdk/cpp/tests/pactlogd_process.h"

namespace pactlog::testing {
namespace {

std::string StraceBinary() {
  const char* env = std::getenv("STRACE");
  return env != nullptr && *env != '\0' ? env : "/usr/bin/strace";
}

bool IsSyncCall(absl::string_view line) {
  return absl::StrContains(line, "fsync(") ||
         absl::StrContains(line, "fdatasync(") ||
         absl::StrContains(line, "<... fsync resumed>") ||
         absl::StrContains(line, "<... fdatasync resumed>");
}

}  // namespace

// The file of a call traced with -y, "fsync(12</data/msgs/1.blk>..." ->
// "/data/msgs/1.blk"; empty when the line names none.
absl::string_view TracedPath(absl::string_view call) {
  const size_t open = call.find('<');
  const size_t close = call.find('>', open);
  if (open == absl::string_view::npos || close == absl::string_view::npos ||
      absl::StartsWith(call, "<...")) {
    return "";
  }
  return call.substr(open + 1, close - open - 1);
}

std::vector<absl::Time> ParseFsyncTrace(const std::string& text,
                                        absl::string_view path_part) {
  std::vector<absl::Time> out;
  // Thread id -> start of its call in progress, and whether its file counts.
  std::map<std::string, std::pair<absl::Time, bool>> unfinished;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!IsSyncCall(line)) continue;
    // "TID SECONDS.MICROS fsync(6) = 0", the thread id padded to 5
    // columns ("1143  1796..."): words are split on any run of spaces.
    absl::string_view rest = absl::StripLeadingAsciiWhitespace(line);
    const size_t tid_end = rest.find(' ');
    if (tid_end == absl::string_view::npos) continue;
    const std::string tid(rest.substr(0, tid_end));
    rest = absl::StripLeadingAsciiWhitespace(rest.substr(tid_end));
    const size_t time_end = rest.find(' ');
    if (time_end == absl::string_view::npos) continue;
    double seconds = 0;
    if (!absl::SimpleAtod(rest.substr(0, time_end), &seconds)) continue;
    const absl::Time at =
        absl::FromUnixMicros(static_cast<int64_t>(seconds * 1e6 + 0.5));
    const absl::string_view call =
        absl::StripLeadingAsciiWhitespace(rest.substr(time_end));
    bool counts = absl::StrContains(TracedPath(call), path_part);
    if (absl::StrContains(call, "<unfinished ...>")) {
      unfinished[tid] = {at, counts};
      continue;
    }
    absl::Time started = at;
    if (absl::StrContains(call, "resumed>")) {
      auto it = unfinished.find(tid);
      if (it == unfinished.end()) continue;
      std::tie(started, counts) = it->second;
      unfinished.erase(it);
    }
    if (counts &&
        absl::EndsWith(absl::StripTrailingAsciiWhitespace(call), "= 0")) {
      out.push_back(started);
    }
  }
  return out;
}

int WindowsSyncedOnQuorum(
    const std::vector<std::pair<absl::Time, absl::Time>>& windows,
    const std::vector<std::vector<absl::Time>>& fsyncs, int quorum) {
  int synced = 0;
  for (const auto& [sent, acknowledged] : windows) {
    int servers = 0;
    for (const std::vector<absl::Time>& server : fsyncs) {
      for (absl::Time t : server) {
        if (t >= sent && t <= acknowledged) {
          ++servers;
          break;
        }
      }
    }
    if (servers >= quorum) ++synced;
  }
  return synced;
}

absl::StatusOr<std::unique_ptr<FsyncTrace>> FsyncTrace::Attach(
    NatsCluster& cluster) {
  std::unique_ptr<FsyncTrace> trace(new FsyncTrace());
  absl::StatusOr<std::string> dir = MakeTempDir("pactlog-fsync-trace");
  if (!dir.ok()) return dir.status();
  trace->dir_ = *dir;
  for (int i = 0; i < cluster.size(); ++i) {
    if (!cluster.running(i)) continue;
    const std::string output = absl::StrCat(trace->dir_, "/", cluster.name(i));
    trace->outputs_.push_back(output);
    trace->tracers_.push_back(ChildProcess::Spawn(
        {StraceBinary(), "-f", "-ttt", "-y", "-e", "trace=fsync,fdatasync",
         "-o",
         output, "-p", absl::StrCat(cluster.pid(i))},
        output + ".log"));
    if (trace->tracers_.back() == nullptr) {
      return absl::InternalError(absl::StrCat("cannot start ", StraceBinary()));
    }
  }
  for (std::unique_ptr<ChildProcess>& tracer : trace->tracers_) {
    // strace says "Process N attached" once it traces the process.
    const bool attached = PollUntil(
        [&] {
          return !tracer->Running() ||
                 absl::StrContains(tracer->Log(), "attached");
        },
        absl::Seconds(30));
    if (!attached || !tracer->Running()) {
      return absl::UnavailableError(
          absl::StrCat("strace did not attach: ", tracer->Log()));
    }
  }
  return trace;
}

absl::StatusOr<std::vector<std::vector<absl::Time>>> FsyncTrace::Finish(
    absl::string_view path_part) {
  std::vector<std::vector<absl::Time>> out;
  for (size_t i = 0; i < tracers_.size(); ++i) {
    // SIGTERM: strace detaches and flushes its output.
    tracers_[i]->Stop();
    std::ifstream in(outputs_[i]);
    if (!in) {
      return absl::InternalError(
          absl::StrCat("strace wrote nothing: ", tracers_[i]->Log()));
    }
    std::stringstream text;
    text << in.rdbuf();
    out.push_back(ParseFsyncTrace(text.str(), path_part));
  }
  tracers_.clear();
  return out;
}

FsyncTrace::~FsyncTrace() {
  tracers_.clear();
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

}  // namespace pactlog::testing
