#include "sdk/pactctl/load.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "sdk/pactctl/json_input.h"

namespace pactlog::pactctl {

namespace {

struct Totals {
  int64_t requests = 0;
  int64_t events = 0;
  int64_t bytes = 0;
};

struct Progress {
  int64_t requests = 0;
  int64_t requests_deduplicated = 0;
  int64_t events_recorded = 0;
  int64_t events_deduplicated = 0;
  uint64_t last_sequence = 0;
};

void DrawBar(const Output& output, const std::string& path,
             const Totals& totals, const Progress& done, absl::Duration took) {
  double fraction = totals.requests > 0
                        ? static_cast<double>(done.requests) /
                              static_cast<double>(totals.requests)
                        : 1.0;
  constexpr int kWidth = 30;
  int filled = static_cast<int>(fraction * kWidth);
  double seconds = absl::ToDoubleSeconds(took);
  int64_t events = done.events_recorded + done.events_deduplicated;
  output.err << absl::StrFormat(
      "\r\033[Kloading %s [%s%s] %3.0f%% %d/%d requests, %d events, %.0f "
      "events/s",
      path, std::string(filled, '#'), std::string(kWidth - filled, '.'),
      fraction * 100, done.requests, totals.requests, events,
      seconds > 0 ? static_cast<double>(events) / seconds : 0.0);
  output.err.flush();
}

void PrintSummary(const Output& output, const std::string& path,
                  const Progress& done, absl::Duration took, bool complete) {
  if (output.json) {
    google::protobuf::Struct summary;
    auto& fields = *summary.mutable_fields();
    fields["file"].set_string_value(path);
    fields["complete"].set_bool_value(complete);
    fields["requests"].set_number_value(static_cast<double>(done.requests));
    fields["requests_deduplicated"].set_number_value(
        static_cast<double>(done.requests_deduplicated));
    fields["events_recorded"].set_number_value(
        static_cast<double>(done.events_recorded));
    fields["events_deduplicated"].set_number_value(
        static_cast<double>(done.events_deduplicated));
    fields["last_sequence"].set_number_value(
        static_cast<double>(done.last_sequence));
    fields["seconds"].set_number_value(absl::ToDoubleSeconds(took));
    output.out << ToJsonLine(summary) << "\n";
    return;
  }
  output.out << (complete ? "loaded " : "stopped loading ") << path << ": "
             << done.requests << " requests, "
             << done.events_recorded + done.events_deduplicated
             << " events: " << done.events_recorded << " recorded, "
             << done.events_deduplicated << " already recorded";
  if (done.last_sequence > 0) {
    output.out << "; last sequence " << done.last_sequence;
  }
  output.out << absl::StrFormat(" (%.2f s)\n", absl::ToDoubleSeconds(took));
}

// Pass 2's shared state: per-deal queues in file order. A deal is in
// `ready` when it has queued requests and none in flight, so each deal's
// requests go one after another while different deals go side by side;
// workers take the earliest line first, so one worker keeps file order.
class Dispatch {
 public:
  struct Item {
    int64_t line = 0;
    v1::AppendRequest request;
  };

  explicit Dispatch(size_t max_queued) : max_queued_(max_queued) {}

  // Reader side. Blocks while `max_queued` requests wait; false once a
  // request failed (stop reading).
  bool Push(Item item) {
    absl::MutexLock lock(&mu_);
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return queued_ < max_queued_ || failed_;
    };
    mu_.Await(absl::Condition(&room));
    if (failed_) return false;
    const std::string& deal = item.request.deal_id();
    std::deque<Item>& queue = queues_[deal];
    queue.push_back(std::move(item));
    ++queued_;
    if (queue.size() == 1 && busy_.count(deal) == 0) {
      ready_.emplace(queue.front().line, deal);
    }
    return true;
  }
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

  // Worker side: the next request of a deal with none in flight; false
  // when there is no more work.
  bool Take(Item* item) {
    absl::MutexLock lock(&mu_);
    auto work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !ready_.empty() || failed_ || (closed_ && queued_ == 0);
    };
    mu_.Await(absl::Condition(&work));
    if (failed_ || ready_.empty()) return false;
    std::string deal = ready_.begin()->second;
    ready_.erase(ready_.begin());
    std::deque<Item>& queue = queues_[deal];
    *item = std::move(queue.front());
    queue.pop_front();
    --queued_;
    busy_.insert(deal);
    return true;
  }
  void Done(const Item& item,
            const absl::StatusOr<v1::AppendResponse>& result) {
    absl::MutexLock lock(&mu_);
    const std::string& deal = item.request.deal_id();
    busy_.erase(deal);
    auto queue = queues_.find(deal);
    if (!queue->second.empty()) {
      ready_.emplace(queue->second.front().line, deal);
    } else {
      queues_.erase(queue);
    }
    if (!result.ok()) {
      // Report the earliest failing line of the file.
      if (!failed_ || item.line < failed_line_) {
        failed_line_ = item.line;
        failure_ = result.status();
      }
      failed_ = true;
      return;
    }
    ++progress_.requests;
    if (result->deduplicated()) {
      ++progress_.requests_deduplicated;
      progress_.events_deduplicated += result->sequences_size();
    } else {
      progress_.events_recorded += result->sequences_size();
    }
    for (uint64_t sequence : result->sequences()) {
      progress_.last_sequence = std::max(progress_.last_sequence, sequence);
    }
  }

