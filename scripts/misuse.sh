#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The misuse harness: each case of the module's misuse table in its own boot
# (lockdep reports once per boot, some cases hang the kernel), on one kernel.
#
#   scripts/misuse.sh [--kernel VARIANT] [--update-docs] [--update-matrix] [CASE...]
#   scripts/misuse.sh [--kernel VARIANT] --repeat N [CASE...]
#   scripts/misuse.sh --bzimage IMAGE --ko MODULE --name NAME [CASE...]
#   scripts/misuse.sh --print-matrix [--update-docs]
#
# First boot: the table is read from /sys/kernel/debug/irqctx/misuse, and
# every case must be refused (EPERM) without allow_misuse=1. Then, per case:
# boot with allow_misuse=1, trigger it, and watch the serial console. A case
# passes when
#  - on the default kernel, each of its expected patterns (from the module's
#    table) appears, as before;
#  - the first line a kernel detector printed (BUG:, WARNING:, INFO:, ...),
#    or "nothing", matches this kernel's cell of the detector matrix
#    (scripts/misuse-matrix: case, kernel, survives, first line), and the
#    guest survived (still delivered an event afterwards) exactly when the
#    matrix says so.
# A guest that stops making progress after the trigger is killed and counts
# as not surviving. KTAP on stdout; consoles, splats and the observed row of
# every case in out/misuse/KERNEL/. --update-docs copies the splats (default
# kernel) to Documentation/misuse/; --update-matrix writes the observed cells
# into scripts/misuse-matrix instead of checking them. --print-matrix prints
# case x kernel from the last runs (and with --update-docs writes it to
# Documentation/misuse/matrix.txt).
#
# --repeat N runs each case N times (one boot each, one round of every case
# after the other) and ends with each case's outcomes and how often each
# came: a cell that depends on timing shows two. Not for CI: ten rounds
# take most of an hour on the default kernel.
#
# --bzimage/--ko/--name run a kernel that is not one of the project's
# (scripts/own-kernel.sh uses it): no matrix cells to check, the observed row
# is printed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

MATRIX=scripts/misuse-matrix
KERNELS=(debian debian-rt default rt own)
update_docs=0 update_matrix=0 print_matrix=0 variant=$IRQCTX_VARIANT bzimage= ko= name= repeat=1
while [ $# -gt 0 ]; do
	case $1 in
	--update-docs) update_docs=1 ;;
	--update-matrix) update_matrix=1 ;;
	--print-matrix) print_matrix=1 ;;
	--kernel) variant=$2; shift ;;
	--repeat) repeat=$2; shift ;;
	--bzimage) bzimage=$2; shift ;;
	--ko) ko=$2; shift ;;
	--name) name=$2; shift ;;
	-*) die "unknown option $1 (see the comment at the top of $0)" ;;
	*) break ;;
	esac
	shift
done

# The matrix of the last runs: case x kernel -> first line / survived.
print_matrix() {
	local k cases
	cases=$(cut -f1 out/misuse/*/observed.tsv 2>/dev/null | awk '!seen[$0]++')
	[ -n "$cases" ] || die "no observed runs in out/misuse/*/observed.tsv"
	for k in "${KERNELS[@]}"; do
		[ -f "out/misuse/$k/observed.tsv" ] || log "no run on the $k kernel yet"
	done
	[ -f out/ui/rustc.tsv ] || log "no rustc row: run scripts/ui-test.sh first"
	echo "Detector matrix: the first line a kernel detector printed, and whether"
	echo "the kernel survived (scripts/misuse.sh --print-matrix); rustc: whether"
	echo "the case written in safe code builds (scripts/ui-test.sh, tests/ui/)."
	for c in $cases; do
		echo
		echo "$c"
		for k in "${KERNELS[@]}"; do
			[ -f "out/misuse/$k/observed.tsv" ] || continue
			# (The module's source path, which depends on where it was
			# built, is shortened to rust/.)
			awk -F'\t' -v c="$c" -v k="$k" '$1 == c { sub(/ at \/[^ ]*\/rust\//, " at rust/", $3)
				printf "  %-11s %-13s %s\n", k, ($2 == "yes" ? "survived" : "did not"), $3 }' \
				"out/misuse/$k/observed.tsv"
		done
		if [ -f out/ui/rustc.tsv ]; then
			awk -F'\t' -v c="$c" '$1 == c { printf "  %-11s %-13s %s\n", "rustc", $2, $3 }' \
				out/ui/rustc.tsv
		fi
	done
}
if [ "$print_matrix" = 1 ]; then
	if [ "$update_docs" = 1 ]; then
		print_matrix | tee Documentation/misuse/matrix.txt
	else
		print_matrix
	fi
	exit 0
