#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The bench: irqctx's latencies against cyclictest's, every stage's delay
# distribution clean and with interrupts-off sections injected, the top
# half's cost against its C twin and an empty handler, and the highest rate
# a reader gets every record at, all from one boot of the test kernel (under
# TCG only ratios within one boot mean anything). Prints the figures, writes
# them to out/bench/report.txt and the plot to out/bench/latency.png.
#
#   bench.sh [--smoke | --steps] [--inject=US,PERIOD_US] [--update-docs] [VARIANT]
#     --smoke        a short run that only proves every figure comes out
#                    (CI): a few hundred samples, one round
#     --steps        P1 step by step instead: one run of cyclictest and one
#                    of irqctx's reader, traced (timer, scheduler, system
#                    calls, irqctx's events), and each step of the path from
#                    the timer's expiry to user space side by side
#                    (scripts/bench/steps.py; out/bench/steps.txt)
#     --inject=US,PERIOD_US
#                    the interrupts-off sections of the stage runs: US
#                    microseconds (1..10000) every PERIOD_US (default
#                    200,5000)
#     --update-docs  copy the report and the plot into Documentation/bench/
#     VARIANT        the kernel to boot (default: debian, Debian's own stock
#                    kernel, without lockdep and the other debug checks,
#                    whose cost would be measured along: irqctx takes more
#                    locks on the path measured than cyclictest does)
#
# Figures, never verdicts: the exit status says whether every figure was
# produced (0) or not (1), not whether a figure is good.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

smoke=0 steps=0 docs=0 variant=debian inject=200,5000
for arg in "$@"; do
	case $arg in
	--smoke) smoke=1 ;;
	--steps) steps=1 ;;
	--inject=*) inject=${arg#--inject=} ;;
	--update-docs) docs=1 ;;
	-*) die "unknown option $arg (see the comment at the top of $0)" ;;
	*) variant=$arg ;;
	esac
done

bash scripts/setup.sh
scripts/build-kernel.sh "$variant" >/dev/null
ko=$(module_for "$variant")
out=$IRQCTX_TOP/out/bench
rm -rf "$out"
mkdir -p "$out/twin"

log "bench: building the C twin and the guest tools"
cp scripts/bench/twin/Kbuild scripts/bench/twin/irqctx_twin.c rust/irq_stack.h "$out/twin/"
scripts/kmake.sh -s -C "$(kernel_build_dir "$variant")" M="$out/twin" modules >&2
cc -static -O2 -Wall -Wextra -Werror -o "$out/irqctx_lat" scripts/bench/irqctx_lat.c

# cyclictest is dynamically linked: it goes in with its libraries and the
# loader, at the paths it looks for them (the files, not the host's symlinks).
cyclictest=$(command -v cyclictest) || die "no cyclictest (Debian's rt-tests): run scripts/setup.sh"
files=("$(readlink -f "$cyclictest"):/usr/bin/cyclictest")
while read -r lib; do
	files+=("$(readlink -f "$lib"):$lib")
done < <(ldd "$cyclictest" | grep -o '/[^ ]*')

[[ $inject =~ ^([0-9]+),([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 1 ] &&
	[ "${BASH_REMATCH[1]}" -le 10000 ] && [ "${BASH_REMATCH[2]}" -gt "${BASH_REMATCH[1]}" ] ||
	die "--inject=US,PERIOD_US: US in 1..10000, PERIOD_US larger (got '$inject')"
settings=(INJECT_US="${BASH_REMATCH[1]}" INJECT_PERIOD_US="${BASH_REMATCH[2]}")
if [ "$steps" = 1 ]; then
	settings+=(STEPS=1 LOOPS=2000)
elif [ "$smoke" = 1 ]; then
	settings+=(LOOPS=300 ROUNDS=1 STAGE_LOOPS=100 BURST=100
		P2_SECONDS=1 P2_ROUNDS=2 P3_SECONDS=1 P3_PERIODS="1000 100" P3_BURSTS=2)
else
	settings+=(LOOPS=5000 ROUNDS=3 STAGE_LOOPS=2000 BURST=1000
		P2_SECONDS=2 P2_ROUNDS=21 P3_SECONDS=10 P3_PERIODS="1000 500 200 100" P3_BURSTS=10)
fi
printf '%s\n' "${settings[@]}" | sed 's/=\(.* .*\)/="\1"/' >"$out/bench.env"

kind=full
[ "$smoke" = 1 ] && kind=smoke
[ "$steps" = 1 ] && kind="P1 steps"
log "bench: one boot of the $variant kernel ($kind run)"
SECONDS=0
scripts/vm.sh -q -K "$variant" -t $((smoke ? 600 : 1800)) -a loglevel=4 -l "$out/console.log" \
	scripts/bench/guest.sh "$ko:/irqctx/irqctx.ko" "$out/twin/irqctx_twin.ko:/irqctx/irqctx_twin.ko" \
	"$out/irqctx_lat:/irqctx/irqctx_lat" "$out/bench.env:/irqctx/bench.env" \
	scripts/bench/steps.awk:/irqctx/steps.awk "${files[@]}" |
	grep --line-buffered '^@bench' >&2 || die "bench: the guest failed (console: $out/console.log)"
log "bench: guest done in ${SECONDS}s"

if [ "$steps" = 1 ]; then
	python3 scripts/bench/steps.py "$out" "$out/console.log"
	log "bench: the steps in $out/steps.txt, the traces' lines in $out/guest/"
	exit 0
fi

python3 scripts/bench/report.py "$out" "$out/console.log"
gnuplot -e "dir='$out'" scripts/bench/plot.gp
[ -s "$out/latency.png" ] || die "bench: no plot written"
log "bench: report in $out/report.txt, plot in $out/latency.png"
if [ "$docs" = 1 ]; then
	mkdir -p Documentation/bench
	cp "$out/report.txt" "$out/latency.png" Documentation/bench/
	log "bench: Documentation/bench/ updated"
fi
