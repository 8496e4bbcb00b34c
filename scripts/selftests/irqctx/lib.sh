# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the irqctx selftests, sourced by each. They live in a
# kselftest install (see the Makefile): this directory, next to the
# framework's kselftest/. IRQCTX_DIR overrides where it is (default: the
# directory of the sourcing script).

DIR=${IRQCTX_DIR:-$(dirname "$0")}
. "$DIR/../kselftest/ktap_helpers.sh"

# IRQCTX_NO_SKIP=1: this machine has everything the tests need (the QEMU
# guests of scripts/test.sh: both edu devices, each detector its kernel is
# built with), so a test that would skip fails instead, saying why it
# would have skipped: a skip there is a check that did not run.
if [ "${IRQCTX_NO_SKIP:-0}" = 1 ]; then
	ktap_test_skip() { ktap_test_fail "$1 (would be skipped; IRQCTX_NO_SKIP=1)"; }
	ktap_skip_all() { ktap_exit_fail_msg "every test would be skipped: $* (IRQCTX_NO_SKIP=1)"; }
fi
IO="$DIR/irqctx_io"
DEV=/dev/irqctx
TMP=$(mktemp -d)
# The module: IRQCTX_KO, else the one installed beside the tests, else the
# one modprobe finds.
KO=${IRQCTX_KO:-$DIR/irqctx.ko}

# A test stopped by the runner's timeout (SIGTERM) kills what it started in
# the background and unloads the module, so that the next test starts clean.
# First it shows where every task that is not running sits in the kernel: a
# test that never ends is usually waiting for something.
stopped() {
	echo "# $(basename "$0") stopped by a signal: cleaning up"
	show_blocked
	kill -9 $(jobs -p) 2>/dev/null
	[ -e /sys/module/irqctx ] && wait_for rmmod irqctx 2>/dev/null
	exit 143
}
trap stopped TERM INT
# A test that ends (or bails out) with something still running in the
# background would keep the runner waiting on its output until the
# timeout: whatever it started ends with it.
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$TMP"' EXIT

# The patterns of a kernel splat: none may appear on the correct paths.
SPLATS='BUG:|WARNING:|INFO: (possible|inconsistent|task .* blocked)|possible recursive locking|inconsistent lock state|Call Trace|Oops|general protection|ODEBUG|list_(add|del) corruption|kmemleak:.*new suspected|ACPI Error'

ctl() { printf '%s\n' "$*" >"$DEV"; }

# The statistics: the first value of key=$1, and source $1's top halves.
STATS=/sys/kernel/debug/irqctx/stats
stat_field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" "$STATS" | head -n 1; }
stat_source() { sed -n "s/^source=$1 top=//p" "$STATS"; }
stat_source_gt() { [ "$(stat_source "$1")" -gt "$2" ]; }	# for wait_for

# awk: field("key") is the value of key=value on the current line, as a
# string; num("key") the same as a number (compare numbers with num()).
AWK_FIELD='function field(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
function num(k) { return field(k) + 0 }'


load() {
	if [ -f "$KO" ]; then insmod "$KO" "$@"; else modprobe irqctx "$@"; fi && [ -c "$DEV" ]
}

# Every task that is not running or idle: state, wait channel and, where
# the kernel has CONFIG_STACKTRACE, its kernel stack.
show_blocked() {
	local p state
	for p in /proc/[0-9]*; do
		state=$(sed -n 's/^State:\t\(.\).*/\1/p' "$p/status" 2>/dev/null)
		case $state in R|I|"") continue ;; esac
		echo "# $(cat "$p/comm" 2>/dev/null) (pid ${p#/proc/}) $state in $(cat "$p/wchan" 2>/dev/null)"
		sed 's/^/#     /' "$p/stack" 2>/dev/null
	done
}

uptime_s() { cut -d. -f1 /proc/uptime; }

# kmemleak_scan T: scan twice, the second time once the newest object that
# could be a leak is older than kmemleak's minimum age (5 s): an object is
# reported only when unreferenced and unchanged between two scans, and old
# enough. T is the uptime (s) after which nothing of interest was allocated.
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_scan() {
	echo scan >"$KMEMLEAK" || return 1
	while [ "$(uptime_s)" -le $(($1 + 6)) ]; do usleep 100000; done
	echo scan >"$KMEMLEAK"
}

# The PCI addresses of QEMU's edu devices (1234:11e8), which the edu source
# drives; a machine without one skips the tests that need it.
edu_devices() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] && basename "$d"
	done
}

# Interrupts of the irqctx handler, summed over CPUs, from /proc/interrupts.
irq_count() {
	awk 'NR == 1 { ncpu = NF } / irqctx$/ { for (i = 2; i <= ncpu + 1; i++) n += $i } END { print n + 0 }' /proc/interrupts
}

# Interrupts an edu handler refused as not its device's (IRQ_NONE: a
# shared line asserted by another), from the statistics.
irq_none() {
	sed -n 's/.*irq_none=\([0-9]*\).*/\1/p' "$STATS"
}

