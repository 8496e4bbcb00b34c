#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's detectors' verdict on the whole irqctx run; the last of the
# TEST_PROGS. Once the module is gone, kmemleak (scanned explicitly) must
# find nothing, and the kernel log since the run began must hold no report
# of KASAN, KCSAN, debug objects, list debugging, lockdep, the hung-task
# detector or RCU's stall detector, no WARNING, no BUG and no other call
# trace (an interrupt nobody cared for...), and the kernel no
# taint but O and E. The debug kernels (scripts/kernel/*.config) are where
# it finds something.
#
# "Since the run began": from the line run_kselftest.sh writes to the kernel
# log ("kselftest: Running tests in irqctx"), or since boot when the test is
# run on its own. kmemleak knows no such line: it reports every unreferenced
# object it has not been told to forget, so clear it before the run
# ("echo clear >/sys/kernel/debug/kmemleak" once it has scanned the boot),
# as the QEMU guest does.

. "$(dirname "$0")/lib.sh"

DMESG=$TMP/dmesg
MARK='kselftest: Running tests in irqctx'

# The kernel log since the run began, in $DMESG.
read_log() {
	dmesg >"$TMP/all"
	if grep -q "$MARK" "$TMP/all"; then
		awk -v mark="$MARK" 'index($0, mark) { n = NR } { line[NR] = $0 }
			END { for (i = n; i <= NR; i++) print line[i] }' "$TMP/all" >"$DMESG"
	else
		cp "$TMP/all" "$DMESG"
	fi
}

# The report lines of pattern $1 (ERE), at most 20, and the first one with
# 40 lines of context: the report itself.
show() {
	grep -E -- "$1" "$DMESG" | head -n 20 | sed 's/^/# /'
	grep -E -m1 -A40 -- "$1" "$DMESG" | sed 's/^/# | /'
}

# none DESCRIPTION PATTERN: the log has no line matching PATTERN.
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

# Every test program unloads the module when it is done: one still loaded
# here is a test that did not (it is removed, for the checks below).
test_unloaded() {
	[ -e /sys/module/irqctx ] || return 0
	ktap_print_msg "irqctx still loaded after the tests: a test did not unload it; removing it"
	rmmod irqctx
	return 1
}

test_kmemleak() {
	local n
	if ! kmemleak_scan "$(uptime_s)" 2>/dev/null; then
		ktap_print_msg "kmemleak refuses to scan: it turned itself off"
		grep -i kmemleak "$DMESG" | sed 's/^/# /'
		return 1
	fi
	n=$(grep -c '^unreferenced object' "$KMEMLEAK")
	[ "$n" -eq 0 ] && return 0
	ktap_print_msg "kmemleak: $n unreferenced object(s) after the run (cleared before it?):"
	sed 's/^/# /' "$KMEMLEAK"
	return 1
}

# The whole run must still be in the log: if the ring buffer wrapped,
# reports may have been lost.
test_log_whole() {
	grep -q "$MARK" "$DMESG" || grep -q 'Linux version' "$DMESG" && return 0
	ktap_print_msg "the kernel log wrapped: the checks below miss the run's start"
	return 1
}

# lockdep reports (each title is a "WARNING:" or "INFO:" line) and lockdep
# turning itself off, which it does after its first report.
LOCKDEP='WARNING: (possible|inconsistent|suspicious RCU|bad unlock|held lock|lock held|nested lock|Nested lock|circular)|INFO: (possible|inconsistent|trying to register)|DEBUG_LOCKS_WARN_ON|BUG: (MAX_LOCK|looking up invalid subclass|key [0-9a-f]* has not been registered)'
test_lockdep() {
	if grep -q -E -- "$LOCKDEP" "$DMESG"; then
		ktap_print_msg "lockdep report(s):"
		show "$LOCKDEP"
		return 1
	fi
	[ -r /proc/lockdep_stats ] || return 0
	grep -q 'debug_locks: *1$' /proc/lockdep_stats && return 0
	ktap_print_msg "lockdep turned itself off (debug_locks: 0): a report or a taint made it unreliable"
	return 1
}

# test_active DETECTOR: the detector the kernel was built with
# (IRQCTX_DETECTORS) is on and watched the run: a "no report" from one that
# is off would pass for nothing.
test_active() {
	local c
	case $1 in
	kasan) grep -q 'KernelAddressSanitizer initialized' "$TMP/all" ;;
	kmemleak) [ -w "$KMEMLEAK" ] ;;
	debug_objects) [ -r /sys/kernel/debug/debug_objects/stats ] ;;
	lockdep) [ -r /proc/lockdep_stats ] ;;
	kcsan)
		# Its boot selftest passed, and it set up watchpoints during the
		# run (the counter keeps growing while KCSAN is on).
		grep -q 'kcsan: selftest: \([0-9]*\)/\1 tests passed' "$TMP/all" ||
			{ ktap_print_msg "no passed KCSAN selftest in the log"; return 1; }
		c=$(sed -n 's/^setup_watchpoints: //p' /sys/kernel/debug/kcsan 2>/dev/null)
		[ "${c:-0}" -gt 0 ] ;;
	*) ktap_print_msg "unknown detector $1"; return 1 ;;
	esac
}

