#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""P1 step by step (scripts/bench.sh --steps), from the guest's output.

    steps.py OUTDIR CONSOLE_LOG

The guest traced one P1 run of cyclictest and one of irqctx's reader on
CPU 0 and printed, per timer expiry, how long each step of the path from
the expiry's hrtimer_expire_entry to the sleeper's return to user space
took (scripts/bench/steps.awk). Prints the median and p99 of each step for
both tools side by side, and what each step adds to irqctx's path; writes
it to OUTDIR/steps.txt. Exits 1 when a tool has no complete expiry.
"""

import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import Missing, extract, read  # noqa: E402

STEPS = ["timer", "handler", "wake", "expire_exit", "switch", "return", "total"]
WHAT = {
    "timer": "expiry -> the timer's hrtimer_expire_entry",
    "handler": "timer entry -> irqctx's record (capture, ring)",
    "wake": "-> sched_waking of the sleeper",
    "expire_exit": "-> the timer callback returns",
    "switch": "-> sched_switch to the sleeper",
    "return": "-> back in user space (read() / clock_nanosleep())",
    "total": "expiry -> user space (what each tool reports)",
}


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    outdir, console = sys.argv[1], sys.argv[2]
    dest = os.path.join(outdir, "guest")
    try:
        extract(console, dest)
        cols = {}
        for tool in ("cyclictest", "irqctx_lat"):
            rows = [l.split()[1:] for l in read(dest, f"steps-{tool}.us") if l.startswith(tool)]
            if not rows:
                raise Missing(f"no complete expiry of {tool} in its trace")
            cols[tool] = {s: [float(r[i]) for r in rows] for i, s in enumerate(STEPS)}
    except Missing as e:
        print(f"steps: {e}", file=sys.stderr)
        return 1
    n = {t: len(c["total"]) for t, c in cols.items()}
    out = [f"P1 step by step: one traced run of each on CPU 0, SCHED_FIFO 90, every 1000 us; "
           f"us, p50 / p99 over {n['cyclictest']} (cyclictest) and {n['irqctx_lat']} (irqctx) expiries",
           f"{'step':<12} {'cyclictest':>15} {'irqctx':>15} {'+p50':>7}  what"]
    for s in STEPS:
        c, i = cols["cyclictest"][s], cols["irqctx_lat"][s]
        c50, i50 = statistics.median(c), statistics.median(i)
        out.append(f"{s:<12} {c50:7.1f} / {pct(c, 99):5.1f} {i50:7.1f} / {pct(i, 99):5.1f} "
                   f"{i50 - c50:+7.1f}  {WHAT[s]}")
    c, i = cols["cyclictest"]["total"], cols["irqctx_lat"]["total"]
    out.append(f"ratio irqctx / cyclictest, expiry -> user space: p50 "
               f"{statistics.median(i) / statistics.median(c):.2f}, p99 {pct(i, 99) / pct(c, 99):.2f}")
    text = "\n".join(out) + "\n"
    print(text, end="")
    with open(os.path.join(outdir, "steps.txt"), "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
