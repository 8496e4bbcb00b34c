#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The timeline of one scenario, as the kernel's tracer saw it.
#
#   scripts/timeline.sh [--variant VARIANT] [SCENARIO]
#
# SCENARIO (default edu):
#   edu          one edu interrupt through every bottom half
#   irqs-off     the hrtimer on a CPU that keeps interrupts off for 10 ms
#   sleep_in_bh  the misuse case: a BH work item that sleeps
#
# Boots VARIANT's kernel (default: IRQCTX_VARIANT, Debian's) with irqctx,
# records the scenario with irqctx's trace events and the kernel's (irq,
# irq_vectors, timer, workqueue, sched, syscalls where the kernel has them)
# on clock mono, and writes out/timeline/SCENARIO.json (open it in
# ui.perfetto.dev or chrome://tracing) and out/timeline/SCENARIO.png, with
# the raw trace beside them (SCENARIO.trace; trace-cmd and KernelShark
# read a trace-cmd record of the same events, see Documentation/seeing.rst).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

variant=$IRQCTX_VARIANT
while [ $# -gt 0 ]; do
	case $1 in
	--variant) variant=${2:?--variant needs a name}; shift ;;
	-*) die "unknown option $1 (see the comment at the top of $0)" ;;
	*) break ;;
	esac
	shift
done
scenario=${1:-edu}
focus=
case $scenario in
edu) title="one edu interrupt through every bottom half" ;;
irqs-off) title="the hrtimer behind 10 ms of interrupts off (irqs_off=10000)" focus=irqs_off=10000 ;;
sleep_in_bh) title="misuse: sleep_in_bh, a BH work item that sleeps" ;;
*) die "unknown scenario $scenario: edu, irqs-off or sleep_in_bh" ;;
esac

bash scripts/setup.sh
need_matplotlib timeline
out=out/timeline
mkdir -p "$out"
log "timeline: $scenario on the $variant kernel: building irqctx"
ko=$(module_for "$variant")
log "timeline: booting the guest, recording"
printf '#!/bin/sh\nexec sh /irqctx/timeline-guest.sh %s\n' "$scenario" >"$out/$scenario.run"
scripts/vm.sh -q -K "$variant" -l "$out/$scenario.console" "$out/$scenario.run" \
	scripts/timeline/guest.sh:/irqctx/timeline-guest.sh "$ko:/irqctx/irqctx.ko" >/dev/null ||
	{ tail -n 20 "$out/$scenario.console" >&2; die "the guest failed (console: $out/$scenario.console)"; }
sed -n '/^@trace begin/,/^@trace end/p' "$out/$scenario.console" >"$out/$scenario.trace"
grep -q ': irqctx_stage: ' "$out/$scenario.trace" ||
	die "no irqctx_stage event in the trace (console: $out/$scenario.console)"
log "timeline: $(grep -c ': irqctx_stage: ' "$out/$scenario.trace") irqctx stages, $(grep -c '^ ' "$out/$scenario.trace") events; drawing"
/usr/bin/python3 scripts/timeline/render.py "$out/$scenario.trace" "$out/$scenario" \
	"$title ($variant kernel)" $focus
