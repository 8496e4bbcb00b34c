#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# irqctx stress tests: load/unload and unbind/bind cycles under load, exact
# ring accounting for readers at different paces, and a fuzz run.
#
# IRQCTX_STRESS=short (default, for CI: about 40 s under TCG on a busy
# 2-core host) or full (also: long; about 40 min) sets the sizes; each can be
# overridden:
#
#                               short    full
#   IRQCTX_STRESS_CYCLES            6    1000   insmod/rmmod cycles
#   IRQCTX_STRESS_BIND_CYCLES       4     100   unbind/bind cycles per device
#   IRQCTX_STRESS_WRITES            5      63   writes per producer (ring test)
#   IRQCTX_STRESS_LINES             2       8   irq_work=1000 lines per write
#   IRQCTX_FUZZ_OPS              2000   10000   fuzz operations
#   IRQCTX_FUZZ_PROCS               4       4   fuzz processes
#   IRQCTX_FUZZ_SEED           random  random   fuzz seed (printed)
#   IRQCTX_STRESS_ONLY          (all)   (all)   tests to run, e.g. "ring fuzz":
#                    cycles shared read0 bind ring fuzz debugfs (others SKIP)
#
# The ring test has two producers: 2 x WRITES x LINES x 1000 events
# (20000 short, 4000 short on PREEMPT_RT, 1008000 full). Lines "# stress: ..." give the counts.
#
# Every wait is for an event (a refcount, a process asleep or gone, a line
# read), bounded; a bound that runs out fails the test.

. "$(dirname "$0")/lib.sh"

FUZZ="$DIR/irqctx_fuzz"
EDU=/sys/bus/pci/drivers/irqctx
# lib.sh's patterns and the other detectors.
SPLATS_ALL="$SPLATS|BUG: KASAN|BUG: KCSAN|ODEBUG|UBSAN:|INFO: task .* blocked|circular locking|refcount_t:|Kernel panic|Unable to handle|unable to handle"

case ${IRQCTX_STRESS:-short} in
short)
	CYCLES=6 BIND_CYCLES=4 WRITES=5 LINES=2 FUZZ_OPS=2000
	# On PREEMPT_RT every irq_work wakes the irq_work/N thread (about 18 ms
	# an event under TCG): the short ring test makes 4000 events there.
	[ $RT = 1 ] && WRITES=1 ;;
full | long) CYCLES=1000 BIND_CYCLES=100 WRITES=63 LINES=8 FUZZ_OPS=10000 ;;
*) echo "IRQCTX_STRESS must be short or full (or long)"; exit 1 ;;
esac
CYCLES=${IRQCTX_STRESS_CYCLES:-$CYCLES}
BIND_CYCLES=${IRQCTX_STRESS_BIND_CYCLES:-$BIND_CYCLES}
WRITES=${IRQCTX_STRESS_WRITES:-$WRITES}
LINES=${IRQCTX_STRESS_LINES:-$LINES}
FUZZ_OPS=${IRQCTX_FUZZ_OPS:-$FUZZ_OPS}
FUZZ_PROCS=${IRQCTX_FUZZ_PROCS:-4}
FUZZ_SEED=${IRQCTX_FUZZ_SEED:-}
ONLY=${IRQCTX_STRESS_ONLY:-}
# IRQCTX_STRESS_TRACE=1 prints the uptime at each step of a cycle.
trace() { [ -z "${IRQCTX_STRESS_TRACE:-}" ] || echo "# $(cut -d' ' -f1 /proc/uptime) $*"; }
EVENTS=$((2 * WRITES * LINES * 1000))

# --- helpers ---------------------------------------------------------------

bound_count() { grep -c '^edu=bound ' "$STATS"; }
# NOW: the uptime in whole seconds (no fork; retried if a read is cut short).
now() {
	local u=
	while [ -z "$u" ]; do read -r u _ </proc/uptime; done
	NOW=${u%.*}
}
uptime_s() { now; echo "$NOW"; }
# A short sleep without a fork (the guest is often busy): a read with a
# timeout on a FIFO that nobody writes.
mkfifo "$TMP/nap"
exec 9<>"$TMP/nap"
nap() { read -t "$1" -u 9 _; return 0; }