# Taint flags other than O (out-of-tree module) and E (unsigned module),
# and N (a test ran) where the runner says KUnit ran the module's suites.
test_taint() {
	local t allowed=$((4096 | 8192))
	[ "${IRQCTX_KUNIT:-0}" = 1 ] && allowed=$((allowed | 262144))
	t=$(cat /proc/sys/kernel/tainted)
	[ $((t & ~allowed)) -eq 0 ] && return 0
	ktap_print_msg "tainted=$t: $(grep -m1 -o 'Tainted: [^ ]*' "$TMP/all")"
	return 1
}

# The module tested is the one built for this kernel: its vermagic names
# the booted release, as `modinfo irqctx.ko` and `uname -r` show a user of a
# stock kernel (busybox's modinfo wants modules.dep, which the guest lacks:
# the field is read from the file).
test_vermagic() {
	local vermagic
	[ -f "$KO" ] || { ktap_print_msg "no $KO"; return 1; }
	vermagic=$(strings "$KO" | sed -n 's/^vermagic=\([^ ]*\).*/\1/p')
	ktap_print_msg "irqctx.ko vermagic $vermagic, kernel $(uname -r)"
	[ "$vermagic" = "$(uname -r)" ]
}

mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# The detectors this kernel is built with, as the host read them from its
# .config (scripts/test.sh); run elsewhere, those found in it.
expected=$(echo "${IRQCTX_DETECTORS:-}" | tr , ' ')
[ "$expected" = none ] && expected=
ktap_print_header
# 14 checks, one more with kmemleak, one per detector that must be active.
ktap_set_plan $((14 + $([ -w "$KMEMLEAK" ] && echo 1 || echo 0) + $(echo $expected | wc -w)))
if [ -f "$KO" ] || [ "${IRQCTX_NO_SKIP:-0}" = 1 ]; then
	ktap_test_result "irqctx.ko's vermagic names the booted kernel" test_vermagic
else
	ktap_test_skip "irqctx.ko's vermagic names the booted kernel (no $KO: the module modprobe finds)"
fi
ktap_test_result "irqctx is unloaded after the run" test_unloaded
read_log
found=
grep -q 'KernelAddressSanitizer initialized' "$TMP/all" && found="$found kasan"
[ -e /sys/kernel/debug/kcsan ] && found="$found kcsan"
[ -e "$KMEMLEAK" ] && found="$found kmemleak"
[ -d /sys/kernel/debug/debug_objects ] && found="$found debug_objects"
[ -r /proc/lockdep_stats ] && found="$found lockdep"
ktap_print_msg "detectors in this kernel:${found:- none of kasan kcsan kmemleak debug_objects lockdep}; built with: ${expected:-none named}"
# KCSAN's own evidence that it watched: its boot selftest and its counters
# (watchpoints set up, races found, including those not reported).
if [ -e /sys/kernel/debug/kcsan ]; then
	grep -o 'kcsan: selftest: .*' "$TMP/all" | sed 's/^/# /'
	ktap_print_msg "kcsan:" $(sed -n 's/^\([a-z_]*\): \([0-9]*\)$/\1=\2/p' /sys/kernel/debug/kcsan)
fi
for d in $expected; do
	ktap_test_result "$d is on and watched the run" test_active "$d"
done
if [ -w "$KMEMLEAK" ]; then
	ktap_test_result "kmemleak: no unreferenced objects once the module is gone" test_kmemleak
	read_log
fi
ktap_test_result "dmesg holds the whole run" test_log_whole
none "KASAN report" 'BUG: KASAN'
none "KCSAN report" 'BUG: KCSAN'
none "debug objects (ODEBUG) report" 'ODEBUG'
none "list corruption" 'list_(add|del) corruption'
ktap_test_result "dmesg: no lockdep report, lockdep still on" test_lockdep
none "hung task or RCU stall" 'INFO: task .* blocked for more than|rcu: INFO: .*detected stall|rcu_.* self-detected stall'
none "WARNING" 'WARNING'
none "BUG:" 'BUG:'
# Any other report comes with a stack dump, e.g. a spurious interrupt
# storm's "irq N: nobody cared".
none "other report (a call trace, an interrupt nobody cared for)" 'Call Trace:|nobody cared|Disabling IRQ #'
# 7.3 warns, once per boot, about work queued on a workqueue it deprecates
# (system_wq, which kernel::workqueue::system() returns).
none "work on a deprecated workqueue" 'enqueued on deprecated workqueue'
ktap_test_result "kernel taints: none but O (out-of-tree module), E and, after KUnit, N" test_taint
ktap_finished
