#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The soak: one suite, run again and again on one kernel, until it fails.
#
#   scripts/soak.sh [--variant VARIANT] [--runs N] [--misuse] [CASE...]
#
# Repeats the guest suite (scripts/test.sh --no-misuse --no-host-checks:
# the host checks do not change from run to run) or, with --misuse, the
# misuse suite (scripts/misuse.sh, every case or the CASEs named) N times
# (default 10) on VARIANT (default: IRQCTX_VARIANT, Debian's kernel). Every
# second run has two CPU-bound processes beside it, as a busy CI machine
# would. Each run's output and consoles are kept in out/soak/VARIANT-SUITE/run-K/;
# the first failure stops the soak and prints its failing lines and the tail
# of its console. Ends with "soak (...): N of N runs passed, K under load"
# and, for --misuse, how often each case gave each outcome.
#
# Not for CI: 30 runs of the guest suite take one to two hours.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

variant=$IRQCTX_VARIANT runs=10 misuse=0
while [ $# -gt 0 ]; do
	case $1 in
	--variant) variant=${2:?--variant needs a name}; shift ;;
	--runs) runs=${2:?--runs needs a count}; shift ;;
	--misuse) misuse=1 ;;
	-*) die "unknown option $1 (see the comment at the top of $0)" ;;
	*) break ;;
	esac
	shift
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive count, not '$runs'"
[ "$misuse" = 1 ] || [ $# -eq 0 ] || die "cases ($*) name misuse cases: add --misuse"
kernel_fragments "$variant" >/dev/null	# dies on an unknown variant
if [ "$misuse" = 1 ]; then
	cut -f2 scripts/misuse-matrix | grep -qx "$variant" ||
		die "the $variant kernel has no column in scripts/misuse-matrix"
	suite=misuse
else
	suite=guest
fi
soak=out/soak/$variant-$suite
rm -rf "$soak"
mkdir -p "$soak"

hogs=()
hogs_start() {
	for _ in 1 2; do
		( while :; do :; done ) &
		hogs+=($!)
	done
}
hogs_stop() {
	[ ${#hogs[@]} -eq 0 ] && return
	kill "${hogs[@]}" 2>/dev/null || true
	wait "${hogs[@]}" 2>/dev/null || true
	hogs=()
}
trap hogs_stop EXIT

# run_suite DIR [CASE...]: one run of the suite, its output in
# DIR/output.log and its consoles beside it.
run_suite() {
	local dir=$1 rc=0
	shift
	if [ "$suite" = misuse ]; then
		scripts/misuse.sh --kernel "$variant" "$@" >"$dir/output.log" 2>&1 || rc=$?
		cp out/misuse/"$variant"/*.log out/misuse/"$variant"/observed.tsv "$dir/" 2>/dev/null || true
	else
		scripts/test.sh --variant "$variant" --no-misuse --no-host-checks >"$dir/output.log" 2>&1 || rc=$?
		cp "out/$variant/console.log" "$dir/" 2>/dev/null || true
	fi
	return "$rc"
}

passed=0 loaded=0
for k in $(seq "$runs"); do
	dir=$soak/run-$k
	mkdir -p "$dir"
	load=idle
	if [ $((k % 2)) = 0 ]; then
		hogs_start
		load="beside 2 CPU hogs"
	fi
	start=$SECONDS
	rc=0
	run_suite "$dir" "$@" || rc=$?
	hogs_stop
	summary=$(tail -n 1 "$dir/output.log")
	if [ "$rc" != 0 ]; then
		log "soak ($variant, $suite): run $k/$runs FAILED ($load, $((SECONDS - start))s): $summary"
		echo "== the failing lines of run $k ($dir/output.log)"
		grep -E -B 8 '^(# )*not ok' "$dir/output.log" | tail -n 60 || tail -n 30 "$dir/output.log"
		for console in "$dir"/*.log; do
			[ "$console" = "$dir/output.log" ] && continue
			# The failing console: the guest suite's only one, or the
			# misuse case that failed.
			name=$(basename "$console" .log)
			if [ "$suite" = guest ] || grep -qE "^not ok [0-9]+ misuse \($variant\): $name\$" "$dir/output.log"; then
				echo "== the tail of $console"
				tail -n 40 "$console"
			fi
		done
		break
	fi
	passed=$((passed + 1))
	[ "$load" = idle ] || loaded=$((loaded + 1))
	log "soak ($variant, $suite): run $k/$runs passed ($load, $((SECONDS - start))s): $summary"
done

if [ "$suite" = misuse ]; then
	# How often each case gave each outcome, across the runs that finished.
	echo "== outcomes (runs, case, survived, first line)"
	# (Pids, line numbers and addresses vary from run to run.)
	cat "$soak"/run-*/observed.tsv 2>/dev/null |
		sed -E 's/ at [^ ]*\/rust\// at rust\//; s/\/[0-9]+\//\/PID\//; s/:[0-9]+ / /; s/[0-9a-f]{16}/ADDR/g' |
		sort | uniq -c | sed 's/^ */  /'
fi
echo "soak ($variant, $suite): $passed of $runs runs passed, $loaded of them under load"
[ "$passed" = "$runs" ]
