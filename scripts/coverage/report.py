#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The module's KCOV coverage, by file and function (scripts/coverage.sh).

    report.py DISASSEMBLY POINTS REASONS OUTDIR TITLE [RELOCATIONS]

DISASSEMBLY: llvm-objdump -d -l -r -C of irqctx.ko's .text. Every call to
__sanitizer_cov_trace_pc there is a coverage point; KCOV records the
call's return address, the offset four bytes past its relocation. Each
point belongs to the function it is in and to the source line
llvm-objdump printed last before it (inlined code counts where it came
from: the kernel crate, core).

POINTS: irqctx_kcov's output: the offsets reached, then "# points=...".

REASONS: lines "REGEX<TAB>REASON": a function never reached whose name
matches REGEX is listed with REASON (the first match); others with "no
reason known".

RELOCATIONS: llvm-objdump -r of the whole module. A function never
reached that no relocation outside the debug information names, and no
instruction in .text calls, jumps to or takes the address of, is listed as
having no caller found: most likely an out-of-line copy of generic code
that runs inlined where it is used (its points then count as reached there,
by their source lines).

Writes OUTDIR/report.txt (also printed) and OUTDIR/coverage.png.
"""

import collections
import re
import sys

FUNC = re.compile(r"^([0-9a-f]+) <(.*)>:$")
# "OFFSET TYPE .text+0xADDEND": a reference into .text (calls within the
# module are section-relative).
TEXT_REF = re.compile(r"^[0-9a-f]+\s+(R_X86_64_\w+)\s+\.text(?:([+-])0x([0-9a-f]+))?$")
# "call 0xADDR <FUNCTION>", a jump there, or "lea ... # 0xADDR <FUNCTION>"
# (its address taken): a function's start, no "+0x".
DIRECT = re.compile(r"[\s#]0x([0-9a-f]+) <(.*)>$")
# "OFFSET TYPE SYMBOL[+-0xADDEND]": a reference by name.
SYMBOL_REF = re.compile(r"^[0-9a-f]+\s+R_X86_64_\w+\s+(.*?)(?:[+-]0x[0-9a-f]+)?$")
LINE = re.compile(r"^; (/\S+?):(\d+)")
RELOC = re.compile(r"^\s*([0-9a-f]+):\s+R_X86_64_PLT32\s+__sanitizer_cov_trace_pc-0x4$")


def project_file(path):
    """The file's path in the project (rust/..., scripts/...), or a group."""
    if "/library/" in path or "/rustlib/" in path:
        return "(core, inlined)"
    m = re.search(r"/(rust/(?!kernel/|pin-init/|macros/)\S+)$", path)
    if m and "/linux-source" not in path and "/kbuild-" not in path:
        return m.group(1)
    if "/rust/kernel/" in path or "/rust/pin-init/" in path:
        return "(kernel crate, inlined)"
    return "(other, inlined)"


def parse_disassembly(path):
    """{offset: (function, file, line)} for every coverage point,
    {function: its start offset}, and the offsets that a direct call or
    jump within .text goes to or an instruction takes the address of (the
    assembler resolves those: no relocation)."""
    points, starts, direct = {}, {}, set()
    func, where = None, ("(unknown)", 0)
    for text in open(path, encoding="utf-8", errors="replace"):
        text = text.rstrip("\n")
        m = FUNC.match(text)
        if m:
            func, where = m.group(2), ("(unknown)", 0)
            starts[func] = int(m.group(1), 16)
            continue
        m = LINE.match(text)
        if m:
            where = (m.group(1), int(m.group(2)))
            continue
        m = RELOC.match(text)
        if m and func:
            points[int(m.group(1), 16) + 4] = (func, where[0], where[1])
            continue
        m = DIRECT.search(text)
        if m:
            direct.add(int(m.group(1), 16))
    return points, starts, direct


def called(path):
    """The .text offsets and the symbols that code or data (not debug
    information) refers to: a PC-relative reference's target is its
    addend + 4."""
    targets, names, section = set(), set(), ""
    for text in open(path, encoding="utf-8", errors="replace"):
        if text.startswith("RELOCATION RECORDS FOR ["):
            section = text.split("[", 1)[1].split("]", 1)[0]
            continue
        if section.startswith(".debug") or section.startswith(".orc_unwind"):
            continue
        m = TEXT_REF.match(text.strip())
        if m:
            addend = int(m.group(3) or "0", 16) * (-1 if m.group(2) == "-" else 1)
            targets.add(addend + 4 if m.group(1) in ("R_X86_64_PLT32", "R_X86_64_PC32") else addend)
            continue
        m = SYMBOL_REF.match(text.strip())
        if m:
            names.add(m.group(1))
    return targets, names


