#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The bench's figures (scripts/bench.sh), from the files the guest printed.

    report.py OUTDIR CONSOLE_LOG

Extracts the guest's "@file NAME" sections from CONSOLE_LOG into
OUTDIR/guest/, computes every figure, prints the report and writes it to
OUTDIR/report.txt, and writes the plot's data to OUTDIR/plot/*.dat (the
fraction of samples at or above each latency, for plot.gp).

Exits 1 if a figure cannot be computed (a file or a row is missing): the
shape check of CI's smoke run. It never judges the figures themselves.
"""

import math
import os
import re
import statistics
import sys

KMSG = re.compile(r"^\[\s*\d+\.\d+\]")


class Missing(Exception):
    """A figure the report needs is not in the guest's output."""


def extract(console, dest):
    """Writes each @file section of the console log into dest."""
    os.makedirs(dest, exist_ok=True)
    name, lines, names = None, [], []
    with open(console, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("@file ") or line == "@end":
                if name:
                    with open(os.path.join(dest, name), "w") as out:
                        out.write("".join(l + "\n" for l in lines))
                    names.append(name)
                name, lines = (line[6:].strip() if line != "@end" else None), []
            elif name and not KMSG.match(line):
                lines.append(line)
    if "splats.txt" not in names:
        raise Missing("the guest never printed its results (no @end)")
    return names


def read(dest, name):
    path = os.path.join(dest, name)
    if not os.path.exists(path):
        raise Missing(f"no {name} from the guest")
    with open(path) as f:
        return f.read().splitlines()


def kv(line):
    """The key=value pairs of a line."""
    return dict(p.split("=", 1) for p in line.split() if "=" in p)


def us_hist(lines):
    """{us: count} from cyclictest --histfile lines ("US COUNT...")."""
    h = {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and parts[0].isdigit():
            h[int(parts[0])] = h.get(int(parts[0]), 0) + int(parts[1])
    return h


def ns_buckets(lines, **want):
    """{upper end in us: count} of latency_buckets lines matching want."""
    h = {}
    for line in lines:
        f = kv(line)
        if all(f.get(k) == v for k, v in want.items()) and "count" in f:
            us = (int(f["hi_ns"]) - 1) / 1000
            h[us] = h.get(us, 0) + int(f["count"])
    return h


def pct(h, p):
    """The value at or below which a fraction p of the samples lie."""
    n = sum(h.values())
    if not n:
        raise Missing("an empty distribution")
    rank, seen = max(1, math.ceil(p * n)), 0
    for v in sorted(h):
        seen += h[v]
        if seen >= rank:
            return v
    return max(h)


def merge(hists):
    out = {}
    for h in hists:
        for v, c in h.items():
            out[v] = out.get(v, 0) + c
    return out


def ccdf(h, path):
    """Writes "latency fraction_at_or_above" points of h for gnuplot."""
    n, above = sum(h.values()), sum(h.values())
    with open(path, "w") as f:
        for v in sorted(h):
            f.write(f"{max(v, 0.5):g} {above / n:.6g}\n")
            above -= h[v]


def fmt_us(v):
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def spread(values):
    return f"{statistics.median(values):.2f} [{min(values):.2f}..{max(values):.2f}]"


def main():
    outdir, console = sys.argv[1], sys.argv[2]
    guest = os.path.join(outdir, "guest")
    plot = os.path.join(outdir, "plot")
    os.makedirs(plot, exist_ok=True)
    names = extract(console, guest)
    env = dict(l.split("=", 1) for l in read(outdir, "bench.env"))
    rounds = int(env["ROUNDS"])
    rep = []
    say = rep.append

    # -- P1 --------------------------------------------------------------
    say(f"P1: event -> user space, hrtimer every 1000 us, SCHED_FIFO 90, "
        f"{env['LOOPS']} loops per round, rounds alternating the tools")
    say(f"{'load':5} {'round':>5} | {'cyclictest p50/p99/max us':>26} | "
        f"{'irqctx read() p50/p99/max us':>29} | {'handler p50/p99 us':>18} | "
        f"{'P1 p50':>6} {'P1 p99':>6} | {'other CPU p50/p99 us':>20} {'P1 p50':>6} {'P1 p99':>6}")
    p1 = {}
    p1_other = {}
    for load in ("idle", "load"):
        cyc_all, irq_all, hnd_all = [], [], []
        for r in range(1, rounds + 1):
            base = f"p1-{load}-{r}"
            cyc = us_hist(read(guest, f"{base}-cyclictest.hist"))
            irq = us_hist(read(guest, f"{base}-irqctx.hist"))
            hnd = ns_buckets(read(guest, f"{base}-handler.buckets"))
            cyc_max = max(cyc)
            for line in read(guest, f"{base}-cyclictest.hist"):
                m = re.match(r"# Max Latencies:\s+(\d+)", line)
                if m:
                    cyc_max = int(m.group(1))
            irq_max = int(kv(read(guest, f"{base}-irqctx.txt")[0])["max_us"])
            r50, r99 = pct(irq, .5) / max(pct(cyc, .5), 1), pct(irq, .99) / max(pct(cyc, .99), 1)
            p1.setdefault(load, []).append((r50, r99))
            oth = us_hist(read(guest, f"{base}-other.hist"))
            o50, o99 = pct(oth, .5) / max(pct(cyc, .5), 1), pct(oth, .99) / max(pct(cyc, .99), 1)
            p1_other.setdefault(load, []).append((o50, o99))
            say(f"{load:5} {r:>5} | {pct(cyc, .5):>8} {pct(cyc, .99):>8} {cyc_max:>8} | "
                f"{pct(irq, .5):>9} {pct(irq, .99):>9} {irq_max:>9} | "
                f"{fmt_us(pct(hnd, .5)):>8} {fmt_us(pct(hnd, .99)):>9} | {r50:6.2f} {r99:6.2f} | "
                f"{pct(oth, .5):>10} {pct(oth, .99):>9} {o50:6.2f} {o99:6.2f}")
            cyc_all.append(cyc)
            irq_all.append(irq)
            hnd_all.append(hnd)
        ccdf(merge(cyc_all), os.path.join(plot, f"p1-{load}-cyclictest.dat"))
        ccdf(merge(irq_all), os.path.join(plot, f"p1-{load}-irqctx.dat"))
        ccdf(merge(hnd_all), os.path.join(plot, f"p1-{load}-handler.dat"))
    for load, ratios in p1.items():
        say(f"P1 ({load}) = irqctx read() / cyclictest: p50 {spread([r[0] for r in ratios])}, "
            f"p99 {spread([r[1] for r in ratios])} (median [min..max] of {len(ratios)} rounds)")
    for load, ratios in p1_other.items():
        say(f"P1 ({load}, reader on the other CPU) = irqctx read() / cyclictest: "
            f"p50 {spread([r[0] for r in ratios])}, p99 {spread([r[1] for r in ratios])}")
    costs = [kv(l) for l in read(guest, "p1-readcost.txt")]
    if not costs:
        raise Missing("no read() cost figures")
    say("read() of a record already there: "
        + ", ".join(f"{int(c['read_ns']) / 1000:.1f}" for c in costs)
        + " us; getppid(): " + ", ".join(f"{int(c['getppid_ns']) / 1000:.1f}" for c in costs)
        + " us (3 runs)")
    say("")

    # -- Stages ------------------------------------------------------------
    inject = kv(read(guest, "stages-inject.txt")[0]) if read(guest, "stages-inject.txt") else {}
    say(f"Stages: delay per source x stage (us), clean | with {env['INJECT_US']} us "
        f"interrupts-off sections every {env['INJECT_PERIOD_US']} us "
        f"({inject.get('injected', '?')} injected)")
    say(f"{'source':9} {'stage':9} | {'count':>6} {'p50':>7} {'p99':>7} {'max':>7} | "
        f"{'count':>6} {'p50':>7} {'p99':>7} {'max':>7}")
    rows = {}
    for mode in ("clean", "irqsoff"):
        for line in read(guest, f"stages-{mode}.txt"):
            f = kv(line)
            if f.get("metric") == "delay" and int(f["count"]) > 0:
                rows.setdefault((f["source"], f["stage"]), {})[mode] = f
        buckets = read(guest, f"stages-{mode}.buckets")
        for src, stage in (("hrtimer", "top"), ("hrtimer", "bh"), ("hrtimer", "workqueue"),
                           ("edu", "thread")):
            h = ns_buckets(buckets, metric="delay", source=src, stage=stage)
            if h:
                ccdf(h, os.path.join(plot, f"stages-{mode}-{src}-{stage}.dat"))
    for need in (("hrtimer", "top"), ("irq_work", "top"), ("hrtimer", "workqueue"), ("hrtimer", "bh")):
        if set(rows.get(need, {})) != {"clean", "irqsoff"}:
            raise Missing(f"no {need[0]}/{need[1]} delays in both stage runs")
    for (src, stage), modes in rows.items():
        cells = []
        for mode in ("clean", "irqsoff"):
            f = modes.get(mode)
            cells.append(f"{f['count']:>6} " + " ".join(
                f"{fmt_us(int(f[k]) / 1000):>7}" for k in ("p50_ns", "p99_ns", "max_ns"))
                if f else f"{'-':>6} {'':>7} {'':>7} {'':>7}")
        say(f"{src:9} {stage:9} | {cells[0]} | {cells[1]}")
    say("")

    # -- P2 --------------------------------------------------------------
    say("P2: top-half cost, entry -> return (us), hrtimer every 1000 us, bh=none")
    def cost_of(name):
        return {kv(line)["source"]: kv(line) for line in read(guest, f"p2-{name}.txt")}
    rounds = sorted(int(n[len("p2-rust-"):-4]) for n in os.listdir(guest)
                    if re.fullmatch(r"p2-rust-\d+\.txt", n))
    if not rounds:
        raise Missing("no P2 rounds")
    say("round |  irqctx p50/p99 |  C twin p50/p99 |  Rust/C p50 p99 | traced p50/p99 | traced/C p50 p99")
    ratios = {"p50_ns": [], "p99_ns": []}
    traced_ratios = {"p50_ns": [], "p99_ns": []}
    for r in rounds:
        rust, c = cost_of(f"rust-{r}").get("hrtimer"), cost_of(f"c-{r}").get("hrtimer")
        if not rust or not c or int(rust["count"]) == 0 or int(c["count"]) == 0:
            raise Missing(f"no hrtimer cost in P2 round {r}")
        for q in ratios:
            ratios[q].append(int(rust[q]) / max(int(c[q]), 1))
        line = (f"{r:>5} | {int(rust['p50_ns']) / 1000:>6.2f} {int(rust['p99_ns']) / 1000:>7.2f} | "
                f"{int(c['p50_ns']) / 1000:>6.2f} {int(c['p99_ns']) / 1000:>7.2f} | "
                f"{ratios['p50_ns'][-1]:>7.2f} {ratios['p99_ns'][-1]:>5.2f}")
        # The irqctx_stage event on (a kernel without tracefs has none).
        if os.path.exists(os.path.join(guest, f"p2-traced-{r}.txt")):
            t = cost_of(f"traced-{r}").get("hrtimer")
            if not t or int(t["count"]) == 0:
                raise Missing(f"no traced hrtimer cost in P2 round {r}")
            for q in traced_ratios:
                traced_ratios[q].append(int(t[q]) / max(int(c[q]), 1))
            line += (f" | {int(t['p50_ns']) / 1000:>6.2f} {int(t['p99_ns']) / 1000:>7.2f} | "
                     f"{traced_ratios['p50_ns'][-1]:>9.2f} {traced_ratios['p99_ns'][-1]:>5.2f}")
        say(line)
    cost = {("rust", src): f for src, f in cost_of(f"rust-{rounds[-1]}").items()}
    cost[("c", "hrtimer")] = cost_of(f"c-{rounds[-1]}")["hrtimer"]
    cost[("empty", "hrtimer")] = cost_of("empty").get("hrtimer")
    if not cost[("empty", "hrtimer")] or int(cost[("empty", "hrtimer")]["count"]) == 0:
        raise Missing("no empty handler's hrtimer cost")
    say("last round and the empty handler:")
    say(f"{'source':9} {'handler':22} | {'count':>6} {'p50':>7} {'p99':>7} {'max':>7}")
    labels = {"rust": "irqctx (Rust)", "c": "C twin", "empty": "empty C handler"}
    for (impl, src), f in cost.items():
        say(f"{src:9} {labels[impl]:22} | {f['count']:>6} " + " ".join(
            f"{int(f[k]) / 1000:>7.2f}" for k in ("p50_ns", "p99_ns", "max_ns")))
    rust, empty = cost[("rust", "hrtimer")], cost[("empty", "hrtimer")]
    for q in ("p50_ns", "p99_ns"):
        say(f"P2 {q[:-3]}: Rust/C = {spread(ratios[q])} (median [min..max] of {len(rounds)} rounds), "
            f"Rust/empty = {int(rust[q]) / max(int(empty[q]), 1):.2f} (last round)")
    for q in ("p50_ns", "p99_ns"):
        if traced_ratios[q]:
            say(f"P2 {q[:-3]} with irqctx_stage traced: Rust/C = {spread(traced_ratios[q])} "
                f"(median [min..max] of {len(traced_ratios[q])} rounds)")
    say("")

    # -- P3 --------------------------------------------------------------
    ring = "?"
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "rust", "ring.rs")) as f:
        m = re.search(r"RING_SIZE: usize = (\d+)", f.read())
        ring = m.group(1) if m else ring
    say(f"P3: a SCHED_FIFO 90 reader against the hrtimer, {env['P3_SECONDS']} s per rate, "
        f"ring of {ring} records")
    say(f"{'period us':>9} {'rate /s':>8} {'records':>8} {'lost':>6}")
    best = None
    for period in env["P3_PERIODS"].strip('"').split():
        f = kv(read(guest, f"p3-reader-{period}.txt")[0])
        rate = int(f["tops"]) / float(f["seconds"])
        say(f"{period:>9} {rate:>8.0f} {f['records']:>8} {f['lost']:>6}")
        if int(f["lost"]) == 0 and (best is None or rate > best):
            best = rate
    alone = {}
    for src in ("hrtimer", "irq_work"):
        lines = read(guest, f"p3-alone-{src}.txt")
        t0, t1 = (float(x) for x in lines[0].split("=", 1)[1].split())
        n = int(kv(lines[2])["top"]) - int(kv(lines[1])["top"])
        alone[src] = n / (t1 - t0)
    say(f"P3: zero-loss rate {best:.0f}/s" if best is not None else
        "P3: no rate without loss")
    say(f"    top halves alone, no reader: hrtimer every 100 us {alone['hrtimer']:.0f}/s, "
        f"irq_work back to back {alone['irq_work']:.0f}/s")
    splats = read(guest, "splats.txt")
    if splats:
        say("")
        say(f"WARNING: the kernel reported {len(splats)} problem lines during the run:")
        rep.extend("  " + s for s in splats[:10])

    text = "\n".join(rep) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(outdir, "report.txt"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    try:
        main()
    except Missing as e:
        print(f"[irqctx] error: bench: {e}", file=sys.stderr)
        sys.exit(1)