fi

if [ -n "$bzimage" ]; then
	[ -n "$ko" ] && [ -n "$name" ] || die "--bzimage needs --ko and --name"
	kernel_name=$name
	VM_KERNEL=(-k "$bzimage")
	slowdown=1
	system_map=$(dirname "$bzimage")/../../../System.map
else
	kernel_fragments "$variant" >/dev/null	# dies on an unknown variant
	kernel_name=$variant
	VM_KERNEL=(-K "$variant")
	slowdown=$(kernel_slowdown "$variant")
	ko=${ko:-$(module_for "$variant")}
	system_map=$(kernel_build_dir "$variant")/System.map
fi
# A hang guard per boot, generous for a loaded host (a case takes 3-25 s).
CASE_TIMEOUT=${CASE_TIMEOUT:-$((300 * slowdown))}
# How long the console of a case expected to survive may stay silent after
# the trigger before the guest counts as wedged: the guest prints a line
# at least every few seconds while it works.
SILENCE=${SILENCE:-$((120 * slowdown))}
out=out/misuse/$kernel_name
mkdir -p "$out"
rm -rf "$out"/*.log "$out"/*.splat "$out"/*.run "$out"/*.cpus "$out"/*.mon "$out/observed.tsv" "$out/kselftest"

install_selftests "$out/kselftest" "$ko"
FILES=("$out/kselftest:/kselftest")

# What counts as a kernel detector's report on the console.
# RCU's stall detector counts too: with a case that spins long enough (a
# loaded host stretches it) it may be the first to speak.
REPORT='^(BUG: |WARNING: |INFO: |rcu: INFO: |Voluntary context switch|ODEBUG: |Kernel panic|watchdog: )'
# The kernel's own watchdogs saying the guest is stuck (see wait_guest).
STUCK_REPORT='watchdog: BUG: soft lockup|rcu: INFO: .*detected stalls'

# boot NAME GUEST_ARGS...: boot in the background, console in $out/NAME.log.
boot() {
	local name=$1; shift
	printf '#!/bin/sh\nexec sh /kselftest/irqctx/misuse_guest.sh %s\n' "$*" >"$out/$name.run"
	: >"$out/$name.log"
	rm -f "$out/$name.mon"
	setsid scripts/vm.sh -q "${VM_KERNEL[@]}" -t "$CASE_TIMEOUT" -l "$out/$name.log" \
		-m "$out/$name.mon" -a "unknown_nmi_panic panic_print=0x40" \
		"$out/$name.run" "${FILES[@]}" >/dev/null 2>&1 &
	VM=$!
}

# wait_panic_end LOG: wait until the panic the NMI started ends the guest
# (QEMU exits at its reboot), for a minute at most. A panic can wedge too
# (a CPU inside stop_machine did not answer its backtrace NMI, and nothing
# more came for the rest of the minute): a console silent for 15 seconds
# ends the wait sooner, longer than the 10 the backtraces wait for a CPU.
# All times the kernel's slowdown.
wait_panic_end() {
	wait_silent "$1" $((15 * slowdown)) $((60 * slowdown)) || true
}

# flush_wedged NAME: make a wedged guest print what its kernel log still
# holds, then end it. On PREEMPT_RT the serial console is printed by a
# kthread, woken through an irq_work on the CPU that logged the line: a
# report logged just before that CPU wedged can stay unprinted, and the same
# case then looked silent in one run and not in the next. Every guest boots
# with unknown_nmi_panic, so the NMI sent here through QEMU's monitor makes
# it panic, and panic() prints everything pending before the guest reboots
# (QEMU then exits). That NMI reaches CPU 0 only (LINT1, where QEMU delivers
# it, is an NMI on the boot CPU alone); with panic_print=0x40 the panic
# sends every other CPU an NMI of its own and prints their backtraces. The
# lines from the NMI's own report on are not the case's (see case_lines).
flush_wedged() {
	where_stuck "$1"
	if python3 - "$out/$1.mon" <<-'EOF'; then
	import socket, sys
	s = socket.socket(socket.AF_UNIX)
	s.settimeout(10)
	s.connect(sys.argv[1])
	s.recv(4096)		# the monitor's banner
	s.sendall(b"nmi\n")
	s.recv(4096)		# its prompt after the command
	EOF
		wait_panic_end "$out/$1.log"
	else
		echo "# $1: no NMI sent (monitor: $out/$1.mon)"
	fi
	kill -- -"$VM" 2>/dev/null || true
	wait "$VM" 2>/dev/null || true
}

# where_stuck NAME: before the NMI, where every vCPU of the wedged guest
# is (scripts/vcpu-stacks.py, through QEMU's monitor: read from outside,
# it needs nothing from the guest, and names the stuck one), into
# $out/NAME.cpus and as comments. STUCK says where: "wedged in FUNCTION"
# (the stuck vCPU's), or "wedged, every CPU idle".
where_stuck() {
	local text
	STUCK=
	[ -f "$system_map" ] || { echo "# $1: no System.map, vCPUs not read"; return; }
	text=$(sed -n 's/.*IRQCTX-MODULE-TEXT: \(0x[0-9a-f]*\).*/\1/p' "$out/$1.log" | head -n 1)
	if scripts/vcpu-stacks.py "$out/$1.mon" "$system_map" ${text:+"$ko" "$text"} >"$out/$1.cpus" 2>&1; then
		sed "s/^/# $1: /" "$out/$1.cpus"
		STUCK=$(sed -n 's/^stuck: cpu[0-9]* /wedged in /p; s/^stuck: none.*/wedged, every CPU idle/p' "$out/$1.cpus")
	else
		echo "# $1: vCPUs not read: $(tail -n 1 "$out/$1.cpus")"
	fi
}

