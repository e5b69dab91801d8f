// The standard process series every Prometheus client exports
// (process_cpu_seconds_total, process_resident_memory_bytes, ...), read
// from /proc/self at scrape time. Linux only.
#ifndef PACTLOG_SERVICES_METRICS_PROCESS_METRICS_H_
#define PACTLOG_SERVICES_METRICS_PROCESS_METRICS_H_

#include "services/metrics/registry.h"

namespace pactlog::metrics {

// Registers the process series in `registry`. Series that cannot be read
// (no /proc) keep their last value.
void AddProcessMetrics(Registry& registry);

}  // namespace pactlog::metrics

#endif  // PACTLOG_SERVICES_METRICS_PROCESS_METRICS_H_