# State letter of a process ("" once it is gone or a zombie).
proc_state() {
	local l
	read -r l 2>/dev/null <"/proc/$1/stat" || return 0
	l=${l##*) }
	[ "${l%% *}" = Z ] || echo "${l%% *}"
}
alive() { [ -n "$(proc_state "$1")" ]; }
where() { echo "state $(proc_state "$1") wchan $(cat "/proc/$1/wchan" 2>/dev/null)"; }
# Blocked in read(2) (syscall 0), asleep either way (S, or D on a lock).
in_read() {
	case $(proc_state "$1") in S | D) ;; *) return 1 ;; esac
	local s
	read -r s _ 2>/dev/null <"/proc/$1/syscall" || return 0	# no /proc/PID/syscall: the state says enough
	[ "$s" = 0 ]
}

# Every bound below is in seconds of the default kernel on an idle host,
# scaled here by the kernel's slowdown under TCG (IRQCTX_SLOWDOWN: 3 on
# PREEMPT_RT, where a 4000-event ring run beside a loaded host once took
# over its unscaled 100 s).
SLOW=${IRQCTX_SLOWDOWN:-1}

# wait_gone PID SECONDS: until PID has ended (it may stay a zombie).
dead() { ! alive "$1"; }
wait_gone() {
	WAIT_S=$2 wait_for dead "$1" ||
		{ echo "# pid $1 still there after $(($2 * SLOW)) s"; return 1; }
}

# wait_pid PID SECONDS WHAT: a bounded wait for a background job; its status.
wait_pid() {
	if ! wait_gone "$1" "$2"; then
		echo "# $3 (pid $1) still there after $(($2 * SLOW)) s: $(where "$1")"
		return 124
	fi
	wait "$1"
}

# wait_until SECONDS COMMAND...: lib.sh's wait_for with SECONDS as its bound
# (times the slowdown), saying what it gave up on.
wait_until() {
	local s=$1
	shift
	WAIT_S=$s wait_for "$@" || { echo "# gave up waiting for: $*"; return 1; }
}

# Background jobs of the running test, killed if it fails half-way.
BG=
bg_add() { BG="$BG $*"; }
cleanup_bg() {
	local p
	for p in $BG; do kill -KILL "$p" 2>/dev/null; done
	for p in $BG; do
		# One stuck in an uninterruptible sleep is left behind, not waited for.
		if wait_gone "$p" 10; then
			wait "$p" 2>/dev/null
		else
			echo "# pid $p survives SIGKILL: $(where "$p")"
		fi
	done
	BG=
	exec 3<&- 4<&-
}
show_bg() {
	local p
	for p in $BG; do
		echo "# pid $p: $(where $p): $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
	done
}

# Dmesg since a mark; the mark is a line, not a count: the log may wrap.
stress_mark() { STRESS_MARK=$(dmesg | tail -n 1); }
stress_new_dmesg() {
	dmesg | awk -v m="$STRESS_MARK" '{ l[NR] = $0; if ($0 == m) at = NR } END { for (i = at + 1; i <= NR; i++) print l[i] }'
}
no_new_splats() {
	if stress_new_dmesg | grep -E "$SPLATS_ALL" >"$TMP/splats"; then
		echo "# kernel log since the test started:"
		head -n 60 "$TMP/splats" | sed 's/^/#   /'
		return 1
	fi
}

unload() {
	[ -d /sys/module/irqctx ] || return 0
	rmmod irqctx || { echo "# rmmod: refcnt $(cat /sys/module/irqctx/refcnt)"; return 1; }
}
fresh() { unload && load "$@"; }

# rmmod must fail because the module is in use, and change nothing.
refused() {
	local out
	if out=$(rmmod irqctx 2>&1); then
		echo "# rmmod succeeded $1"
		return 1
	fi
	# busybox rmmod prints strerror(EWOULDBLOCK); kmod's says "in use".
	case $out in
	*"Resource temporarily unavailable"* | *"in use"*) ;;
	*) echo "# rmmod $1 failed otherwise: $out"; return 1 ;;
	esac
	[ -d /sys/module/irqctx ] && [ -c "$DEV" ] || { echo "# module gone after a refused rmmod"; return 1; }
}

# A test: run it, kill what it left behind, then no new splat.
stress() {
	local rc t0
	t0=$(uptime_s)
	stress_mark
	"$@"
	rc=$?
	cleanup_bg
	no_new_splats || rc=1
	echo "# $1: $(($(uptime_s) - t0)) s"
	return $rc
}