# case_lines LOG: the console from the trigger up to the harness's NMI, if
# one was sent, without timestamps.
# A record starts at its timestamp, wherever that is on the console line:
# a record printed from an oops or a panic (or, on PREEMPT_RT, by the
# atomic console while the printer thread was in the middle of a line) can
# begin after the start of another ("...(16 KiB [[    3.179] BUG: ..."),
# and the report must still be found.
case_lines() {
	sed -n '/IRQCTX-MISUSE: triggering/,$p' "$1" |
		sed '/NMI received for unknown reason/,$d' | sed -E 's/^.*\[ *[0-9]+\.[0-9]+\] //'
}

# wait_console LOG PATTERN: block until PATTERN (ERE) appears in LOG, the
# guest ends, or the case times out. Returns at the match: tail is ended
# then, not left to notice on its next write that grep is gone (which a
# wedged guest may not make for minutes).
wait_console() {
	local fd tail_pid rc=0
	exec {fd}< <(exec timeout "$CASE_TIMEOUT" tail -n +1 --pid="$VM" -F "$1" 2>/dev/null)
	tail_pid=$!
	grep -E -m1 -q -- "$2" <&"$fd" || rc=$?
	kill "$tail_pid" 2>/dev/null || true
	exec {fd}<&-
	return "$rc"
}