# result_or_skip DESCRIPTION WHY COMMAND...: ktap_test_result, where
# COMMAND returning 4 means inconclusive (the timing it needs did not
# happen): it runs again, 5 times at most, and a skip saying WHY follows
# only if it never decided (a failure under IRQCTX_NO_SKIP=1).
result_or_skip() {
	local desc=$1 why=$2 rc=4 tries=0
	shift 2
	while [ $rc = 4 ] && [ $tries -lt "${TRIES:-5}" ]; do
		tries=$((tries + 1))
		rc=0
		"$@" || rc=$?
	done
	case $rc in
	0) ktap_test_pass "$desc" ;;
	4) ktap_test_skip "$desc ($why, $tries tries)" ;;
	*) ktap_test_fail "$desc" ;;
	esac
}

# edu_test DESCRIPTION COMMAND...: ktap_test_result, or a skip without an
# edu device.
edu_test() {
	if [ -z "$(edu_devices)" ]; then
		ktap_test_skip "$1 (no QEMU edu device)"
	else
		ktap_test_result "$@"
	fi
}

# Kernel messages logged since the last mark_dmesg.
mark_dmesg() { DMESG_MARK=$(dmesg | wc -l); }
new_dmesg() { dmesg | tail -n +$((DMESG_MARK + 1)); }