# run NAME DESCRIPTION FUNCTION: one KTAP test, unless IRQCTX_STRESS_ONLY
# leaves it out (or it needs an edu device and there is none).
run() {
	local name=$1 desc=$2
	shift 2
	case " $ONLY " in
	"  " | *" $name "*)
		case $name in
		cycles | bind) edu_test "$desc" stress "$@" ;;
		*) ktap_test_result "$desc" stress "$@" ;;
		esac ;;
	*) ktap_test_skip "$desc (not in IRQCTX_STRESS_ONLY)" ;;
	esac
}

summary_field() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" "$1" | tail -n 1; }

# progress I N WHAT: a KTAP diagnostic line at every tenth of N (N >= 50),
# so that a long full-size run shows where it is.
progress() {
	[ "$2" -ge 50 ] && [ "$1" -gt 0 ] && [ $(($1 % ($2 / 10))) = 0 ] && echo "# $3: $1 of $2"
	return 0
}

# --- a: insmod/rmmod cycles ------------------------------------------------

# Without forking (the guest is busy): the module's refcount is $1; the
# source $1 has top halves.
refcnt_eq() {
	local r
	read -r r 2>/dev/null </sys/module/irqctx/refcnt && [ "$r" = "$1" ]
}
has_tops() {	# has_tops SOURCE [MIN]: at least MIN (1) top halves
	local l
	while read -r l; do
		case $l in "source=$1 top="*) [ "${l#*top=}" -ge "${2:-1}" ]; return ;; esac
	done <"$STATS"
	return 1
}
# summary FILE: S_KEY=VALUE for each key=value of the last line of FILE (the
# summary irqctx_io prints), S_all the line.
summary() {
	local l w k
	S_all= S_records= S_lost= S_gaps= S_pollin= S_writes= S_ok= S_events=
	while read -r l; do S_all=$l; done <"$1"
	for w in $S_all; do
		k=${w%%=*}
		case $k in "$w" | *[!a-z_]*) continue ;; esac
		eval "S_$k=\${w#*=}"
	done
}
# edu_scan: BOUND, the bound edu devices ("" when "edu=absent"), from the
# statistics without a fork.
edu_scan() {
	local l
	BOUND=
	while read -r l; do
		case $l in "edu=bound device="*) l=${l#*device=}; BOUND="$BOUND ${l%% *}" ;; esac
	done <"$STATS"
	BOUND=${BOUND# }
}
# enodev COMMAND: the write fails with ENODEV.
enodev() {
	local out
	out=$("$IO" write "$1")
	case $out in errno=ENODEV*) ;; *) echo "# $1: $out"; return 1 ;; esac
}
file_has() {	# file_has FILE LINE: FILE holds the line LINE
	local l
	while read -r l; do [ "$l" = "$2" ] && return 0; done <"$1"
	return 1
}