  Progress progress() const {
    absl::MutexLock lock(&mu_);
    return progress_;
  }
  // The earliest failing line and its error; line 0 when none failed.
  std::pair<int64_t, absl::Status> failure() const {
    absl::MutexLock lock(&mu_);
    return {failed_ ? failed_line_ : 0, failure_};
  }

 private:
  const size_t max_queued_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::deque<Item>> queues_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> busy_ ABSL_GUARDED_BY(mu_);
  // (line of the deal's next request, deal), earliest first.
  std::set<std::pair<int64_t, std::string>> ready_ ABSL_GUARDED_BY(mu_);
  size_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  int64_t failed_line_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  Progress progress_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::Status ParseLoadLine(absl::string_view line, v1::AppendRequest* request) {
  request->Clear();
  if (absl::Status keys =
          CheckNoEmptyJsonKey(line, "the request", "pactlog.v1.AppendRequest");
      !keys.ok()) {
    return keys;
  }
  google::protobuf::util::JsonParseOptions options;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      NormalizeEnumNames(line, *v1::AppendRequest::descriptor()), request,
      options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a pactlog.v1.AppendRequest in JSON: ",
                     std::string(parsed.message())));
  }
  if (request->events_size() == 0) {
    return absl::InvalidArgumentError("the request holds no events");
  }
  for (int i = 0; i < request->events_size(); ++i) {
    v1::EventData& event = *request->mutable_events(i);
    if (event.provenance().firmness() == v1::FIRMNESS_UNSPECIFIED) {
      event.mutable_provenance()->set_firmness(v1::FIRMNESS_REPORTED);
    }
    if (event.event_id().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "events[", i,
          "].event_id is empty: load needs every event to carry its own id, "
          "so that loading the file again records nothing twice"));
    }
  }
  return absl::OkStatus();
}

int RunLoad(client::Client& client, const Output& output,
            const std::string& path, bool progress, int parallel) {
  if (parallel < 1) {
    return ReportUsage(
        absl::StrCat("--parallel must be at least 1, got ", parallel), output);
  }
  // Pass 1: the whole file must be good before anything is sent.
  Totals totals;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return ReportUsage(absl::StrCat("cannot open \"", path, "\""), output);
    }
    std::string line;
    v1::AppendRequest request;
    for (int64_t number = 1; std::getline(in, line); ++number) {
      totals.bytes += static_cast<int64_t>(line.size()) + 1;
      if (absl::StripAsciiWhitespace(line).empty()) continue;
      if (absl::Status parsed = ParseLoadLine(line, &request); !parsed.ok()) {
        return ReportUsage(
            absl::StrCat(path, ":", number, ": ", parsed.message()), output);
      }
      ++totals.requests;
      totals.events += request.events_size();
    }
    if (in.bad()) {
      return ReportUsage(absl::StrCat("cannot read \"", path, "\""), output);
    }
  }

  // Pass 2: `parallel` appends in flight, each deal's in file order. The
  // server commits concurrent appends in one synced write, so this is what
  // makes a large file load fast.
  const absl::Time start = absl::Now();
  Dispatch dispatch(/*max_queued=*/4 * static_cast<size_t>(parallel) + 1024);
  std::vector<std::thread> workers;
  for (int i = 0; i < parallel; ++i) {
    workers.emplace_back([&] {
      Dispatch::Item item;
      while (dispatch.Take(&item)) {
        dispatch.Done(item, client.Append(item.request));
      }
    });
  }
  int exit_code = kExitOk;
  absl::Time last_draw = absl::InfinitePast();
  {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    for (int64_t number = 1; std::getline(in, line); ++number) {
      if (absl::StripAsciiWhitespace(line).empty()) continue;
      Dispatch::Item item;
      item.line = number;
      if (absl::Status parsed = ParseLoadLine(line, &item.request);
          !parsed.ok()) {
        // The file changed under us since pass 1.
        exit_code = ReportUsage(
            absl::StrCat(path, ":", number, ": ", parsed.message()), output);
        break;
      }
      if (!dispatch.Push(std::move(item))) break;
      absl::Time now = absl::Now();
      if (progress && now - last_draw > absl::Milliseconds(100)) {
        DrawBar(output, path, totals, dispatch.progress(), now - start);
        last_draw = now;
      }
    }
  }
  dispatch.Close();
  for (std::thread& worker : workers) worker.join();
  if (progress) output.err << "\r\033[K";
  auto [failed_line, failure] = dispatch.failure();
  if (failed_line > 0 && exit_code == kExitOk) {
    exit_code = ReportError(failure, output,
                            absl::StrCat(path, ":", failed_line, ": "));
  }
  PrintSummary(output, path, dispatch.progress(), absl::Now() - start,
               exit_code == kExitOk);
  return exit_code;
}

}  // namespace pactlog::pactctl
