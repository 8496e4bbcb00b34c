#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Points and edges reached over time, per fuzzing mode (scripts/fuzz.sh).

    plot.py OUT.png MODE.stats...

Each MODE.stats holds the guest's "IRQCTX-FUZZ-STAT" lines of one run
(secs=S execs=E ops=O points=P edges=G corpus=C failures=F), one every 30 s.
Draws the points and edges reached against minutes, one line per mode, and prints each
run's last figures. Where MODE.report (scripts/coverage/report.py) lies
beside two or more stats files, also prints the functions each mode reached
that the others did not.
"""

import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def stats(path):
    """The run's samples: dicts of integers."""
    rows = []
    with open(path) as f:
        for line in f:
            row = dict(re.findall(r"(\w+)=(\d+)", line))
            if "secs" in row and "points" in row:
                rows.append({k: int(v) for k, v in row.items()})
    return rows


def unreached(report):
    """The functions a report lists as never reached."""
    names = set()
    with open(report) as f:
        listing = False
        for line in f:
            if line.startswith("functions never reached"):
                listing = True
                continue
            if listing and line.startswith("  "):
                # "  FILE: FUNCTION: WHY": the file and the function.
                names.add(line.strip().rsplit(": ", 1)[0])
    return names


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, paths = sys.argv[1], sys.argv[2:]
    fig, (ax, ax_edges) = plt.subplots(1, 2, figsize=(11, 4.5), dpi=100)
    reports = {}
    for path in paths:
        mode = os.path.basename(path)[: -len(".stats")]
        rows = stats(path)
        if not rows:
            continue
        minutes = [r["secs"] / 60 for r in rows]
        ax.plot(minutes, [r["points"] for r in rows], label=mode)
        if all("edges" in r for r in rows):
            ax_edges.plot(minutes, [r["edges"] for r in rows], label=mode)
        last = rows[-1]
        print(
            f"{mode}: {last['points']} points, {last.get('edges', '?')} edges after {last['secs'] / 60:.1f} min, "
            f"{last['execs']} programs, {last['ops']} operations, corpus {last['corpus']}, "
            f"failures {last['failures']}"
        )
        report = path[: -len(".stats")] + ".report"
        if os.path.exists(report):
            reports[mode] = unreached(report)
    for a, what in ((ax, "points"), (ax_edges, "edges")):
        a.set_xlabel("minutes")
        a.set_ylabel(f"module coverage {what} reached (KCOV)")
        a.grid(True, alpha=0.3)
        a.legend()
    ax.set_title("points: code reached")
    ax_edges.set_title("edges: a point, then the next (what guides)")
    fig.suptitle("irqctx fuzzing: coverage over time")
    fig.tight_layout()
    fig.savefig(out)
    for mode, missed in reports.items():
        for other, other_missed in reports.items():
            if other != mode:
                gained = sorted(other_missed - missed)
                print(f"functions {mode} reached and {other} did not: {len(gained)}")
                for name in gained:
                    print(f"  {name}")


if __name__ == "__main__":
    main()
