#include "services/metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pactlog::metrics {
namespace {

// Registration mistakes are bugs in pactlogd, found by the first test that
// builds the registry: stop at once with the reason.
[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "metrics registry: %s\n", message.c_str());
  std::abort();
}

bool IsMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// The shortest text that reads back as the same double, in %g style as
// Prometheus' own clients write it ("0.0001", not "1e-04"): a bucket's "le"
// label is compared as text across scrapes and targets.
std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Counts, sequences and byte sizes read best in full: whole numbers up to
  // 2^53, which a double holds exactly, are written as integers.
  constexpr double kExactLimit = 9007199254740992.0;  // 2^53
  if (value == std::trunc(value) && std::fabs(value) <= kExactLimit) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value,
                                          std::chars_format::general);
  if (error != std::errc()) return "NaN";  // Cannot happen: 64 bytes fit.
  return std::string(buffer, end);
}

// HELP text escapes backslash and newline.
std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Label values also escape the double quote.
std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}` or "" without labels; `extra` (already formatted, e.g.
// `le="0.5"`) goes last.
std::string FormatLabels(const std::vector<std::string>& names,
                         const std::vector<std::string>& values,
                         std::string_view extra = {}) {
  if (names.empty() && extra.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    absl::StrAppend(&out, names[i], "=\"", EscapeLabelValue(values[i]), "\"");
  }
  if (!extra.empty()) {
    if (!names.empty()) out += ',';
    out.append(extra.data(), extra.size());
  }
  out += '}';
  return out;
}

}  // namespace

void Counter::Increment(double amount) {
  if (!(amount > 0)) return;
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double value) {
  // The first bound >= value: Prometheus buckets are "less or equal".
  const size_t bucket =
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.bounds = bounds_;
  snapshot.cumulative_counts.reserve(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    snapshot.cumulative_counts.push_back(total);
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> bounds;
  bounds.reserve(count);
  double bound = start;
  for (int i = 0; i < count; ++i) {
    bounds.push_back(bound);
    bound *= factor;
  }
  return bounds;
}

template <typename T>
T& Family<T>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    Fail(absl::StrCat(name_, " has ", label_names_.size(),
                      " labels but was given ", values.size(), " values"));
  }
  absl::MutexLock lock(&mu_);
  std::unique_ptr<T>& series = series_[values];
  if (series == nullptr) series = make_();
  return *series;
}

template <typename T>
T& Family<T>::WithLabels(std::initializer_list<std::string_view> values) {
  std::vector<std::string> copy;
  copy.reserve(values.size());
  for (std::string_view value : values) copy.emplace_back(value);
  return WithLabels(copy);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Entry& Registry::Add(Type type, std::string name, std::string help,
                               const std::vector<std::string>& label_names) {
  if (!IsMetricName(name)) Fail(absl::StrCat("bad metric name \"", name, "\""));
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!IsLabelName(label) || (type == Type::kHistogram && label == "le")) {
      Fail(absl::StrCat("bad label name \"", label, "\" of ", name));
    }
    if (std::find(label_names.begin(), label_names.begin() + i, label) !=
        label_names.begin() + i) {
      Fail(absl::StrCat("label \"", label, "\" repeated in ", name));
    }
  }
  absl::MutexLock lock(&mu_);
  for (const auto& entry : entries_) {
    if (entry->name == name) Fail(absl::StrCat(name, " is registered twice"));
  }
  auto entry = std::make_unique<Entry>();
  entry->type = type;
  entry->name = std::move(name);
  entry->help = std::move(help);
  entries_.push_back(std::move(entry));
  return *entries_.back();
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  Entry& entry = Add(Type::kCounter, name, std::move(help), label_names);
  entry.counters.reset(
      new Family<Counter>(std::move(name), std::move(label_names),
                          [] { return std::make_unique<Counter>(); }));
  return *entry.counters;
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help,
                                  std::vector<std::string> label_names) {
  Entry& entry = Add(Type::kGauge, name, std::move(help), label_names);
  entry.gauges.reset(
      new Family<Gauge>(std::move(name), std::move(label_names),
                        [] { return std::make_unique<Gauge>(); }));
  return *entry.gauges;
}

Family<Histogram>& Registry::AddHistogram(
    std::string name, std::string help, std::vector<double> bounds,
    std::vector<std::string> label_names) {
  if (bounds.empty()) Fail(absl::StrCat(name, " has no bucket bounds"));
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      Fail(absl::StrCat(name, ": bucket bounds must be finite and ascending"));
    }
  }
  Entry& entry = Add(Type::kHistogram, name, std::move(help), label_names);
  entry.histograms.reset(new Family<Histogram>(
      std::move(name), std::move(label_names), [bounds = std::move(bounds)] {
        return std::make_unique<Histogram>(bounds);
      }));
  return *entry.histograms;
}

void Registry::AddCollectHook(std::function<void()> hook) {
  absl::MutexLock lock(&collect_mu_);
  hooks_.push_back(std::move(hook));
}

std::string Registry::Render() const {
  {
    // One collection at a time, so two scrapes never interleave the
    // copying of values into gauges.
    absl::MutexLock lock(&collect_mu_);
    for (const auto& hook : hooks_) hook();
  }
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& entry : entries_) {
    std::string body;
    auto render_family = [&](const auto& family, auto render_series) {
      absl::MutexLock family_lock(&family.mu_);
      for (const auto& [values, series] : family.series_) {
        render_series(family.label_names_, values, *series);
      }
    };
    switch (entry->type) {
      case Type::kCounter:
      case Type::kGauge: {
        auto simple = [&](const std::vector<std::string>& names,
                          const std::vector<std::string>& values,
                          const auto& series) {
          absl::StrAppend(&body, entry->name, FormatLabels(names, values), " ",
                          FormatValue(series.value()), "\n");
        };
        if (entry->type == Type::kCounter) {
          render_family(*entry->counters, simple);
        } else {
          render_family(*entry->gauges, simple);
        }
        break;
      }
      case Type::kHistogram:
        render_family(
            *entry->histograms, [&](const std::vector<std::string>& names,
                                    const std::vector<std::string>& values,
                                    const Histogram& histogram) {
              const Histogram::Snapshot snapshot = histogram.snapshot();
              for (size_t i = 0; i <= snapshot.bounds.size(); ++i) {
                const std::string le = i < snapshot.bounds.size()
                                           ? FormatValue(snapshot.bounds[i])
                                           : "+Inf";
                absl::StrAppend(&body, entry->name, "_bucket",
                                FormatLabels(names, values,
                                             absl::StrCat("le=\"", le, "\"")),
                                " ", snapshot.cumulative_counts[i], "\n");
              }
              const std::string labels = FormatLabels(names, values);
              absl::StrAppend(&body, entry->name, "_sum", labels, " ",
                              FormatValue(snapshot.sum), "\n", entry->name,
                              "_count", labels, " ",
                              snapshot.cumulative_counts.back(), "\n");
            });
        break;
    }
    if (body.empty()) continue;
    const char* type = entry->type == Type::kCounter ? "counter"
                       : entry->type == Type::kGauge ? "gauge"
                                                     : "histogram";
    absl::StrAppend(&out, "# HELP ", entry->name, " ", EscapeHelp(entry->help),
                    "\n# TYPE ", entry->name, " ", type, "\n", body);
  }
  return out;
}

}  // namespace pactlog::metrics
