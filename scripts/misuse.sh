#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The misuse harness: each case of the module's misuse table in its own boot
# (lockdep reports once per boot, some cases hang the kernel).
#
#   scripts/misuse.sh [--update-docs] [CASE...]
#
# First boot: the table is read from /sys/kernel/debug/irqctx/misuse, and
# every case must be refused (EPERM) without allow_misuse=1. Then, per case:
# boot with allow_misuse=1, trigger it, wait on the serial console for each
# of the case's expected patterns (from the table), then either kill the
# guest (cases that do not survive) or check that it still works. KTAP on
# stdout; consoles and splats in out/misuse/. With --update-docs the splats
# are also copied to Documentation/misuse/ for the documentation.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

update_docs=0
[ "${1:-}" = --update-docs ] && { update_docs=1; shift; }
CASE_TIMEOUT=${CASE_TIMEOUT:-120}
out=out/misuse
mkdir -p "$out"
rm -f "$out"/*.log "$out"/*.splat

T=scripts/selftests/irqctx
FILES=(irqctx.ko "$T/irqctx_io" "$T/lib.sh" "$T/misuse_guest.sh"
	"$(kernel_src_dir)/tools/testing/selftests/kselftest/ktap_helpers.sh")

# boot NAME GUEST_ARGS...: boot in the background, console in $out/NAME.log.
boot() {
	local name=$1; shift
	printf '#!/bin/sh\nexec sh /irqctx/misuse_guest.sh %s\n' "$*" >"$out/$name.run"
	: >"$out/$name.log"
	setsid scripts/vm.sh -q -t "$CASE_TIMEOUT" -l "$out/$name.log" \
		"$out/$name.run" "${FILES[@]}" >/dev/null 2>&1 &
	VM=$!
}

# wait_console LOG PATTERN: block until PATTERN (ERE) appears in LOG, the
# guest ends, or the case times out.
wait_console() {
	timeout "$CASE_TIMEOUT" bash -c \
		'tail -n +1 -F "$1" 2>/dev/null | grep -E -m1 -q -- "$2"' _ "$1" "$2"
}

pass=0 fail=0 n=0
result() {	# result OK DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 1 ]; then echo "ok $n $2"; pass=$((pass + 1))
	else echo "not ok $n $2"; fail=$((fail + 1)); fi
}

SECONDS=0
echo "TAP version 13"
boot refused --refused
status=0; wait $VM || status=$?
mapfile -t TABLE < <(sed -n 's/^\([a-z_]*\) context=\([^ ]*\) survives=\(yes\|no\) expect=\(.*\)$/\1\t\2\t\3\t\4/p' "$out/refused.log")
[ ${#TABLE[@]} -gt 0 ] || { tail -n 30 "$out/refused.log" >&2; echo "Bail out! no misuse table"; exit 1; }
selected=()
for row in "${TABLE[@]}"; do
	name=${row%%$'\t'*}
	if [ $# -eq 0 ] || printf '%s\n' "$@" | grep -qx "$name"; then selected+=("$row"); fi
done
echo "1..$((${#selected[@]} + 1))"

refusals=$(grep -c '^IRQCTX-MISUSE-REFUSED: .* errno=EPERM$' "$out/refused.log" || true)
logged=$(sed -n 's/^IRQCTX-MISUSE-REFUSAL-LOG: //p' "$out/refused.log")
echo "# refused: $refusals of ${#TABLE[@]} cases, $logged log line(s), guest status $status"
ok=0
[ "$status" = 0 ] && [ "$refusals" = ${#TABLE[@]} ] && [ "$logged" = 1 ] && ok=1
result $ok "misuse: every case refused with EPERM without allow_misuse=1, logged once"

for row in "${selected[@]}"; do
	IFS=$'\t' read -r name context survives expect <<<"$row"
	start=$SECONDS
	boot "$name" "$name"
	log=$out/$name.log
	ok=1
	first=
	# The case's patterns, in order, joined by " && " in the table.
	while IFS= read -r pat; do
		if wait_console "$log" "$pat"; then
			[ -n "$first" ] || first=$(grep -E -m1 -- "$pat" "$log" | sed 's/^\[[ 0-9.]*\] //')
		else
			echo "# $name: no match for: $pat"
			ok=0
		fi
	done < <(sed 's/ && /\n/g' <<<"$expect")
	if [ "$survives" = yes ]; then
		status=0; wait $VM || status=$?
		grep -q "^IRQCTX-MISUSE-SURVIVED: $name$" "$log" && [ "$status" = 0 ] ||
			{ echo "# $name: the guest did not survive (status $status)"; ok=0; }
	else
		# The kernel is wedged (or about to be): stop the guest.
		kill -- -"$VM" 2>/dev/null || true
		wait $VM 2>/dev/null || true
	fi
	# The splat: from the first expected line to 60 lines on.
	first_pat=${expect%% && *}
	grep -E -m1 -A60 -- "$first_pat" "$log" | sed 's/^\[[ 0-9.]*\] //' >"$out/$name.splat" || true
	if [ "$update_docs" = 1 ] && [ -s "$out/$name.splat" ]; then
		mkdir -p Documentation/misuse
		cp "$out/$name.splat" "Documentation/misuse/$name.txt"
	fi
	echo "# $name ($context, survives=$survives, $((SECONDS - start))s): ${first:-nothing}"
	result $ok "misuse: $name"
done
echo "# misuse harness wall time: ${SECONDS}s"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
