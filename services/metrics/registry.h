// Registry: a small Prometheus metrics registry — counters, gauges and
// histograms, each a family of series told apart by label values — and its
// rendering in the Prometheus text exposition format (version 0.0.4).
//
// Debian 12 ships no Prometheus client library for C++ (no prometheus-cpp),
// so pactlog keeps this one: it has exactly what pactlogd exports and nothing
// else.
//
// Families are registered once, at start-up; a registration error (a bad
// metric or label name, a name used twice) is a programming error and
// aborts. Series are created on first use and live as long as the registry;
// hot paths look a series up once and keep the reference.
//
// Thread-safety: every method may be called from any thread. Updates of a
// series are lock-free; Render() sees each series at some moment during the
// call (a histogram's buckets, sum and count together).
#ifndef PACTLOG_SERVICES_METRICS_REGISTRY_H_
#define PACTLOG_SERVICES_METRICS_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace pactlog::metrics {

// A value that only goes up (events appended, requests answered).
class Counter {
 public:
  // Adds `amount` (>= 0; a negative amount is ignored).
  void Increment(double amount = 1);
  // For a counter that mirrors a monotonic count kept elsewhere (e.g. the
  // ledger's writer statistics): sets the total.
  void Set(double total) { value_.store(total, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down (subscribers, bytes on disk).
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double amount) {
    value_.fetch_add(amount, std::memory_order_relaxed);
  }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into cumulative buckets (upper bounds, ascending),
// plus their sum and count.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);

  void Observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    // Cumulative: counts[i] observations were <= bounds[i]; the last entry
    // (one more than bounds) counts every observation (le="+Inf").
    std::vector<uint64_t> cumulative_counts;
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  const std::vector<double> bounds_;
  // Per bucket (not cumulative); the last one is (bounds_.back(), +Inf).
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Bucket bounds: `count` bounds from `start`, each `factor` times the last.
std::vector<double> ExponentialBuckets(double start, double factor, int count);

// A family of series of one metric, one per combination of label values.
template <typename T>
class Family {
 public:
  // The series with these label values, in the order of the family's label
  // names; created at zero on first use. Aborts when the number of values
  // differs from the number of label names. The reference stays valid as
  // long as the registry.
  T& WithLabels(std::initializer_list<std::string_view> values);
  T& WithLabels(const std::vector<std::string>& values);

 private:
  friend class Registry;
  Family(std::string name, std::vector<std::string> label_names,
         std::function<std::unique_ptr<T>()> make)
      : name_(std::move(name)),
        label_names_(std::move(label_names)),
        make_(std::move(make)) {}

  const std::string name_;
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<T>()> make_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_
      ABSL_GUARDED_BY(mu_);
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers a family. `name` matches [a-zA-Z_:][a-zA-Z0-9_:]*, label
  // names match [a-zA-Z_][a-zA-Z0-9_]* and do not start with "__";
  // histograms may not use the label "le"; bucket bounds are finite and
  // strictly ascending. Aborts otherwise, or when `name` is taken.
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(std::string name, std::string help,
                          std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<double> bounds,
                                  std::vector<std::string> label_names = {});

  // Runs before every Render(), e.g. to copy values kept elsewhere (the
  // log's size) into gauges. Hooks run in registration order, one Render()
  // at a time, and must not call Render().
  void AddCollectHook(std::function<void()> hook);

  // Every family in registration order, each series ordered by its label
  // values, in the text exposition format. Families with no series yet are
  // left out.
  std::string Render() const;

  // The Content-Type of Render()'s output.
  static constexpr std::string_view kContentType =
      "text/plain; version=0.0.4; charset=utf-8";

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Entry {
    Type type;
    std::string name;
    std::string help;
    // Exactly one is set, as `type` says.
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Gauge>> gauges;
    std::unique_ptr<Family<Histogram>> histograms;
  };

  Entry& Add(Type type, std::string name, std::string help,
             const std::vector<std::string>& label_names);

  mutable absl::Mutex collect_mu_;
  std::vector<std::function<void()>> hooks_ ABSL_GUARDED_BY(collect_mu_);

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pactlog::metrics

#endif  // PACTLOG_SERVICES_METRICS_REGISTRY_H_
