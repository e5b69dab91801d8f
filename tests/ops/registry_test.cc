// The metrics registry's exposition output, byte for byte, and its rules.
#include "services/metrics/registry.h"

#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <vector>

namespace pactlog::metrics {
namespace {

TEST(RegistryTest, EmptyRegistryRendersNothing) {
  Registry registry;
  registry.AddCounter("unused_total", "Never touched.", {"kind"});
  EXPECT_EQ(registry.Render(), "");
}

TEST(RegistryTest, CounterAndGaugeRenderHelpTypeAndSortedSeries) {
  Registry registry;
  Family<Counter>& events =
      registry.AddCounter("events_total", "Events by kind.", {"kind", "deal"});
  events.WithLabels({"tariff_change", "us-japan"}).Increment(3);
  events.WithLabels({"approval", "us-japan"}).Increment();
  events.WithLabels({"approval", "us-japan"}).Increment(0.5);
  events.WithLabels({"approval", "us-japan"}).Increment(-7);  // ignored
  registry.AddGauge("subscribers", "Open streams.").WithLabels({}).Set(12);

  EXPECT_EQ(registry.Render(),
            "# HELP events_total Events by kind.\n"
            "# TYPE events_total counter\n"
            "events_total{kind=\"approval\",deal=\"us-japan\"} 1.5\n"
            "events_total{kind=\"tariff_change\",deal=\"us-japan\"} 3\n"
            "# HELP subscribers Open streams.\n"
            "# TYPE subscribers gauge\n"
            "subscribers 12\n");
}

TEST(RegistryTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry registry;
  Histogram& latency = registry
                           .AddHistogram("latency_seconds", "Latency.",
                                         {0.0001, 0.5, 1}, {"method"})
                           .WithLabels({"GetDeal"});
  latency.Observe(0.00005);
  latency.Observe(0.5);  // a bound is inclusive: le="0.5"
  latency.Observe(0.75);
  latency.Observe(3);

  EXPECT_EQ(registry.Render(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{method=\"GetDeal\",le=\"0.0001\"} 1\n"
            "latency_seconds_bucket{method=\"GetDeal\",le=\"0.5\"} 2\n"
            "latency_seconds_bucket{method=\"GetDeal\",le=\"1\"} 3\n"
            "latency_seconds_bucket{method=\"GetDeal\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{method=\"GetDeal\"} 4.25005\n"
            "latency_seconds_count{method=\"GetDeal\"} 4\n");
}

TEST(RegistryTest, UnlabeledHistogramHasOnlyLeLabel) {
  Registry registry;
  Histogram& sizes = registry
                         .AddHistogram("batch_events", "Events per write.",
                                       ExponentialBuckets(1, 4, 3))
                         .WithLabels({});
  sizes.Observe(16);
  EXPECT_EQ(registry.Render(),
            "# HELP batch_events Events per write.\n"
            "# TYPE batch_events histogram\n"
            "batch_events_bucket{le=\"1\"} 0\n"
            "batch_events_bucket{le=\"4\"} 0\n"
            "batch_events_bucket{le=\"16\"} 1\n"
            "batch_events_bucket{le=\"+Inf\"} 1\n"
            "batch_events_sum 16\n"
            "batch_events_count 1\n");
}

TEST(RegistryTest, LabelValuesAndHelpAreEscaped) {
  Registry registry;
  registry.AddCounter("odd_total", "Back\\slash and\nnewline \"kept\".", {"v"})
      .WithLabels({"a\"b\\c\nd"})
      .Increment();
  EXPECT_EQ(registry.Render(),
            "# HELP odd_total Back\\\\slash and\\nnewline \"kept\".\n"
            "# TYPE odd_total counter\n"
            "odd_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(RegistryTest, SpecialAndLargeValuesUsePrometheusSpelling) {
  Registry registry;
  Family<Gauge>& gauges = registry.AddGauge("g", "Values.", {"case"});
  gauges.WithLabels({"inf"}).Set(std::numeric_limits<double>::infinity());
  gauges.WithLabels({"minus_inf"})
      .Set(-std::numeric_limits<double>::infinity());
  gauges.WithLabels({"nan"}).Set(std::numeric_limits<double>::quiet_NaN());
  gauges.WithLabels({"sequence"}).Set(9007199254740992.0);  // 2^53
  gauges.WithLabels({"tiny"}).Set(0.000001);
  EXPECT_EQ(registry.Render(),
            "# HELP g Values.\n"
            "# TYPE g gauge\n"
            "g{case=\"inf\"} +Inf\n"
            "g{case=\"minus_inf\"} -Inf\n"
            "g{case=\"nan\"} NaN\n"
            "g{case=\"sequence\"} 9007199254740992\n"
            "g{case=\"tiny\"} 1e-06\n");
}

TEST(RegistryTest, CollectHooksRunBeforeEveryRender) {
  Registry registry;
  Gauge& head = registry.AddGauge("head", "Last sequence.").WithLabels({});
  int calls = 0;
  registry.AddCollectHook([&] { head.Set(++calls * 10); });
  EXPECT_NE(registry.Render().find("head 10\n"), std::string::npos);
  EXPECT_NE(registry.Render().find("head 20\n"), std::string::npos);
}

TEST(RegistryTest, ConcurrentUpdatesAreAllCounted) {
  Registry registry;
  Family<Counter>& counters = registry.AddCounter("hits_total", "Hits.", {"t"});
  Histogram& histogram =
      registry.AddHistogram("h", "H.", {1, 2}).WithLabels({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        counters.WithLabels({t % 2 == 0 ? "even" : "odd"}).Increment();
        histogram.Observe(i % 3);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counters.WithLabels({"even"}).value(), 20000);
  EXPECT_EQ(counters.WithLabels({"odd"}).value(), 20000);
  const Histogram::Snapshot snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.cumulative_counts.back(), 40000u);
  EXPECT_EQ(snapshot.sum, 4 * (3333 * 1 + 3333 * 2));
}

TEST(RegistryDeathTest, RegistrationMistakesAbort) {
  EXPECT_DEATH(Registry().AddCounter("1bad", "h"), "bad metric name");
  EXPECT_DEATH(Registry().AddCounter("ok", "h", {"__reserved"}),
               "bad label name");
  EXPECT_DEATH(Registry().AddHistogram("h", "h", {1}, {"le"}),
               "bad label name");
  EXPECT_DEATH(Registry().AddHistogram("h", "h", {2, 1}), "ascending");
  EXPECT_DEATH(Registry().AddCounter("c", "h", {"a", "a"}), "repeated");
  EXPECT_DEATH(
      {
        Registry registry;
        registry.AddGauge("twice", "h");
        registry.AddCounter("twice", "h");
      },
      "registered twice");
  EXPECT_DEATH(Registry().AddCounter("c", "h", {"a"}).WithLabels({"x", "y"}),
               "has 1 labels but was given 2");
}

}  // namespace
}  // namespace pactlog::metrics
