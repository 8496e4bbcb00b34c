#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest entry point: run every TEST_PROGS of the Makefile, kselftest style,
# then check what the kernel's detectors saw over the whole run: kmemleak
# (when the kernel has it) once the module is gone, and dmesg since boot for
# KASAN, KCSAN, debug objects, list corruption, lockdep, WARNING and BUG
# reports. The checks are a KTAP test of their own; the debug kernels
# (scripts/kernel/*.config) are where they find something.
DIR=$(dirname "$0")
KMEMLEAK=/sys/kernel/debug/kmemleak

uptime_s() { cut -d. -f1 /proc/uptime; }

# Scan twice, the second time once the newest object that could be a leak is
# older than kmemleak's minimum age (5 s): an object is reported only when
# unreferenced and unchanged between two scans, and old enough. $1 is the
# uptime (s) after which nothing of interest was allocated.
kmemleak_scan() {
	echo scan >"$KMEMLEAK" || return 1
	while [ "$(uptime_s)" -le $(($1 + 6)) ]; do usleep 100000; done
	echo scan >"$KMEMLEAK"
}

# Objects already unreferenced when the guest starts are the boot's (the
# early PCI/ACPI setup...), not the suite's: report how many, then forget
# them (kmemleak's "clear" greys what it has reported so far).
KMEMLEAK_BASE=
if [ -w "$KMEMLEAK" ] && kmemleak_scan "$(uptime_s)" 2>/dev/null; then
	KMEMLEAK_BASE=$(grep -c '^unreferenced object' "$KMEMLEAK")
	echo clear >"$KMEMLEAK"
fi

# Processes a test left behind (a background loop of a test that gave up):
# killed, so that the next test starts clean and the module can go.
sweep() {
	local p pid comm
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" -gt 1 ] && [ "$pid" != $$ ] && [ -e "$p/exe" ] || continue
		read -r comm <"$p/comm" 2>/dev/null
		kill -9 "$pid" 2>/dev/null && echo "# $1 left $comm (pid $pid) running: killed"
	done
}

# Each program has the kselftest timeout of ./settings, times IRQCTX_SLOWDOWN
# (the kernel variant's, from the kernel command line): one that runs out is
# killed and fails, and the others still run. IRQCTX_TESTS (also from the
# command line, comma-separated) picks other tests, e.g. the stress test on
# its own.
TIMEOUT=$(sed -n 's/^timeout=//p' "$DIR/settings" 2>/dev/null)
TIMEOUT=$((${TIMEOUT:-45} * ${IRQCTX_SLOWDOWN:-1}))
rc=0 KILLED=
for t in $(echo "${IRQCTX_TESTS:-$(sed -n 's/^TEST_PROGS := //p' "$DIR/Makefile")}" | tr , ' '); do
	start=$(uptime_s)
	sh "$DIR/$t" &
	pid=$!
	# The watchdog: gone within a second of the test.
	( i=0; while [ $i -lt "$TIMEOUT" ] && kill -0 $pid 2>/dev/null; do
		sleep 1; i=$((i + 1)); done; kill -9 $pid 2>/dev/null ) &
	wd=$!
	wait $pid
	s=$?
	wait $wd
	[ $s -eq 137 ] && { echo "# $t: killed after ${TIMEOUT}s"; KILLED="$KILLED $t"; }
	sweep "$t"
	echo "# $t: exit $s after $(($(uptime_s) - start))s"
	[ $s -eq 0 ] || rc=$s
done

# --- the detectors' verdict --------------------------------------------------
. "$DIR/ktap_helpers.sh"
DMESG=/tmp/final-dmesg

# The report lines of pattern $1 (ERE), at most 20, and the first one with
# 40 lines of context: the report itself.
show() {
	grep -E -- "$1" "$DMESG" | head -n 20 | sed 's/^/# /'
	grep -E -m1 -A40 -- "$1" "$DMESG" | sed 's/^/# | /'
}

# none DESCRIPTION PATTERN: dmesg since boot has no line matching PATTERN.
none() {
	local n
	n=$(grep -c -E -- "$2" "$DMESG")
	if [ "$n" -eq 0 ]; then
		ktap_test_pass "dmesg: no $1"
	else
		ktap_print_msg "$n line(s) of $1:"
		show "$2"
		ktap_test_fail "dmesg: no $1"
	fi
}

test_unloaded() {
	[ -e /sys/module/irqctx ] || return 0
	ktap_print_msg "irqctx still loaded after the tests: removing it"
	rmmod irqctx && [ ! -e /sys/module/irqctx ]
}

