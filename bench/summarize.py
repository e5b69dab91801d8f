#!/usr/bin/env python3
"""Medians of several pactlog-bench --json runs, as the Markdown table of
bench/README.md, next to the targets of issue 5.

    bench/summarize.py run1.json run2.json run3.json
"""
import json
import statistics
import sys

# metric -> (target text, check on (value, ratio))
TARGETS = {
    "append_single_c64_eps": ("ratio >= 0.6", lambda v, r: r is not None and r >= 0.6),
    "append_batch64_eps": ("ratio >= 0.7", lambda v, r: r is not None and r >= 0.7),
    "append_p99_ms_c64": ("<= 10 ms", lambda v, r: v <= 10),
    "getdeal_c64_rps": ("ratio >= 0.8", lambda v, r: r is not None and r >= 0.8),
    "asof_p50_us_1m": ("ratio to 10k <= 2", lambda v, r: r is not None and r <= 2),
    "replay_eps": ("ratio >= 0.4", lambda v, r: r is not None and r >= 0.4),
    "startup_ready_s_1m": ("<= 2 s", lambda v, r: v <= 2),
    "subscribe_p99_ms_1000": ("<= 20 ms", lambda v, r: v <= 20),
    "catchup_eps": (">= 500k", lambda v, r: v >= 500_000),
    "rss_mib_1m_1000subs": ("<= 300 MiB", lambda v, r: v <= 300),
}


def main(paths):
    runs = []
    for path in paths:
        with open(path) as f:
            runs.append([json.loads(line) for line in f if line.startswith("{")])
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
    print(f"| metric | median of {len(runs)} | unit | baseline | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in order:
        v = statistics.median(values[name])
        r = statistics.median(ratios[name]) if ratios[name] else None
        b = statistics.median(baselines[name]) if baselines[name] else None
        target, check = TARGETS.get(name, ("", None))
        met = "" if check is None else ("yes" if check(v, r) else "**no**")
        print(f"| `{name}` | {v:,.3g} | {units[name]} | "
              f"{'' if b is None else f'{b:,.3g}'} | "
              f"{'' if r is None else f'{r:.2f}'} | {target} | {met} |")


if __name__ == "__main__":
    main(sys.argv[1:])
