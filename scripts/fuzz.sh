#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz the module for a given time, guided by what KCOV sees it reach.
#
#   scripts/fuzz.sh [--minutes N] [--variant VARIANT] [--random]
#   scripts/fuzz.sh --replay FILE [--variant VARIANT]
#
# Boots VARIANT's kernel (default debug: KASAN, lockdep, kmemleak, and KCOV
# for the module alone; kcsan has KCOV too) with irqctx and runs
# irqctx_fuzz's guided mode for N minutes (default 10): programs of the
# random fuzzer's operations, each result checked against the
# documentation, the kernel's log read after each program, and a program
# kept in the corpus when it reaches module code no program had reached
# (scripts/selftests/irqctx/fuzz_guide.c). --random makes every program a
# random one instead (no guidance, no corpus): the baseline to compare with.
#
# Before fuzzing, the guest runs every saved failure: those in
# scripts/fuzz/regressions (found and fixed) and those earlier runs saved in
# the cache; one that fails again fails the run. The corpus is kept in the
# cache ($IRQCTX_CACHE/fuzz/corpus) between runs.
#
# Writes out/fuzz/: MODE.console, MODE.stats (points over time), MODE.report
# (the module's functions reached, scripts/coverage/report.py), fuzz.png
# (points over time of every mode run so far), and each failure as
# failures/MODE-K.prog (the program, one line) with MODE-K.txt (what was
# seen); a guest that died is blamed on the program it was running (the
# second serial port's record). --replay FILE runs the programs of FILE
# once each. Exits 0 when nothing failed, 1 otherwise.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

variant=debug minutes=10 mode=guided replay=
while [ $# -gt 0 ]; do
	case $1 in
	--variant) variant=${2:?--variant needs a name}; shift ;;
	--minutes) minutes=${2:?--minutes needs a number}; shift ;;
	--random) mode=random ;;
	--replay) replay=${2:?--replay needs a file}; mode=replay; shift ;;
	*) die "unknown option $1 (see the comment at the top of $0)" ;;
	esac
	shift
done
[[ $minutes =~ ^[1-9][0-9]*$ ]] || die "--minutes wants a positive whole number, not '$minutes'"
[ -z "$replay" ] || [ -f "$replay" ] || die "no file $replay"
kernel_fragments "$variant" >/dev/null	# dies on an unknown variant

bash scripts/setup.sh
need_matplotlib fuzz
scripts/build-kernel.sh "$variant" >/dev/null
if [ "$mode" != replay ] && ! grep -q '^CONFIG_KCOV=y' "$(kernel_build_dir "$variant")/.config"; then
	die "the $variant kernel has no KCOV (the debug and kcsan kernels have it)"
fi
out=out/fuzz
cache=$IRQCTX_CACHE/fuzz
mkdir -p "$out/failures" "$cache/failures" "$out/$mode.in"
log "fuzz: building irqctx for the $variant kernel"
ko=$(module_for "$variant")
install_selftests "$out/kselftest" "$ko"