# wait_silent LOG STALL [LIMIT [STUCK]]: until the guest has exited (0), or
# (1) its console LOG has not grown for STALL seconds, LIMIT seconds have
# passed, or a line matching the ERE STUCK came after the trigger.
wait_silent() {
	local log=$1 stall=$2 limit=${3:-} stuck=${4:-} size=-1 still=0 waited=0 now
	while kill -0 "$VM" 2>/dev/null; do
		if [ -n "$stuck" ]; then
			sed -n '/IRQCTX-MISUSE: triggering/,$p' "$log" | grep -cE -- "$stuck" >/dev/null && return 1
		fi
		now=$(stat -c %s "$log" 2>/dev/null || echo 0)
		if [ "$now" = "$size" ]; then
			still=$((still + 1))
			[ "$still" -ge "$stall" ] && return 1
		else
			size=$now still=0
		fi
		waited=$((waited + 1))
		[ -n "$limit" ] && [ "$waited" -ge "$limit" ] && return 1
		sleep 1
	done
	return 0
}

# wait_guest LOG STALL: until the guest has exited (0), or its console has
# not grown for STALL seconds (from the script's start), or one of the kernel's own
# watchdogs has said it is stuck: a CPU (the soft-lockup watchdog) or RCU's
# grace periods (a stall). A distribution kernel has both, and they repeat
# their reports every 20 to 60 seconds, so such a console never goes quiet
# for long: wedged (1).
#
# The silence counts from the guest script's first line on, not from the
# trigger's: a case can wedge the guest before the trigger's own lines
# reach the console (printk's output deferred to a CPU that never gets to
# it); the NMI then prints them. (Before the script, vm.sh's boot limit
# applies.) Seen once in a soak of Debian's kernel: lock_holder_irq's
# guest silent after IRQCTX-MODULE-TEXT for the whole 300 s hang guard.
wait_guest() {
	until grep -qE 'IRQCTX-(GUEST|MODULE-TEXT|MISUSE)' "$1"; do
		kill -0 "$VM" 2>/dev/null || return 0
		sleep 1
	done
	wait_silent "$1" "$2" "" "$STUCK_REPORT"
}

pass=0 fail=0 n=0
result() {	# result OK DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 1 ]; then echo "ok $n $2"; pass=$((pass + 1))
	else echo "not ok $n $2"; fail=$((fail + 1)); fi
}

