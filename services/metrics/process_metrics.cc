#include "services/metrics/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pactlog::metrics {
namespace {

// The fields of /proc/self/stat after the command name, which is in
// parentheses and may itself contain spaces. fields[0] is field 3 (state).
std::vector<std::string> StatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  const size_t close = line.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos) return fields;
  std::istringstream rest(line.substr(close + 1));
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

// Seconds since the epoch at boot, from /proc/stat's btime line.
double BootTime() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

}  // namespace

void AddProcessMetrics(Registry& registry) {
  Counter& cpu = registry
                     .AddCounter("process_cpu_seconds_total",
                                 "User and system CPU time spent in seconds.")
                     .WithLabels({});
  Gauge& resident = registry
                        .AddGauge("process_resident_memory_bytes",
                                  "Resident memory size in bytes.")
                        .WithLabels({});
  Gauge& virtual_memory = registry
                              .AddGauge("process_virtual_memory_bytes",
                                        "Virtual memory size in bytes.")
                              .WithLabels({});
  Gauge& start_time =
      registry
          .AddGauge("process_start_time_seconds",
                    "Start time of the process since unix epoch in seconds.")
          .WithLabels({});
  Gauge& open_fds =
      registry.AddGauge("process_open_fds", "Number of open file descriptors.")
          .WithLabels({});
  Gauge& max_fds = registry
                       .AddGauge("process_max_fds",
                                 "Maximum number of open file descriptors.")
                       .WithLabels({});

  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page_bytes = static_cast<double>(sysconf(_SC_PAGESIZE));
  const double boot_time = BootTime();
  registry.AddCollectHook([=, &cpu, &resident, &virtual_memory, &start_time,
                           &open_fds, &max_fds] {
    // Fields 14 utime, 15 stime, 22 starttime, 23 vsize, 24 rss.
    const std::vector<std::string> fields = StatFields();
    if (fields.size() > 21 && ticks > 0) {
      cpu.Set((std::stod(fields[11]) + std::stod(fields[12])) / ticks);
      start_time.Set(boot_time + std::stod(fields[19]) / ticks);
      virtual_memory.Set(std::stod(fields[20]));
      resident.Set(std::stod(fields[21]) * page_bytes);
    }
    std::error_code error;
    double fds = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", error), end;
         !error && it != end; it.increment(error)) {
      ++fds;
    }
    if (!error) open_fds.Set(fds);
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      max_fds.Set(static_cast<double>(limit.rlim_cur));
    }
  });
}

}  // namespace pactlog::metrics