# What the guest gets in /fuzz.
touch "$cache/corpus"
cp "$cache/corpus" "$out/$mode.in/corpus"
cat scripts/fuzz/regressions "$cache"/failures/*.prog 2>/dev/null >"$out/$mode.in/regressions" || true
[ -z "$replay" ] || cp "$replay" "$out/$mode.in/replay"
saved=$(grep -cv '^#\|^$' "$out/$mode.in/regressions" || true)

slowdown=$(kernel_slowdown "$variant")
console=$out/$mode.console flight=$out/$mode.flight
: >"$flight"
printf '#!/bin/sh\nexec sh /kselftest/irqctx/fuzz_guest.sh %s %s\n' "$mode" "$minutes" >"$out/$mode.run"
case $mode in
replay) log "fuzz: replaying $replay ($(grep -cv '^#\|^$' "$replay") programs) on the $variant kernel" ;;
*) log "fuzz: $mode for $minutes minutes on the $variant kernel, after $saved saved failures; corpus $(wc -l <"$cache/corpus") programs" ;;
esac
log "fuzz: console $console; progress every 30 s"
# The guest's time: the fuzzing, then the module's unloading and a boot,
# with room for a slow one.
set +e
scripts/vm.sh -q -K "$variant" -t $((minutes * 60 + 600 * slowdown)) -l "$console" -s "$flight" \
	-a "IRQCTX_SLOWDOWN=$slowdown" "$out/$mode.run" "$out/kselftest:/kselftest" "$out/$mode.in:/fuzz" |
	grep --line-buffered -E '^IRQCTX-FUZZ(-STAT|:)|^replay ' | sed -u 's/^/[irqctx] fuzz: /' >&2
status=${PIPESTATUS[0]}
set -e
[ "$status" = 0 ] || status=1

# The corpus: what the guest kept (those it was given and still ran, and
# the new ones), for the next run.
if [ "$mode" = guided ]; then
	sed -n 's/^IRQCTX-FUZZ-CORPUS //p' "$console" | awk '!seen[$0]++' >"$out/corpus.new"
	if [ -s "$out/corpus.new" ]; then
		cat "$out/corpus.new" "$cache/corpus" | awk '!seen[$0]++' >"$cache/corpus.tmp"
		mv "$cache/corpus.tmp" "$cache/corpus"
	fi
fi

# Failures, each saved with its program; a guest that died blames the last
# program it started.
k=0
save_failure() {	# save_failure PROGRAM TEXT-FILE
	k=$((k + 1))
	local name=$mode-$k
	printf '%s\n' "$1" >"$out/failures/$name.prog"
	mv "$2" "$out/failures/$name.txt"
	cp "$out/failures/$name.prog" "$cache/failures/$(printf '%s' "$1" | md5sum | cut -c1-12).prog"
	log "fuzz: FAILED: $(head -n 1 "$out/failures/$name.txt")"
	log "fuzz:   replay: scripts/fuzz.sh --variant $variant --replay $out/failures/$name.prog"
}
rm -f "$out"/failures/"$mode"-*
awk -v dir="$out" '
	/^IRQCTX-FUZZ-FAIL-BEGIN / { n++; f = dir "/fail." n; print > f; next }
	/^IRQCTX-FUZZ-FAIL-END/ { close(f); f = ""; next }
	f != "" { print > f }' "$console"
for f in "$out"/fail.*; do
	[ -e "$f" ] || continue
	save_failure "$(head -n 1 "$f" | cut -d' ' -f3-)" "$f"
	status=1
done
if ! grep -q '^IRQCTX-FUZZ-DONE' "$console"; then
	last=$(sed -n 's/^exec [0-9]*: //p' "$flight" | tail -n 1)
	{
		echo "the guest ended during a program (console: $console), its console's tail:"
		tail -n 60 "$console"
	} >"$out/died.txt"
	if [ -n "$last" ]; then
		save_failure "$last" "$out/died.txt"
	else
		log "fuzz: FAILED: the guest ended before running any program (console: $console)"
	fi
	status=1
fi

if [ "$mode" != replay ]; then
	sed -n 's/^IRQCTX-FUZZ-STAT //p' "$console" >"$out/$mode.stats"
	sed -n '/^IRQCTX-KCOV-BEGIN/,/^IRQCTX-KCOV-END/p' "$console" | grep -v '^IRQCTX-KCOV' >"$out/$mode.points" || true
	if grep -q '^# points=' "$out/$mode.points"; then
		mkdir -p "$out/$mode-report"
		in_root llvm-objdump -d -l -r -C --no-show-raw-insn --section=.text "$ko" >"$out/irqctx.dis"
		in_root llvm-objdump -r -C "$ko" >"$out/irqctx.relocs"
		/usr/bin/python3 scripts/coverage/report.py "$out/irqctx.dis" "$out/$mode.points" \
			scripts/coverage/reasons "$out/$mode-report" "$mode fuzzing, $minutes min, $variant kernel" \
			"$out/irqctx.relocs" >/dev/null
		cp "$out/$mode-report/report.txt" "$out/$mode.report"
		log "fuzz: $(grep -m1 -i 'functions' "$out/$mode.report" || true)"
	fi
	/usr/bin/python3 scripts/fuzz/plot.py "$out/fuzz.png" "$out"/*.stats
fi
grep -h '^IRQCTX-FUZZ-DONE' "$console" | sed 's/^IRQCTX-FUZZ-DONE/[irqctx] fuzz: done:/' >&2 || true
# The summary .ci/run counts: each saved failure replayed is a test, and so
# is the run itself (failed by each failure it found).
back=$(grep -c '^IRQCTX-FUZZ-FAIL-BEGIN regression ' "$console" || true)
if [ "$mode" = replay ]; then
	echo "$((status == 0)) passed, $((status != 0)) failed, 0 skipped"
else
	echo "$((saved - back + (k == 0 && status == 0))) passed, $((k > 0 ? k : status)) failed, 0 skipped"
fi
exit "$status"