SECONDS=0
echo "TAP version 13"
echo "# misuse suite on the $kernel_name kernel"
boot refused --refused
status=0; wait $VM || status=$?
# The guest's lines come through the kernel log: "[   1.234] IRQCTX-...".
mapfile -t TABLE < <(sed -n 's/.*IRQCTX-MISUSE-CASE: \([a-z_]*\) context=\([^ ]*\) survives=\(yes\|no\) expect=\(.*\)$/\1\t\2\t\3\t\4/p' "$out/refused.log")
[ ${#TABLE[@]} -gt 0 ] || { tail -n 30 "$out/refused.log" >&2; echo "Bail out! no misuse table"; exit 1; }
[ "$repeat" -gt 1 ] && [ "$update_matrix$update_docs" != 00 ] &&
	die "--repeat checks the cells: it updates neither the matrix nor the docs"
selected=()
for _ in $(seq "$repeat"); do
	for row in "${TABLE[@]}"; do
		name=${row%%$'\t'*}
		if [ $# -eq 0 ] || printf '%s\n' "$@" | grep -qx "$name"; then selected+=("$row"); fi
	done
done
echo "1..$((${#selected[@]} + 1))"

refusals=$(grep -c 'IRQCTX-MISUSE-REFUSED: .* errno=EPERM$' "$out/refused.log" || true)
logged=$(sed -n 's/.*IRQCTX-MISUSE-REFUSAL-LOG: //p' "$out/refused.log")
echo "# refused: $refusals of ${#TABLE[@]} cases, $logged log line(s), guest status $status"
ok=0
[ "$status" = 0 ] && [ "$refusals" = ${#TABLE[@]} ] && [ "$logged" = 1 ] && ok=1
# The module's table and this kernel's column of the matrix name the same
# cases: a case the module dropped (or a row this parser skipped) would
# otherwise lose its check without a word.
if [ -z "$bzimage" ] && [ "$update_matrix" = 0 ]; then
	table_cases=$(printf '%s\n' "${TABLE[@]}" | cut -f1 | sort)
	matrix_cases=$(awk -F'\t' -v k="$kernel_name" '!/^#/ && $2 == k { print $1 }' "$MATRIX" | sort)
	if [ "$table_cases" != "$matrix_cases" ]; then
		comm -23 <(echo "$table_cases") <(echo "$matrix_cases") | sed 's/^/# only in the module'"'"'s table: /'
		comm -13 <(echo "$table_cases") <(echo "$matrix_cases") | sed "s|^|# only in $MATRIX ($kernel_name): |"
		ok=0
	fi
fi
result $ok "misuse ($kernel_name): every case refused with EPERM without allow_misuse=1, logged once; the table is the matrix's"

# cell CASE FIELD: this kernel's expectation (2 survives, 3 first line).
cell() {
	awk -F'\t' -v c="$1" -v k="$kernel_name" -v f="$2" \
		'!/^#/ && $1 == c && $2 == k { print $(f + 1); found = 1 } END { exit !found }' "$MATRIX"
}

declare -A rounds
for row in "${selected[@]}"; do
	IFS=$'\t' read -r name context survives expect <<<"$row"
	start=$SECONDS
	# Each round's files apart: NAME.rN.log... with --repeat.
	rounds[$name]=$((${rounds[$name]:-0} + 1))
	tag=$name
	[ "$repeat" -gt 1 ] && tag=$name.r${rounds[$name]}
	boot "$tag" "$name"
	log=$out/$tag.log
	ok=1
	# The module's own patterns, on the kernel they were written for.
	if [ "$kernel_name" = default ]; then
		while IFS= read -r pat; do
			wait_console "$log" "$pat" || { echo "# $name: no match for: $pat"; ok=0; }
		done < <(sed 's/ && /\n/g' <<<"$expect")
	fi
	# How long a silent guest may be still alive: a guest expected to
	# survive gets two minutes; one expected to be wedged ten seconds (the
	# NMI it is then sent prints whatever report is still pending: no
	# waiting for the report to reach the console, which on PREEMPT_RT
	# can take minutes); on a kernel without expectations, a minute. All
	# times the kernel's slowdown.
	want_survives= want_first=
	if [ -z "$bzimage" ] && [ "$update_matrix" = 0 ]; then
		want_survives=$(cell "$name" 2) && want_first=$(cell "$name" 3) ||
			{ echo "# $name: no $kernel_name cell in $MATRIX"; ok=0; }
	fi
	# (A cell that allows both, "no|yes", waits as for a survivor.)
	case $want_survives in
	yes | *'|'*) stall=$SILENCE ;;
	no) stall=$((10 * slowdown)) ;;
	*) stall=$((60 * slowdown)) ;;
	esac
	survived=no STUCK=
	if wait_guest "$log" "$stall"; then
		status=0; wait $VM || status=$?
		grep -q "IRQCTX-MISUSE-SURVIVED: $name$" "$log" && [ "$status" = 0 ] && survived=yes
	else
		flush_wedged "$tag"
	fi
	# The case ran, on every kernel: the module's own line says it was
	# triggered. A refused trigger, or a guest that died before it, tested
	# nothing, whatever its cell allows.
	# (grep -c reads to the end: with -q, case_lines could die of SIGPIPE
	# and pipefail fail the test.)
	if ! case_lines "$log" | grep -cF "misuse: triggering $name (" >/dev/null; then
		echo "# $name: the module never said it triggered the case"
		ok=0
	fi
	first=$(case_lines "$log" | grep -E -m1 -- "$REPORT" || true)
	# A guest wedged without a report: where it is stuck is the evidence.
	observed=${first:-nothing${STUCK:+ ($STUCK)}}
	printf '%s\t%s\t%s\n' "$name" "$survived" "$observed" >>"$out/observed.tsv"
	if [ "$kernel_name" = default ] && [ "$survived" != "$survives" ]; then
		echo "# $name: survived=$survived, the table says $survives"
		ok=0
	fi
	if [ -n "$want_survives" ]; then
		case "|$want_survives|" in
		*"|$survived|"*) ;;
		*) echo "# $name: survived=$survived, the matrix says $want_survives"; ok=0 ;;
		esac
		if [ "$want_first" = nothing ]; then
			[ -z "$first" ] || { echo "# $name: reported '$first', the matrix says nothing"; ok=0; }
		else
			# Anchored: alternatives (A|B) are whole lines' beginnings.
			grep -qE -- "^($want_first)" <<<"$observed" ||
				{ echo "# $name: first line '$observed', the matrix says /$want_first/"; ok=0; }
		fi
	fi
	# The splat: from the first report (or the case's first pattern) on.
	if [ -n "$first" ]; then
		grep -F -m1 -A60 -- "$first" "$log"
	else
		grep -E -m1 -A60 -- "${expect%% && *}" "$log"
	fi | sed 's/^\[[ 0-9.]*\] //' >"$out/$tag.splat" || true
	if [ "$update_docs" = 1 ] && [ "$kernel_name" = default ] && [ -s "$out/$name.splat" ]; then
		cp "$out/$name.splat" "Documentation/misuse/$name.txt"
	fi
	echo "# $name ($context, $kernel_name kernel, survived=$survived, $((SECONDS - start))s): $observed"
	result $ok "misuse ($kernel_name): $name"
