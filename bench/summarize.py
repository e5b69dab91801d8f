#!/usr/bin/env python3
"""Medians of several pactlog-bench --json runs: every metric as the Markdown
table of bench/README.md, then issue 15's targets, each a same-run ratio
(computed per run, then the median of the runs) marked met or missed.

    bench/summarize.py run1.json run2.json run3.json

Metric names the targets read (a target whose metrics a run lacks prints
"not measured"):
  kind_<kind>_fresh_c64_eps, kind_<kind>_fresh_p99_ms_c64,
  kind_<kind>_history_c64_eps     one-event appends, 64 in flight, on fresh
                                  deals and on deals of 100k events
  baseline_etcd_put_c64_ops       etcd KV Put of 300 bytes, 64 in flight
  fanout_sustained_dps_<n>,
  baseline_fanout_sustained_dps_<n>
                                  the most deliveries/s of the sweep's
                                  points with p99 delivery latency <= 100 ms
                                  (0 when no point has)
  catchup_eps, baseline_stream_eps
  replay_eps, baseline_rocksdb_scan_eps
  append_batch64_eps, baseline_rocksdb_synced_batch64_eps
  getdeal_c64_rps, baseline_echo_c64_rps
  rss_mib_1m_1000subs
"""
import json
import statistics
import sys

KINDS = ["announcement", "approval", "disbursement", "tariff_change",
         "correction", "mix"]


def ratio_row(label, numerator, denominator, target):
    return (label, lambda run: _ratio(run, numerator, denominator),
            f">= {target}x", lambda r: r >= target, "x")


def limit_row(label, metric, limit, unit):
    return (label, lambda run: run.get(metric), f"<= {limit:g} {unit}",
            lambda v: v <= limit, unit)


def _ratio(run, numerator, denominator):
    if numerator not in run or not run.get(denominator):
        return None
    return run[numerator] / run[denominator]


def target_rows():
    rows = []
    for kind in KINDS:
        fresh = f"kind_{kind}_fresh_c64_eps"
        rows.append(ratio_row(f"{kind}: one-event appends / etcd Put (c64)",
                              fresh, "baseline_etcd_put_c64_ops", 2))
        rows.append(limit_row(f"{kind}: p99 (fresh deals)",
                              f"kind_{kind}_fresh_p99_ms_c64", 10, "ms"))
        rows.append(ratio_row(f"{kind}: 100k-event history / fresh",
                              f"kind_{kind}_history_c64_eps", fresh, 0.9))
    rows.append(ratio_row("64-event appends / raw RocksDB synced batch",
                          "append_batch64_eps",
                          "baseline_rocksdb_synced_batch64_eps", 0.7))
    rows.append(ratio_row("GetDeal / echo", "getdeal_c64_rps",
                          "baseline_echo_c64_rps", 0.8))
    for subscribers in (100, 1000):
        rows.append(ratio_row(
            f"fan-out deliveries/s at p99 <= 100 ms, {subscribers} subscribers"
            " / raw fan-out", f"fanout_sustained_dps_{subscribers}",
            f"baseline_fanout_sustained_dps_{subscribers}", 0.5))
    rows.append(ratio_row("catch-up / raw stream", "catchup_eps",
                          "baseline_stream_eps", 0.5))
    rows.append(ratio_row("full replay / raw scan", "replay_eps",
                          "baseline_rocksdb_scan_eps", 0.5))
    rows.append(limit_row("RSS, 1M events, 1,000 subscribers (100 stalled)",
                          "rss_mib_1m_1000subs", 300, "MiB"))
    return rows


def read_runs(paths):
    runs = []
    for path in paths:
        with open(path) as f:
            runs.append([json.loads(line) for line in f if line.startswith("{")])
    return runs


def print_metrics(runs):
    order, values, ratios, baselines, units = [], {}, {}, {}, {}
    for run in runs:
        for m in run:
            name = m["metric"]
            if name not in values:
                order.append(name)
                values[name], ratios[name], baselines[name] = [], [], []
            values[name].append(m["value"])
            units[name] = m["unit"]
            if "ratio" in m:
                ratios[name].append(m["ratio"])
                baselines[name].append(m["baseline"])
    print(f"| metric | median of {len(runs)} | unit | baseline | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for name in order:
        v = statistics.median(values[name])
        r = statistics.median(ratios[name]) if ratios[name] else None
        b = statistics.median(baselines[name]) if baselines[name] else None
        print(f"| `{name}` | {v:,.3g} | {units[name]} | "
              f"{'' if b is None else f'{b:,.3g}'} | "
              f"{'' if r is None else f'{r:.2f}'} |")


def print_targets(runs):
    by_name = [{m["metric"]: m["value"] for m in run} for run in runs]
    print()
    print(f"| target (issue 15) | median of {len(runs)} | per run | "
          "target | met |")
    print("| --- | --- | --- | --- | --- |")
    for label, figure, target, check, unit in target_rows():
        per_run = [figure(run) for run in by_name]
        measured = [f for f in per_run if f is not None]
        if not measured:
            print(f"| {label} | not measured | | {target} | |")
            continue
        median = statistics.median(measured)
        shown = " / ".join("-" if f is None else f"{f:.2f}" for f in per_run)
        met = "met" if check(median) else "**missed**"
        print(f"| {label} | {median:.2f} {unit} | {shown} | {target} | {met} |")


def main(paths):
    runs = read_runs(paths)
    print_metrics(runs)
    print_targets(runs)


if __name__ == "__main__":
    main(sys.argv[1:])
