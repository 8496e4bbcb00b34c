#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turns an ftrace text trace of an irqctx run into a timeline.

    render.py TRACE OUT TITLE [FOCUS]

writes OUT.json, a Chrome trace-event file that ui.perfetto.dev and
chrome://tracing open as it is, and OUT.png, the same picture drawn with
matplotlib. One track per CPU holds the task running there (sched_switch),
the hardirq handlers, timer expiries, softirqs and BH work items the kernel
traced around it, and irqctx's stages (irqctx:irqctx_stage) as marks inside
them; one track per task holds its work items and its read() and write()
calls. Arrows go from each top half to its bottom halves (their top=) and
to the reader's read() that returned after it. The picture shows the time
around irqctx's stages or, with FOCUS, around the first write() whose
buffer holds FOCUS (say "irqs_off=10000"): 2 ms before it to 14 ms after.
"""

import json
import re
import sys
from collections import defaultdict

LINE = re.compile(
    r"^\s*(?P<comm>.+)-(?P<pid>\d+)\s+\[(?P<cpu>\d+)\]\s+(?P<flags>\S+)\s+"
    r"(?P<ts>\d+\.\d+):\s+(?P<body>.*)$"
)
# An event's name and fields; a system call's entry "sys_read(fd: 3, ...)"
# and exit "sys_read -> 0x190" (syscalls:sys_enter_*, sys_exit_*).
EVENT = re.compile(r"^(?P<ev>\w+):\s*(?P<rest>.*)$")
SYS_ENTER = re.compile(r"^sys_(?P<call>\w+)\(")
SYS_EXIT = re.compile(r"^sys_(?P<call>\w+) -> ")
FIELD = re.compile(r"(\w+)=(\S+)")

# What each bracket is called and how it is drawn (matplotlib colours).
KINDS = {
    "task": ("#dddddd", "running task"),
    "hardirq": ("#d62728", "hardirq handler"),
    "timer": ("#8c1c13", "hrtimer expiry"),
    "softirq": ("#ff7f0e", "softirq"),
    "work": ("#1f77b4", "work item"),
    "thread": ("#9467bd", "IRQ thread running"),
    "syscall": ("#2ca02c", "read()/write()"),
}


class Timeline:
    """Slices per track, stage marks and arrows, from the trace."""

    def __init__(self):
        self.slices = []  # (track, t0, t1, kind, name, depth)
        self.stages = []  # dicts: track, t, src, stage, seq, top, ...
        self.arrows = []  # (track0, t0, track1, t1, label)
        self.open = defaultdict(list)  # CPU: [(kind, name, t0)]
        self.running = {}  # CPU: (comm, pid, t0)
        self.task_open = {}  # (pid, what): (name, t0)
        self.comm = {}
        self.last_t = 0.0
        self.writes = []  # (t_enter, pid, the call as traced)

    def push(self, cpu, kind, name, t):
        self.open[cpu].append((kind, name, t))

    def pop(self, cpu, kind, t):
        stack = self.open[cpu]
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] == kind:
                k, name, t0 = stack.pop(i)
                self.slices.append((("cpu", cpu), t0, t, k, name, i + 1))
                del stack[i:]
                return

    def task_span(self, pid, what, name, t, start):
        key = (pid, what)
        if start:
            self.task_open[key] = (name, t)
        elif key in self.task_open:
            name, t0 = self.task_open.pop(key)
            kind = "work" if what == "work" else "syscall"
            self.slices.append((("task", pid), t0, t, kind, name, 0))

    def switch_in(self, cpu, comm, pid, t):
        if cpu in self.running:
            c, p, t0 = self.running[cpu]
            kind = "thread" if re.match(r"irq/\d+", c) else "task"
            self.slices.append((("cpu", cpu), t0, t, kind, f"{c}-{p}", 0))
        self.running[cpu] = (comm, pid, t)

    def line(self, m):
        cpu, t, body = int(m["cpu"]), float(m["ts"]) * 1e6, m["body"]
        pid, comm = int(m["pid"]), m["comm"].strip()
        e = EVENT.match(body)
        if e:
            ev, rest = e["ev"], e["rest"]
        elif SYS_ENTER.match(body):
            ev, rest = "sys_enter", SYS_ENTER.match(body)["call"]
        elif SYS_EXIT.match(body):
            ev, rest = "sys_exit", SYS_EXIT.match(body)["call"]
        else:
            return
        f = dict(FIELD.findall(rest))
        self.comm[pid] = comm
        self.last_t = t
        if cpu not in self.running:
            self.running[cpu] = (comm, pid, t)
        ctx = m["flags"][2] if len(m["flags"]) > 2 else "."
        if ev == "irq_handler_entry":
            self.push(cpu, "hardirq", f"irq {f.get('irq')} {f.get('name')}", t)
        elif ev == "irq_handler_exit":
            self.pop(cpu, "hardirq", t)
        elif ev == "local_timer_entry":
            self.push(cpu, "hardirq", "local timer interrupt", t)
        elif ev == "irq_work_entry":
            self.push(cpu, "hardirq", "irq_work interrupt", t)
        elif ev in ("local_timer_exit", "irq_work_exit"):
            self.pop(cpu, "hardirq", t)
        elif ev == "hrtimer_expire_entry":
            self.push(cpu, "timer", f"hrtimer {f.get('function', '')}", t)
        elif ev == "hrtimer_expire_exit":
            self.pop(cpu, "timer", t)
        elif ev == "softirq_entry":
            self.push(cpu, "softirq", f"softirq {rest.split('action=')[-1].strip(']')}", t)
        elif ev == "softirq_exit":
            self.pop(cpu, "softirq", t)
        elif ev == "workqueue_execute_start":
            name = "work " + rest.split("function ")[-1]
            if ctx == "s":
                self.push(cpu, "work", name, t)
            else:
                self.task_span(pid, "work", name, t, True)
        elif ev == "workqueue_execute_end":
            if ctx == "s":
                self.pop(cpu, "work", t)
            else:
                self.task_span(pid, "work", "", t, False)
        elif ev == "sys_enter":
            self.task_span(pid, "syscall", rest + "()", t, True)
            if rest == "write":
                self.writes.append((t, pid, body))
        elif ev == "sys_exit":
            self.task_span(pid, "syscall", "", t, False)
            if rest in ("read", "sendfile64"):
                self.stages.append({"exit_read": True, "track": ("task", pid), "t": t})
        elif ev == "sched_switch":
            self.switch_in(cpu, f.get("next_comm", "?"), int(f.get("next_pid", 0)), t)
        elif ev == "irqctx_stage":
            self.stages.append(
                {
                    "track": ("cpu", cpu),
                    "t": t,
                    "src": f["src"],
                    "stage": f["stage"],
                    "seq": int(f["seq"]),
                    "top": int(f["top"]),
                    "ctx": f["ctx"],
                    "pid": f["pid"],
                    "delay_ns": f["delay_ns"],
                }
            )

    def finish(self):
        t = self.last_t
        for cpu in list(self.open):
            while self.open[cpu]:
                self.pop(cpu, self.open[cpu][-1][0], t)
        for cpu in list(self.running):
            self.switch_in(cpu, "", 0, t)
        marks = [s for s in self.stages if "seq" in s]
        reads = sorted((s for s in self.stages if "exit_read" in s), key=lambda s: s["t"])
        tops = {s["seq"]: s for s in marks if s["stage"] == "top"}
        for s in marks:
            if s["stage"] != "top" and s["top"] in tops:
                top = tops[s["top"]]
                self.arrows.append((top["track"], top["t"], s["track"], s["t"], s["stage"]))
        for top in tops.values():
            later = [r for r in reads if r["t"] >= top["t"]]
            if later:
                self.arrows.append((top["track"], top["t"], later[0]["track"], later[0]["t"], "read"))
        self.stages = marks


def track_name(tl, track):
    kind, n = track
    return f"CPU {n}" if kind == "cpu" else f"{tl.comm.get(n, '?')}-{n}"


def chrome(tl, title):
    """The Chrome trace-event JSON: pid 1 the CPUs, pid 2 the tasks."""
    ev = [
        {"ph": "M", "name": "process_name", "pid": 1, "args": {"name": f"CPUs ({title})"}},
        {"ph": "M", "name": "process_name", "pid": 2, "args": {"name": "tasks"}},
    ]
    tracks = {s[0] for s in tl.slices} | {s["track"] for s in tl.stages}

    def pt(track):
        return (1, track[1]) if track[0] == "cpu" else (2, track[1])

    for track in sorted(tracks):
        pid, tid = pt(track)
        ev.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                   "args": {"name": track_name(tl, track)}})
    for track, t0, t1, kind, name, _ in tl.slices:
        pid, tid = pt(track)
        ev.append({"ph": "X", "name": name, "cat": kind, "ts": t0, "dur": max(t1 - t0, 0.0),
                   "pid": pid, "tid": tid})
    for s in tl.stages:
        pid, tid = pt(s["track"])
        ev.append({"ph": "X", "name": f"irqctx {s['src']} {s['stage']}", "cat": "irqctx",
                   "ts": s["t"], "dur": 0, "pid": pid, "tid": tid,
                   "args": {k: s[k] for k in ("seq", "top", "ctx", "pid", "delay_ns")}})
    for i, (tr0, t0, tr1, t1, label) in enumerate(tl.arrows):
        p0, d0 = pt(tr0)
        p1, d1 = pt(tr1)
        ev.append({"ph": "s", "id": i, "name": label, "cat": "irqctx", "ts": t0, "pid": p0, "tid": d0})
        ev.append({"ph": "f", "bp": "e", "id": i, "name": label, "cat": "irqctx", "ts": t1,
                   "pid": p1, "tid": d1})
    return {"traceEvents": ev, "displayTimeUnit": "ns"}


def picture(tl, title, path, focus=None):
    """The PNG: the window around irqctx's stages (or the write holding
    FOCUS), a lane per track."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    marks = [s["t"] for s in tl.stages] + [a[3] for a in tl.arrows]
    if not marks:
        sys.exit("render.py: no irqctx_stage event in the trace")
    lo, hi = min(marks), max(marks)
    pad = max((hi - lo) * 0.08, 20.0)
    lo, hi = lo - pad, hi + pad
    if focus:
        hits = [t for t, _, call in tl.writes if focus in call]
        if not hits:
            sys.exit(f"render.py: no write() of {focus!r} in the trace")
        lo, hi = hits[0] - 2000.0, hits[0] + 14000.0
    used = {s["track"] for s in tl.stages if lo <= s["t"] <= hi}
    used |= {a[2] for a in tl.arrows if lo <= a[1] <= hi}
    used |= {s[0] for s in tl.slices if s[0][0] == "cpu" or (s[2] > lo and s[1] < hi and s[3] in ("work", "syscall"))}
    lanes = sorted(used, key=lambda tr: (tr[0] != "cpu", tr[1]))
    y = {tr: len(lanes) - 1 - i for i, tr in enumerate(lanes)}

    fig, ax = plt.subplots(figsize=(13, 1.2 + 0.9 * len(lanes)))
    for track, t0, t1, kind, name, depth in sorted(tl.slices, key=lambda s: s[5]):
        if track not in y or t1 < lo or t0 > hi:
            continue
        a, b = max(t0, lo), min(t1, hi)
        h = 0.7 - 0.12 * min(depth, 4)
        ax.broken_barh([(a - lo, max(b - a, (hi - lo) * 0.002))], (y[track] - h / 2, h),
                       facecolors=KINDS[kind][0], edgecolors="none")
        if kind in ("task", "thread") and (b - a) > (hi - lo) * 0.12:
            ax.text((a + b) / 2 - lo, y[track] + 0.38, name, ha="center", va="bottom", fontsize=7)
    shown = [s for s in tl.stages if lo <= s["t"] <= hi]
    for s in shown:
        ax.plot(s["t"] - lo, y[s["track"]], marker="v", color="black", markersize=7)
        if len(shown) <= 12 or s["stage"] != "top" or int(s["delay_ns"]) > 1000000:
            late = f"\n{int(s['delay_ns']) / 1e6:.1f} ms late" if int(s["delay_ns"]) > 1000000 else ""
            ax.text(s["t"] - lo, y[s["track"]] - 0.5, f"{s['src']} {s['stage']}\n{s['ctx']}{late}",
                    ha="center", va="top", fontsize=6.5)
    for tr0, t0, tr1, t1, label in tl.arrows:
        if lo <= t0 <= hi and lo <= t1 <= hi:
            ax.annotate("", xy=(t1 - lo, y[tr1]), xytext=(t0 - lo, y[tr0]),
                        arrowprops={"arrowstyle": "->", "color": "#444444", "lw": 0.8,
                                    "connectionstyle": "arc3,rad=0.15"})
    ax.set_yticks([y[tr] for tr in lanes])
    ax.set_yticklabels([track_name(tl, tr) for tr in lanes])
    ax.set_ylim(-1, len(lanes))
    ax.set_xlim(0, hi - lo)
    ax.set_xlabel(f"µs from {lo / 1e6:.6f} s (CLOCK_MONOTONIC)")
    ax.set_title(title)
    ax.legend(handles=[Patch(color=c, label=n) for c, n in KINDS.values()],
              loc="upper center", bbox_to_anchor=(0.5, -0.18 - 0.4 / len(lanes)), ncol=7, fontsize=8,
              frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: render.py TRACE OUT TITLE [FOCUS]")
    trace, out, title = sys.argv[1:4]
    focus = sys.argv[4] if len(sys.argv) == 5 else None
    tl = Timeline()
    with open(trace, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if m:
                tl.line(m)
    tl.finish()
    with open(out + ".json", "w", encoding="utf-8") as f:
        json.dump(chrome(tl, title), f)
    picture(tl, title, out + ".png", focus)
    print(f"{out}.json: {len(tl.slices)} slices, {len(tl.stages)} irqctx stages, {len(tl.arrows)} arrows")
    print(f"{out}.png")


if __name__ == "__main__":
    main()