done

# as_cells: observed rows (case, survived, first line) as matrix cells
# (case, kernel, survived, pattern). Pids (comm/PID/), line numbers (:N),
# counts ( N ) and the build path vary between runs and machines; the
# preempt_count (0x...) is the point and stays.
as_cells() {
	awk -F'\t' -v k="$kernel_name" '{
		f = $3
		if (f != "nothing") {
			gsub(/ at [^ ]*\/rust\//, " at @PATH@", f)
			gsub(/[][().*+?{}|^$\\]/, "\\\\&", f)
			gsub(/\/[0-9]+\//, "/@N@/", f)
			gsub(/:[0-9]+/, ":@N@", f)
			gsub(/ [0-9]+ /, " @N@ ", f)
			gsub(/@N@/, "[0-9]+", f)
			gsub(/@PATH@/, ".*rust/", f)
		}
		print $1 "\t" k "\t" $2 "\t" f }' "$@"
}

if [ "$update_matrix" = 1 ]; then
	as_cells "$out/observed.tsv" >"$out/cells.tsv"
	[ -s "$out/cells.tsv" ] || die "no case ran: $MATRIX stays as it is"
	{
		grep '^#' "$MATRIX" 2>/dev/null || true
		# The cells of the cases run here are replaced, the others kept.
		{ { grep -v '^#' "$MATRIX" 2>/dev/null || true; } |
			awk -F'\t' -v k="$kernel_name" 'NR == FNR { ran[$1] = 1; next } !($2 == k && $1 in ran)' "$out/cells.tsv" -
		  cat "$out/cells.tsv"; } |
			sort -t$'\t' -k1,1 -k2,2
	} >"$MATRIX.new"
	mv "$MATRIX.new" "$MATRIX"
	log "wrote the $kernel_name cells of $MATRIX: review them before committing"
fi
if [ "$repeat" -gt 1 ]; then
	echo "# outcomes in $repeat rounds on the $kernel_name kernel (count, case, kernel, survived, first line):"
	as_cells "$out/observed.tsv" | sort | uniq -c | sed 's/^ */# /'
fi
echo "# misuse harness wall time on the $kernel_name kernel: ${SECONDS}s"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