test_kmemleak() {
	local gone n
	gone=$(uptime_s)
	if ! kmemleak_scan "$gone" 2>/dev/null; then
		ktap_print_msg "kmemleak refuses to scan: it turned itself off"
		grep -i kmemleak "$DMESG" | sed 's/^/# /'
		return 1
	fi
	n=$(grep -c '^unreferenced object' "$KMEMLEAK")
	[ "$n" -eq 0 ] && return 0
	ktap_print_msg "kmemleak: $n unreferenced object(s) after the suite:"
	sed 's/^/# /' "$KMEMLEAK"
	return 1
}

# lockdep reports (each title is a "WARNING:" or "INFO:" line) and lockdep
# turning itself off, which it does after its first report.
LOCKDEP='WARNING: (possible|inconsistent|suspicious RCU|bad unlock|held lock|lock held|nested lock|Nested lock|circular)|INFO: (possible|inconsistent|trying to register)|DEBUG_LOCKS_WARN_ON|BUG: (MAX_LOCK|looking up invalid subclass|key [0-9a-f]* has not been registered)'
test_lockdep_on() {
	[ -r /proc/lockdep_stats ] || return 0
	grep -q 'debug_locks: *1$' /proc/lockdep_stats && return 0
	ktap_print_msg "lockdep turned itself off (debug_locks: 0): a report or a taint made it unreliable"
	return 1
}

# Taint flags other than O (out-of-tree module) and E (unsigned module).
test_taint() {
	local t
	t=$(cat /proc/sys/kernel/tainted)
	[ $((t & ~(4096 | 8192))) -eq 0 ] && return 0
	ktap_print_msg "tainted=$t: $(grep -m1 -o 'Tainted: [^ ]*' "$DMESG")"
	return 1
}

mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ktap_print_header
ktap_set_plan 13
if [ -z "$KILLED" ]; then
	ktap_test_pass "every test program finished within ${TIMEOUT}s"
else
	ktap_test_fail "every test program finished within ${TIMEOUT}s (killed:$KILLED)"
fi
ktap_test_result "irqctx is unloaded after the suite" test_unloaded
dmesg >"$DMESG"
found=
grep -q 'KernelAddressSanitizer initialized' "$DMESG" && found="$found kasan"
[ -e /sys/kernel/debug/kcsan ] && found="$found kcsan"
[ -e "$KMEMLEAK" ] && found="$found kmemleak"
[ -d /sys/kernel/debug/debug_objects ] && found="$found debug_objects"
[ -r /proc/lockdep_stats ] && found="$found lockdep"
ktap_print_msg "detectors in this kernel:${found:- none of kasan kcsan kmemleak debug_objects lockdep}"
# KCSAN's own evidence that it watched: its boot selftest and its counters
# (watchpoints set up, races found, including those not reported).
if [ -e /sys/kernel/debug/kcsan ]; then
	grep -o 'kcsan: selftest: .*' "$DMESG" | sed 's/^/# /'
	ktap_print_msg "kcsan:" $(sed -n 's/^\([a-z_]*\): \([0-9]*\)$/\1=\2/p' /sys/kernel/debug/kcsan)
fi
if [ -w "$KMEMLEAK" ]; then
	[ -n "$KMEMLEAK_BASE" ] && ktap_print_msg "kmemleak: $KMEMLEAK_BASE unreferenced object(s) from the boot, cleared before the suite"
	ktap_test_result "kmemleak: no unreferenced objects once the module is gone" test_kmemleak
	dmesg >"$DMESG"
else
	ktap_test_skip "kmemleak: no unreferenced objects (no kmemleak in this kernel)"
fi
# The whole log since boot is needed: if the ring buffer wrapped, reports
# may have been lost.
if grep -q 'Linux version' "$DMESG"; then
	ktap_test_pass "dmesg still holds the whole log since boot"
else
	ktap_print_msg "the kernel log wrapped: the checks below miss its start"
	ktap_test_fail "dmesg still holds the whole log since boot"
fi
none "KASAN report" 'BUG: KASAN'
none "KCSAN report" 'BUG: KCSAN'
none "debug objects (ODEBUG) report" 'ODEBUG'
none "list corruption" 'list_(add|del) corruption'
if grep -q -E -- "$LOCKDEP" "$DMESG" || ! test_lockdep_on; then
	ktap_print_msg "lockdep report(s):"
	show "$LOCKDEP"
	ktap_test_fail "dmesg: no lockdep report, lockdep still on"
else
	ktap_test_pass "dmesg: no lockdep report, lockdep still on"
fi
none "hung task or RCU stall" 'INFO: task .* blocked for more than|rcu: INFO: .*detected stall|rcu_.* self-detected stall'
none "WARNING" 'WARNING'
none "BUG:" 'BUG:'
ktap_test_result "kernel taints: none but O (out-of-tree module)" test_taint
[ "$KTAP_CNT_FAIL" -eq 0 ] || rc=1
ktap_print_totals
exit $rc