# The uptime in centiseconds, without a fork (/proc/uptime: "12.34 ...").
up_cs() {
	local up rest
	read -r up rest </proc/uptime
	echo $((${up%.*} * 100 + 1${up#*.} - 100))
}
up_ms() { echo $(($(up_cs) * 10)); }

# Wait until command "$@" succeeds: for things that happen asynchronously
# but surely, e.g. a reader reaching its sleep. Bounded by WAIT_S seconds
# (default 10) of uptime, times the kernel's slowdown under TCG
# (IRQCTX_SLOWDOWN), however slow each try is.
wait_for() {
	local end=$(($(up_cs) + ${WAIT_S:-10} * 100 * ${IRQCTX_SLOWDOWN:-1}))
	while ! "$@"; do
		[ "$(up_cs)" -gt $end ] && return 1
		usleep 1000
	done
}

# wait_job PID [SECONDS]: wait for background job PID, SECONDS (default a
# minute) at most, times the slowdown; its status, or killed then, 124.
wait_job() {
	WAIT_S=${2:-60} wait_for gone "$1" || {
		echo "# job $1 ($(cat /proc/$1/comm 2>/dev/null)) still running after ${2:-60} s (times ${IRQCTX_SLOWDOWN:-1}): killed" >&2
		kill -9 "$1"
		wait "$1"
		return 124
	}
	wait "$1"
}

# bounded COMMAND...: COMMAND, bounded as wait_job bounds it, for a read or
# a wait that must end: a regression that blocks it fails its own test,
# not every later one. (Not timeout(1): its watcher process would hold
# the test's open files, the device among them, until the bound.)
bounded() {
	"$@" &
	wait_job $!
}

asleep() { grep -q '^[^)]*) S' "/proc/$1/stat" 2>/dev/null; }
refcnt_is() { [ "$(cat /sys/module/irqctx/refcnt 2>/dev/null)" = "$1" ]; }

# A background reader, started before what it should see: "$@" are
# irqctx_io read options; the output goes to $1.
# Waits until the reader is asleep in read(), so nothing is missed.
start_reader() {
	local out=$1; shift
	"$IO" read "$@" >"$out" &
	READER=$!
	wait_for asleep $READER
}

# Waits for the background reader to finish successfully: 20 s of uptime
# at most, times the slowdown.
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_reader() { wait_job "$READER" 20; }

# PREEMPT_RT (uname -v says so): interrupt handlers run in threads (forced
# threading), and so do irq_work and hrtimers not marked _HARD: the top
# halves run in task context there, and the checks below expect that.
RT=0
case $(uname -v) in *PREEMPT_RT*) RT=1 ;; esac

# The line format of Documentation/irqctx.rst: every field, in order, and
# each only where it belongs: top= and batch= on bottom halves, status= (and
# a factorial's n= and result=) on edu top halves, dev= on edu records; the
# thread stage is edu's alone.
N='[0-9]+'
LINE_COMMON=" ctx=(hardirq|softirq|task) cpu=$N preempt=0x[0-9a-f]{8} irqs_off=[01] hardirq=[01]"
LINE_COMMON="$LINE_COMMON softirq=[01] task=[01] pid=$N comm=[^ =]* t_ns=$N delay_ns=$N slept_ns=$N"
LINE_COMMON="$LINE_COMMON nvcsw=$N stack=(task|irq|other) stack_used=$N"
LINE_DEV=' dev=[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]'
LINE_BH=" top=$N batch=$N"
LINE_RE="^(lost=$N"
LINE_RE="$LINE_RE|seq=$N src=(hrtimer|irq_work) stage=top$LINE_COMMON"
LINE_RE="$LINE_RE|seq=$N src=(hrtimer|irq_work) stage=(workqueue|bh)$LINE_BH$LINE_COMMON"
LINE_RE="$LINE_RE|seq=$N src=edu stage=top status=0x[0-9a-f]{8}( n=$N result=$N)?$LINE_COMMON$LINE_DEV"
LINE_RE="$LINE_RE|seq=$N src=edu stage=(workqueue|bh|thread)$LINE_BH$LINE_COMMON$LINE_DEV)\$"

# Checks that file $1 holds lines, each of the documented form; prints the
# others.
check_lines() {
	[ -s "$1" ] || { echo "# no lines in $1"; return 1; }
	! grep -Ev "$LINE_RE" "$1" | sed 's/^/# not in the line format: /' | grep .
}

# Checks that every line of file $1 has the documented form and ran where
# its stage must run; $2 is the
# edu interrupt number (the handler thread is irq/$2-irqctx). Prints the
# offending lines. A sleeping stage must have slept its 1 ms (an hrtimer
# sleep, never short on ktime_get()); its nvcsw is usually 1 or more but not
# always (a timer that fires while the task is preempted before schedule()
# wakes it without a voluntary switch), so only the atomic stages' nvcsw=0
# is asserted.
check_contexts() {
	check_lines "$1" || return 1
	awk -v irq="${2:-}" -v rt=$RT "$AWK_FIELD"'
	function bad(why) { print "# " why ": " $0; failed = 1 }
	# A stack in use, by a plausible amount (every kernel stack here is at
	# most 32 KiB).
	function stack_ok(want) { return field("stack") ~ want && num("stack_used") > 0 && num("stack_used") < 32768 }
	/^lost=/ { next }
	# On PREEMPT_RT: the edu handler in its irq thread, irq_work in the
	# irq_work/N thread, the hrtimer in the timer softirq, all on a task
	# stack, with interrupts on.
	rt == 1 && / stage=top / {
		src = field("src")
		if (field("ctx") != (src == "hrtimer" ? "softirq" : "task") || num("hardirq") != 0 ||
		    num("irqs_off") != 0 || num("delay_ns") < 0 || num("slept_ns") != 0 || num("nvcsw") != 0 ||
		    !stack_ok("^task$") || (src == "irq_work" && field("comm") !~ /^irq_work\//) ||
		    (src == "edu" && irq != "" && field("comm") != "irq/" irq "-irqctx"))
			bad("top half not in its PREEMPT_RT thread")
		next }
	/ stage=top / {
		# preempt_count carries HARDIRQ_OFFSET (bits 24-27 in the 7.x layout,
		# above the hardirq-disable count) in a hardirq.
		if (field("ctx") != "hardirq" || num("hardirq") != 1 || num("task") != 0 ||
		    num("irqs_off") != 1 || substr(field("preempt"), 4, 1) == "0" || num("delay_ns") < 0 ||
		    num("slept_ns") != 0 || num("nvcsw") != 0 || !stack_ok("^(irq|task)$"))
			bad("top half not in hardirq") }
	/ stage=workqueue / {
		if (field("ctx") != "task" || num("task") != 1 || num("hardirq") != 0 ||
		    num("softirq") != 0 || num("irqs_off") != 0 || field("preempt") != "0x00000000" ||
		    field("comm") !~ /^kworker\// || num("pid") <= 0 || num("slept_ns") < 1000000 ||
		    num("delay_ns") < 0 || num("batch") < 1 || !stack_ok("^task$"))
			bad("workqueue stage not in a sleeping kworker") }
	/ stage=bh / {
		# SOFTIRQ_OFFSET is bit 8: the third hex digit from the right is odd
		# (PREEMPT_RT counts softirqs per task, not in preempt_count).
		if (field("ctx") != "softirq" || num("softirq") != 1 || num("hardirq") != 0 ||
		    num("task") != 0 || num("irqs_off") != 0 ||
		    (rt != 1 && index("13579bdf", substr(field("preempt"), 8, 1)) == 0) ||
		    num("slept_ns") != 0 || num("nvcsw") != 0 || num("delay_ns") < 0 || num("batch") < 1 ||
		    !stack_ok("^(irq|task)$"))
			bad("bh stage not in softirq") }
	/ stage=thread / {
		if (field("ctx") != "task" || num("task") != 1 || num("hardirq") != 0 ||
		    num("softirq") != 0 || num("irqs_off") != 0 || field("preempt") != "0x00000000" ||
		    (irq != "" && field("comm") != "irq/" irq (rt == 1 ? "-s" : "") "-irqctx") || num("slept_ns") < 1000000 ||
		    num("delay_ns") < 0 || num("batch") < 1 || !stack_ok("^task$"))
			bad("thread stage not in the irq thread") }
	END { exit failed }' "$1"
}

# (Lines the misuse harness's guest logs, "IRQCTX-...", quote patterns.)
test_no_splats() {
	if dmesg | grep -v 'IRQCTX-' | grep -E "$SPLATS" >"$TMP/splats"; then
		sed 's/^/# /' "$TMP/splats"
		return 1
	fi
}