# One cycle: readers (two on one open file), a poller, an epoll waiter and
# raises in flight, then the timer at 100 us; rmmod refused while any file
# is open; all stopped and closed, rmmod works with the timer running. An
# epoll set whose file was closed keeps no reference (epoll holds none): it
# does not keep the module, and still works once the module is gone.
cycle() {
	local i=$1 mode=$2 p rc=0 f
	trace "cycle $i: insmod"
	load edu_irq="$mode" || { echo "# insmod edu_irq=$mode failed"; return 1; }
	ctl bh=workqueue,bh,thread && ctl period_us=100 || return 1
	trace "loaded"
	exec 3<>"$DEV"
	"$IO" read -S -F 3 -l 1000000000 >"$TMP/a.shared1" &
	local R2=$!
	"$IO" read -S -F 3 -b 384 -l 1000000000 >"$TMP/a.shared2" &
	local R3=$!
	bg_add $R2 $R3
	"$IO" read -S -l 1000000000 >"$TMP/a.reader" 3<&- &
	local R1=$!
	"$IO" poll 1000 0 >"$TMP/a.poll" 3<&- &
	local P1=$!
	"$IO" epoll 1000 0 >"$TMP/a.epoll" 3<&- &
	local P2=$!
	"$IO" hold -e >"$TMP/a.hold" 3<&- &
	local H=$!
	"$IO" write -r 0 -e 1000 raise=5 >"$TMP/a.raise" 3<&- &
	local RAISE=$!
	bg_add $R1 $P1 $P2 $H $RAISE
	# Five open files: fd 3, the reader, the two pollers, the raiser; the
	# epoll set of the sixth process only watches a closed file.
	wait_until 60 refcnt_eq 5 && wait_until 60 file_has "$TMP/a.hold" held || {
		echo "# refcnt $(cat /sys/module/irqctx/refcnt), expected 5"
		show_bg
		return 1
	}
	ctl start || return 1
	# Every reader and poller got something; the raiser finished a write
	# (each makes 5 edu interrupts, one after the other).
	for f in reader shared1 shared2; do
		wait_until 60 file_has "$TMP/a.$f" started || { echo "# $f read nothing"; show_bg; return 1; }
	done
	for f in poll epoll; do
		wait_until 60 file_has "$TMP/a.$f" pollin || { echo "# $f saw no POLLIN"; show_bg; return 1; }
	done
	wait_until 60 has_tops edu 6 || { echo "# fewer than 6 edu interrupts"; show_bg; return 1; }
	trace "all open and running"
	refused "with five files open" || return 1
	ctl irq_work=1 || return 1	# still working
	trace "refused"
	for p in $R1 $R2 $R3 $P1 $P2 $RAISE; do kill -TERM $p; done
	for p in $R1 $R2 $R3 $P1 $P2 $RAISE; do
		wait_pid $p 60 "a reader, poller or raiser after SIGTERM" || { echo "# pid $p: status $?"; rc=1; }
	done
	[ $rc = 0 ] || return 1
	exec 3<&-
	wait_until 60 refcnt_eq 0 || { echo "# refcnt $(cat /sys/module/irqctx/refcnt) after the last close"; return 1; }
	trace "closed"
	# The timer is still firing at 100 us; the epoll set is still there.
	rmmod irqctx || { echo "# rmmod failed after the last close"; return 1; }
	[ ! -e /sys/module/irqctx ] && [ ! -e "$DEV" ] || { echo "# module or node still there"; return 1; }
	alive $H || { echo "# the epoll waiter is gone: $(cat "$TMP/a.hold")"; return 1; }
	kill -TERM $H
	wait_pid $H 60 "the epoll waiter" || { echo "# epoll waiter: $(cat "$TMP/a.hold")"; return 1; }
	BG=
	trace "unloaded"
	# Each reader read in order and something; pollers saw POLLIN; raises
	# worked and nothing failed; the dead epoll watch reported nothing.
	for f in shared1 shared2 reader; do
		summary "$TMP/a.$f"
		[ "$S_gaps" = 0 ] && [ "${S_records:-0}" -gt 0 ] || { echo "# $f:"; sed 's/^/#   /' "$TMP/a.$f"; return 1; }
	done
	CYC_RECORDS=$((CYC_RECORDS + S_records))
	for f in poll epoll; do
		summary "$TMP/a.$f"
		[ "${S_pollin:-0}" -gt 0 ] || { echo "# $f: $S_all"; return 1; }
	done
	summary "$TMP/a.raise"
	[ "$S_all" = "writes=$S_writes ok=$S_ok" ] && [ "${S_ok:-0}" -gt 0 ] || { echo "# raiser:"; sed 's/^/#   /' "$TMP/a.raise"; return 1; }
	CYC_RAISES=$((CYC_RAISES + 5 * S_ok))
	file_has "$TMP/a.hold" events=0 || { echo "# epoll waiter: $(cat "$TMP/a.hold")"; return 1; }
	no_new_splats
}

test_cycles() {
	local i mode
	CYC_RECORDS=0 CYC_RAISES=0
	unload || return 1
	for i in $(seq 1 "$CYCLES"); do
		mode=msi
		[ $((i % 2)) = 0 ] && mode=intx
		cycle "$i" $mode || { echo "# cycle $i (edu_irq=$mode) failed"; return 1; }
		progress "$i" "$CYCLES" "insmod/rmmod cycles"
	done
	echo "# stress: insmod/rmmod cycles=$CYCLES records read=$CYC_RECORDS raises=$CYC_RAISES"
}

# --- readers sharing one open file ------------------------------------------