def short(name, width=100):
    """A function's name, without hashes, cut to width."""
    name = re.sub(r"::h[0-9a-f]{16}$", "", name)
    return name if len(name) <= width else name[: width - 3] + "..."


def main():
    dis, points_path, reasons_path, outdir, title = sys.argv[1:6]
    points, starts, direct = parse_disassembly(dis)
    if not points:
        sys.exit("report.py: no coverage point in the disassembly (is the module built with KCOV?)")
    uncalled = set()
    if len(sys.argv) > 6:
        targets, names = called(sys.argv[6])
        uncalled = {f for f, s in starts.items() if s not in targets | direct and f not in names}
    reached, summary = set(), ""
    for text in open(points_path):
        if text.startswith("#"):
            summary = text.strip("# \n")
        elif text.strip():
            reached.add(int(text, 16))
    unknown = len(reached - points.keys())
    reasons = []
    for text in open(reasons_path):
        if text.strip() and not text.startswith("#"):
            regex, reason = text.rstrip("\n").split("\t", 1)
            reasons.append((re.compile(regex), reason))

    # A function's file: where its entry point's line is (its definition).
    funcs = collections.defaultdict(list)
    for off in sorted(points):
        funcs[points[off][0]].append(off)
    func_file = {f: project_file(points[offs[0]][1]) for f, offs in funcs.items()}
    by_file = collections.defaultdict(lambda: [0, 0, 0, 0])  # points, reached, funcs, reached
    for off, (func, path, _) in points.items():
        f = by_file[project_file(path)]
        f[0] += 1
        f[1] += off in reached
    func_reached = {f: any(o in reached for o in offs) for f, offs in funcs.items()}
    for func, ok in func_reached.items():
        f = by_file[func_file[func]]
        f[2] += 1
        f[3] += ok

    lines = [f"irqctx coverage: {title}", f"collector: {summary}"]
    if unknown:
        lines.append(f"{unknown} offsets reached are not coverage points of this irqctx.ko (another build?)")

    total_p, total_r = len(points), len(reached & points.keys())
    total_f, total_fr = len(funcs), sum(func_reached.values())
    lines += [
        f"points reached: {total_r} of {total_p} ({100 * total_r / total_p:.1f}%)",
        f"functions reached: {total_fr} of {total_f} ({100 * total_fr / total_f:.1f}%)",
        "",
        f"{'file':40} {'points':>15} {'functions':>15}",
    ]
    order = sorted(by_file, key=lambda k: (k.startswith("("), k))
    for name in order:
        p, r, fn, fr = by_file[name]
        lines.append(f"{name:40} {r:>6}/{p:<6} {100 * r / p:3.0f}% {fr:>5}/{fn:<5}")
    lines += ["", "functions never reached (file: function: why):"]
    why_count = collections.Counter()
    for func in sorted(funcs, key=lambda f: (func_file[f], f)):
        if func_reached[func]:
            continue
        if func in uncalled:
            why = "no caller found: an out-of-line copy of code inlined where it runs?"
        else:
            why = next((r for rx, r in reasons if rx.search(func)), "no reason known")
        why_count[why] += 1
        lines.append(f"  {func_file[func]}: {short(func)}: {why}")
    lines += ["", "never reached, by reason:"]
    lines += [f"  {n:4} {why}" for why, n in why_count.most_common()]

    report = "\n".join(lines) + "\n"
    open(f"{outdir}/report.txt", "w").write(report)
    print(report, end="")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in order if by_file[n][0]]
    fig, ax = plt.subplots(figsize=(9, 0.3 * len(names) + 1.4))
    y = range(len(names))
    ax.barh(y, [100] * len(names), color="#e4e4e4", label="coverage points")
    ax.barh(y, [100 * by_file[n][1] / by_file[n][0] for n in names], color="#3b7dd8", label="reached")
    for i, n in enumerate(names):
        p, r = by_file[n][:2]
        ax.text(101, i, f"{r}/{p}", va="center", fontsize=8)
    ax.set_yticks(list(y), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 118)
    ax.set_xlabel("KCOV coverage points (basic-block edges) reached, % of the file's")
    ax.set_title(f"irqctx coverage: {title}\n{total_r}/{total_p} points, {total_fr}/{total_f} functions", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{outdir}/coverage.png", dpi=110)


if __name__ == "__main__":
    main()