# Two processes read the same open file; nothing is produced. The one that
# did not get the file's read lock must be killable all the same.
test_shared_file_kill() {
	fresh || return 1
	exec 3<>"$DEV"
	"$IO" read -F 3 >/dev/null &
	local S1=$!
	bg_add $S1
	wait_until 60 asleep $S1 || return 1
	"$IO" read -F 3 >/dev/null &
	local S2=$!
	bg_add $S2
	wait_until 60 in_read $S2 || { echo "# second reader: $(where $S2)"; return 1; }
	echo "# second reader blocked: $(where $S2)"
	kill -TERM $S2
	wait_pid $S2 10 "the second reader after SIGTERM"
	if [ $? = 124 ]; then
		# Release it for the cleanup: one record ends the first read.
		ctl irq_work=1
		return 1
	fi
	kill -TERM $S1
	wait_pid $S1 10 "the first reader after SIGTERM"
	[ $? = 143 ] || return 1
	exec 3<&-
	BG=
	unload
}

# read(fd, buf, 0) has nothing to wait for: it returns 0 at once, with
# records pending or not.
test_read0() {
	local out flag
	fresh || return 1
	for flag in "" -n; do
		out=$("$IO" read0 $flag)
		echo "# read0 $flag, nothing pending: $out"
		[ "$out" = ret=0 ] || return 1
	done
	exec 3<>"$DEV"
	ctl irq_work=1 || return 1
	out=$("$IO" read0 -F 3)
	echo "# read0, a record pending: $out"
	[ "$out" = ret=0 ] || return 1
	exec 3<&-
	unload
}

# --- b: unbind/bind cycles --------------------------------------------------

test_bind_cycles() {
	local i first second devs bdf
	fresh edu_irq=msi || return 1
	devs=$(edu_devices)
	set -- $devs
	[ $# = 2 ] && [ "$(bound_count)" = 2 ] || { echo "# edu devices: $devs, bound $(bound_count)"; return 1; }
	ctl bh=workqueue,bh,thread && ctl period_us=10000 && ctl start || return 1
	"$IO" read -S -m 'src=hrtimer stage=top ' -l 1000000000 >"$TMP/b.reader" &
	local READER=$!
	bg_add $READER
	wait_until 60 grep -q 'src=hrtimer' "$TMP/b.reader" || return 1
	"$IO" write -r 0 -e 1000 -v raise=5 >"$TMP/b.raise" &
	local RAISE=$!
	bg_add $RAISE
	wait_until 60 has_tops edu 6 || return 1	# the raiser finished a write
	for i in $(seq 1 "$BIND_CYCLES"); do
		if [ $((i % 2)) = 1 ]; then first=$1 second=$2; else first=$2 second=$1; fi
		echo "$first" >"$EDU/unbind" || return 1
		edu_scan
		[ "$BOUND" = "$second" ] || { echo "# cycle $i: $first unbound, bound: $BOUND"; return 1; }
		ctl raise=1 || { echo "# cycle $i: raise failed with $second bound"; return 1; }
		echo "$second" >"$EDU/unbind" || return 1
		edu_scan
		[ -z "$BOUND" ] && file_has "$STATS" edu=absent || { echo "# cycle $i: both unbound, bound: $BOUND"; return 1; }
		enodev raise=1 || { echo "# cycle $i: raise without a device"; return 1; }
		echo "$first" >"$EDU/bind" || return 1
		ctl raise=1 || { echo "# cycle $i: raise failed after binding $first"; return 1; }
		echo "$second" >"$EDU/bind" || return 1
		edu_scan
		[ "$BOUND" = "$1 $2" ] || [ "$BOUND" = "$2 $1" ] || { echo "# cycle $i: bound: $BOUND"; return 1; }
		no_new_splats || { echo "# cycle $i"; return 1; }
		progress "$i" "$BIND_CYCLES" "unbind/bind cycles"
	done
	# The reader survived and still gets hrtimer events.
	local seen
	seen=$(grep -c 'src=hrtimer' "$TMP/b.reader")
	wait_until 60 eval '[ $(grep -c src=hrtimer "$TMP/b.reader") -ge $((seen + 3)) ]' || { echo "# the reader got no more hrtimer events"; return 1; }
	alive $READER || { echo "# the reader is gone"; return 1; }
	ctl raise=10 || return 1
	[ "$(grep -c 'PCI-MSI.* irqctx$' /proc/interrupts)" = 2 ] || { echo "# /proc/interrupts:"; grep irqctx /proc/interrupts; return 1; }
	kill -TERM $RAISE $READER
	wait_pid $RAISE 60 "the raiser" || return 1
	wait_pid $READER 60 "the reader" || { echo "# reader: $(tail -n 3 "$TMP/b.reader")"; return 1; }
	BG=
	ctl stop
	echo "# stress: unbind/bind cycles=$BIND_CYCLES per device; raiser $(tail -n 1 "$TMP/b.raise"); reader $(tail -n 1 "$TMP/b.reader")"
	# Raises worked while a device was bound and at worst got ENODEV (while
	# none was, or the one in use went away); nothing else.
	if ! tail -n 1 "$TMP/b.raise" | grep -Eq '^writes=[0-9]+ ok=[1-9][0-9]*( ENODEV=[0-9]+)?$'; then
		# When each failure came, and the kernel's lines of the 2 s before.
		local t
		for t in $(grep -v '^errno=ENODEV\|^writes=' "$TMP/b.raise" | sed -n 's/.* at //p' | head -n 3); do
			echo "# raiser failure at $t s; kernel lines of the 2 s before:"
			stress_new_dmesg | awk -v t="$t" '{ s = substr($0, 2, index($0, "]") - 2) + 0 }
				s > t - 2 && s <= t + 0.1' | tail -n 30 | sed 's/^/#   /'
		done
		grep -v '^errno=ENODEV' "$TMP/b.raise" | head -n 10 | sed 's/^/#   raiser: /'
		return 1
	fi
	[ "$(summary_field "$TMP/b.reader" gaps)" = 0 ] || return 1
	unload
}

# --- c: exact ring accounting ------------------------------------------------

# Readers at three paces open; then exactly EVENTS irq_work top halves (bh=none,
# timer stopped: one record each) from two concurrent writers, and one edu
# interrupt as the end marker. Each reader must account for every record:
# records read + lost = EVENTS + 1, in order.
test_ring() {
	local text p f rc=0 tops
	fresh || return 1
	ctl stop && ctl bh=none || return 1
	"$IO" read -S -b 65536 -u 'src=edu ' >"$TMP/c.fast" &
	local FAST=$!
	"$IO" read -S -b 384 -u 'src=edu ' >"$TMP/c.slow" &
	local SLOW=$!
	"$IO" read -S -b 4096 -d 1000 -u 'src=edu ' >"$TMP/c.sleepy" &
	local SLEEPY=$!
	bg_add $FAST $SLOW $SLEEPY
	for p in $FAST $SLOW $SLEEPY; do wait_until 60 asleep $p || return 1; done
	tops=$(stat_source irq_work)
	text=$(for i in $(seq 1 "$LINES"); do echo irq_work=1000; done)
	"$IO" write -r "$WRITES" "$text" >"$TMP/c.prod1" &
	local P1=$!
	"$IO" write -r "$WRITES" "$text" >"$TMP/c.prod2" &
	local P2=$!
	bg_add $P1 $P2
	# Generous: 100 events a second would be very slow.
	for p in $P1 $P2; do wait_pid $p $((60 + EVENTS / 100)) "a producer" || return 1; done
	for f in prod1 prod2; do
		[ "$(cat "$TMP/c.$f")" = "writes=$WRITES ok=$WRITES" ] || { echo "# $f: $(cat "$TMP/c.$f")"; return 1; }
	done
	tops=$(($(stat_source irq_work) - tops))
	echo "# stress: ring events=$EVENTS irq_work top halves counted=$tops"
	ctl raise=1 || return 1
	for p in $FAST $SLOW $SLEEPY; do wait_pid $p $((60 + EVENTS / 100)) "a reader" || return 1; done
	BG=
	for f in fast slow sleepy; do
		local s records lost
		s=$(tail -n 1 "$TMP/c.$f")
		records=$(summary_field "$TMP/c.$f" records)
		lost=$(summary_field "$TMP/c.$f" lost)
		echo "# stress: ring reader=$f $s"
		[ "$(summary_field "$TMP/c.$f" gaps)" = 0 ] || { grep -v '^records=' "$TMP/c.$f" | head -n 5 | sed 's/^/#   /'; rc=1; }
		[ $((records + lost)) = $((EVENTS + 1)) ] || { echo "# $f: records + lost = $((records + lost)), produced $((EVENTS + 1))"; rc=1; }
		case $s in
		*"kinds=irq_work/top:$((records - 1)),edu/top:1") ;;
		*) echo "# $f: records other than irq_work top halves and the marker"; rc=1 ;;
		esac
		[ "$(summary_field "$TMP/c.$f" first)" = "$(summary_field "$TMP/c.fast" first)" ] || { echo "# $f starts elsewhere"; rc=1; }
	done
	[ "$tops" = "$EVENTS" ] || { echo "# $EVENTS irq_work events asked for, $tops top halves"; rc=1; }
	[ $rc = 0 ] && unload
}

# --- d: fuzz -------------------------------------------------------------------

test_fuzz() {
	local rc
	fresh || return 1
	[ "$(cat /sys/module/irqctx/parameters/allow_misuse)" = N ] || return 1
	IRQCTX_LINE_RE=$LINE_RE "$FUZZ" ${FUZZ_SEED:+-s "$FUZZ_SEED"} -n "$FUZZ_OPS" -p "$FUZZ_PROCS" >"$TMP/fuzz" 2>&1 &
	local F=$!
	bg_add $F
	wait_pid $F $((300 + FUZZ_OPS / 10)) "irqctx_fuzz"
	rc=$?
	BG=
	sed 's/^/# /' "$TMP/fuzz"
	echo "# stress: fuzz $(grep '^seed=.* failures=' "$TMP/fuzz")"
	[ $rc = 0 ] || return 1
	# The module still works, and nothing kept it open.
	ctl stop && ctl bh=workqueue || return 1
	start_reader "$TMP/d" -l 1 && ctl irq_work=1 && wait_reader || return 1
	wait_until 60 refcnt_is 0 || { echo "# refcnt $(cat /sys/module/irqctx/refcnt) after the fuzz"; return 1; }
	unload
}

# --- debugfs ------------------------------------------------------------------

# An open debugfs file keeps the module: its file_operations are the
# module's.
test_debugfs_pin() {
	local f
	for f in stats misuse; do
		fresh || return 1
		"$IO" hold "/sys/kernel/debug/irqctx/$f" >"$TMP/h" &
		local H=$!
		bg_add $H
		wait_until 60 grep -q '^held$' "$TMP/h" || return 1
		if ! refused "while /sys/kernel/debug/irqctx/$f is open"; then
			kill -TERM $H
			wait_pid $H 10 "the holder of the debugfs file"
			return 1
		fi
		kill -TERM $H
		wait_pid $H 10 "the holder of the debugfs file" || return 1
		BG=
		unload || return 1
	done
}

test_all_splats() {
	if dmesg | grep -E "$SPLATS_ALL" >"$TMP/splats"; then
		head -n 60 "$TMP/splats" | sed 's/^/# /'
		return 1
	fi
}

ktap_print_header
ktap_set_plan 8
echo "# stress: size=${IRQCTX_STRESS:-short} cycles=$CYCLES bind_cycles=$BIND_CYCLES events=$EVENTS fuzz_ops=$FUZZ_OPS fuzz_procs=$FUZZ_PROCS"
START=$(uptime_s)
run cycles "insmod/rmmod x$CYCLES (msi/intx): timer, raises, readers, pollers; rmmod refused while open" test_cycles
run shared "a reader waiting behind another on the same open file can be killed" test_shared_file_kill
run read0 "read() of 0 bytes returns 0 at once" test_read0
run bind "unbind/bind x$BIND_CYCLES per edu device under raise load: ENODEV, readers survive" test_bind_cycles
run ring "$EVENTS events: fast, slow and sleepy readers account for every record" test_ring
run fuzz "fuzz: $FUZZ_OPS random operations from $FUZZ_PROCS processes" test_fuzz
run debugfs "rmmod refused while a debugfs file is open" test_debugfs_pin
unload >/dev/null 2>&1
ktap_test_result "dmesg holds no BUG, WARNING, lockdep, KASAN, hung task or call trace" test_all_splats
echo "# stress: done in $(($(uptime_s) - START)) s"
rm -rf "$TMP"
ktap_finished
