#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# irqctx selftests: run as root from a kselftest install (see the Makefile),
# in the QEMU guest or on any machine where irqctx.ko loads. KTAP on
# stdout, kselftest exit codes.
#
# Every test waits for events (lines read, a reader asleep, a refcount),
# never for a fixed time; the only timeouts guard tests of something that
# must NOT happen, and waits that would otherwise hang.

. "$(dirname "$0")/lib.sh"

# --- tests -----------------------------------------------------------------

test_node() {
	load || return 1
	# crw------- root root: devtmpfs with the misc device's default mode.
	ls -l "$DEV" | grep -q '^crw------- *1 0 *0 ' &&
		grep -q ' irqctx$' /proc/misc
}

# Top halves must say hardirq, bottom halves task context in a kworker,
# with plausible fields, in sequence.
test_contexts() {
	local rc=0
	# The reader's file is open before the timer starts: every top half of
	# this run is read here. Read until eight workqueue stages: under load
	# one may cover several top halves (batch=N), so a fixed number of
	# lines may hold fewer, and up to two may be late ones for top halves of
	# an earlier test (a run that had taken them, and one queued meanwhile).
	exec 3<>"$DEV"
	printf 'period_us=10000\nstart\n' >&3
	bounded "$IO" read -F 3 -l 8 -u ' stage=workqueue ' >"$TMP/ctx" || rc=1
	exec 3<&-
	ctl stop
	[ $rc = 0 ] || return 1
	check_contexts "$TMP/ctx" || return 1
	# In sequence; each workqueue stage of this run follows a top half seen
	# before it, and at least five of them do.
	awk "$AWK_FIELD"'
	NR == 1 { first = num("seq") }
	{ seq = num("seq")
	  if (NR > 1 && seq != prev + 1) { print "# gap at " seq; bad = 1 }
	  prev = seq }
	/ stage=top / { tops++; topseen[seq] = 1 }
	/ stage=workqueue / { top = num("top")
	  if (top >= seq || (top >= first && !(top in topseen))) { print "# bad top: " $0; bad = 1 }
	  if (top in topseen) works++ }
	END { if (tops < 5 || works < 5) { print "# tops=" tops " works=" works; bad = 1 }; exit bad }
	' "$TMP/ctx"
}

# Plain cat (and head) on the node, as a user would. Top halves only
# (bh=none): no late bottom half lands in the next test's reads.
test_cat() {
	ctl bh=none
	ctl start
	bounded cat "$DEV" | head -n 4 >"$TMP/cat"
	ctl stop
	[ "$(grep -c '^seq=[0-9]* src=hrtimer stage=' "$TMP/cat")" = 4 ]
}

test_nonblock() {
	[ "$("$IO" read -n)" = "errno=EAGAIN (read: Resource temporarily unavailable)" ]
}

test_signal() {
	[ "$("$IO" signal)" = errno=EINTR ]
}

# Reads return whole lines only, whatever the buffer size; a buffer too
# small for one line gets EINVAL.
test_bufsizes() {
	"$IO" read -b 16 | grep -q '^errno=EINVAL' &
	local small=$!
	ctl period_us=1000
	ctl start
	wait $small || return 1
	for size in 384 400 1000 4096 65536; do
		bounded "$IO" read -b $size -l 30 >"$TMP/buf" || { ctl stop; return 1; }
		# Every line complete: it ends with the last field.
		grep -v -q ' nvcsw=[0-9]* stack=[a-z]* stack_used=[0-9]*$' "$TMP/buf" && { ctl stop; return 1; }
	done
	ctl stop
}

test_period() {
	ctl period_us=5000
	ctl start
	bounded "$IO" read -l 60 | grep ' stage=top ' | head -n 20 >"$TMP/period"
	ctl stop
	ctl period_us=100000
	# The programmed expiry (t_ns - delay_ns) advances by whole 5 ms periods
	# (hrtimer_forward); a late callback (a slow or loaded guest) skips
	# whole periods, so the smallest step is what tells 5 ms from the
	# 100 ms default.
	awk "$AWK_FIELD"'{ e = num("t_ns") - num("delay_ns")
		if (NR > 1) {
			step = e - prev
			if (step % 5000000 != 0 || step <= 0) { print "# step " step; bad = 1 }
			if (min == 0 || step < min) min = step
		}
		prev = e }
	END { print "# " NR " expiries, smallest step " min " ns"; exit bad || NR != 20 || min >= 100000000 }' "$TMP/period"
}

# The hrtimer is pinned to the CPU of the task that started it: a user
# picks the timer's CPU by pinning the writer.
test_timer_cpu() {
	local cpu
	for cpu in 0 1; do
		taskset -c $cpu sh -c "echo start >$DEV" || return 1
		bounded "$IO" read -l 12 | grep ' src=hrtimer stage=top ' | head -n 4 >"$TMP/cpu"
		ctl stop
		[ "$(wc -l <"$TMP/cpu")" = 4 ] || return 1
		if grep -v -q " cpu=$cpu " "$TMP/cpu"; then
			echo "# started on CPU $cpu:"
			sed 's/^/# /' "$TMP/cpu"
			return 1
		fi
	done
}

# Every write is parsed whole before anything is carried out: a write with
# one bad line gets EINVAL and changes nothing (neither the timer's period
# nor its state, which the statistics show), and an empty write is
# invalid too. The rejections, made in one burst from one process, log one
# (rate-limited) line.
test_bad_writes() {
	mark_dmesg
	local long before
	long=$(printf '%0300d' 0)
	before=$(grep '^hrtimer=' "$STATS")
	"$IO" write bogus "period_us=abc" "period_us=1" "period_us=99999999999" "" \
		irqs_off=0 irqs_off=10001 reset_latency=1 \
		"$long" "$(printf 'period_us=5000\nbogus')" "$(printf 'start\nbogus')" \
		"$(printf 'start\nstart\nstart\nstart\nstart\nstart\nstart\nstart\nstart')" >"$TMP/bad"
	if grep -v '^errno=EINVAL ' "$TMP/bad" | grep .; then
		echo "# a write not refused with EINVAL (above); all of them:"
		sed 's/^/#   /' "$TMP/bad"
		return 1
	fi
	[ "$(wc -l <"$TMP/bad")" = 12 ] || return 1
	# Nothing changed: the statistics say so, and the module still works.
	echo "# before: $before; after: $(grep '^hrtimer=' "$STATS")"
	[ "$(grep '^hrtimer=' "$STATS")" = "$before" ] || return 1
	case $before in "hrtimer=stopped period_us=100000"*) ;; *) return 1 ;; esac
	# One log line, naming the reason.
	new_dmesg | grep 'irqctx: rejected write' | sed 's/^/# /'
	[ "$(new_dmesg | grep -c 'irqctx: rejected write')" = 1 ] || return 1
	ctl start
	bounded "$IO" read -l 2 >/dev/null || return 1
	ctl stop
}

# A wake-up without a record (write "wake"): the reader re-checks, sleeps
# again and returns only with a record; the wake-up is counted (rechecks).
rechecks() { stat_field rechecks; }
test_recheck() {
	ctl bh=none
	local before=$(rechecks) sleeps=$(stat_field sleeps)
	"$IO" read -l 1 >"$TMP/rc" &
	local r=$!
	wait_for asleep $r || return 1
	ctl wake
	# Woken (running), then asleep again, with nothing read.
	wait_for asleep $r && kill -0 $r && [ ! -s "$TMP/rc" ] || return 1
	ctl irq_work=1
	wait_job $r && grep -q 'src=irq_work stage=top' "$TMP/rc" || return 1
	# One sleep (the wait the spurious wake-up did not end), one recheck.
	echo "# rechecks $before -> $(rechecks), sleeps $sleeps -> $(stat_field sleeps)"
	[ "$(rechecks)" = $((before + 1)) ] && [ "$(stat_field sleeps)" = $((sleeps + 1)) ]
}

# A reader that falls behind the ring is told how many records it lost,
# then gets the ring's 256 newest records: lost + 256 is exactly what it
# was owed (every hrtimer top half since its open, bh=none), and the
# statistics count the open file and the loss.
test_lost() {
	ctl bh=none
	local tops lost readers lost_before=$(stat_field lost) records first last
	tops=$(stat_source hrtimer)
	exec 3<"$DEV"
	readers=$(stat_field readers)
	ctl period_us=500
	ctl start
	bounded "$IO" read -l 600 >/dev/null   # meanwhile fd 3 falls 600 records behind
	ctl stop
	tops=$(($(stat_source hrtimer) - tops))
	# Everything fd 3 holds, without blocking: the read ends at EAGAIN.
	"$IO" read -F 3 -n -l 1000000 >"$TMP/lost"
	exec 3<&-
	ctl period_us=100000
	lost=$(sed -n '1s/^lost=//p' "$TMP/lost")
	records=$(grep -c '^seq=' "$TMP/lost")
	first=$(sed -n '2s/^seq=\([0-9]*\) .*/\1/p' "$TMP/lost")
	last=$(grep '^seq=' "$TMP/lost" | tail -n 1 | sed 's/^seq=\([0-9]*\) .*/\1/')
	echo "# owed $tops, read lost=${lost:-none} then $records records (seq $first..$last); readers=$readers with it open; lost $lost_before -> $(stat_field lost)"
	[ -n "$lost" ] && [ "$records" = 256 ] && [ $((last - first + 1)) = 256 ] &&
		[ $((lost + records)) = "$tops" ] && [ "$(tail -n 1 "$TMP/lost" | cut -d' ' -f1)" = errno=EAGAIN ] || return 1
	[ "$readers" = 1 ] && [ "$(stat_field readers)" = 0 ] && [ "$(stat_field lost)" = $((lost_before + lost)) ]
}

# The device is a stream: pwrite() fails with ESPIPE and carries nothing
# out. select() reports it readable exactly when a read would not block.
test_stream() {
	ctl bh=none
	local before=$(stat_source irq_work) out
	[ "$("$IO" pwrite irq_work=1 | cut -d' ' -f1)" = errno=ESPIPE ] || return 1
	[ "$(stat_source irq_work)" = "$before" ] || { echo "# the pwrite was carried out"; return 1; }
	# A fresh file has nothing to read: select() times out (a bound on
	# something that must not happen).
	[ "$("$IO" select 200)" = timeout ] || return 1
	"$IO" select 10000 >"$TMP/sel" &
	local s=$!
	wait_for asleep $s || return 1
	ctl irq_work=1
	wait $s || return 1
	out=$(cat "$TMP/sel")
	echo "# select after irq_work=1: $out"
	case $out in "readable ret="[1-9]*) ;; *) return 1 ;; esac
}

# comm shows spaces and "=" as "_": the irq_work top half interrupts the
# task that queued it (its writer), here one named "a b=c".
test_comm() {
	ctl bh=none
	cp "$IO" "$TMP/a b=c"
	start_reader "$TMP/comm" -u 'src=irq_work stage=top ' || return 1
	"$TMP/a b=c" write irq_work=1 >/dev/null && wait_reader || return 1
	grep 'src=irq_work stage=top ' "$TMP/comm" | sed 's/.*\( comm=[^ ]*\).*/#\1/'
	check_lines "$TMP/comm" && grep -q 'src=irq_work stage=top .* comm=a_b_c ' "$TMP/comm"
}

# The load parameters are checked at load: out of range (period_us
# 100..10000000, edu_irq msi or intx) fails the load with EINVAL, and
# nothing is left behind.
test_params() {
	local p rc=0
	rmmod irqctx || return 1
	for p in period_us=99 period_us=10000001 period_us=abc edu_irq=bogus; do
		if load $p 2>/dev/null; then
			echo "# loaded with $p"
			rmmod irqctx
			rc=1
		fi
		[ ! -e /sys/module/irqctx ] && [ ! -e "$DEV" ] || rc=1
	done
	# The edges load.
	load period_us=100 && grep -q '^hrtimer=stopped period_us=100$' "$STATS" && rmmod irqctx &&
		load period_us=10000000 && grep -q '^hrtimer=stopped period_us=10000000$' "$STATS" || rc=1
	# Whatever happened, the next test finds the module loaded as usual.
	[ ! -e /sys/module/irqctx ] || rmmod irqctx
	load && return $rc
}

# period_us= restarts a running timer at once with the new period: from a
# 10 s period, the first expiry after period_us=100000 comes 100 ms after
# it (an irq_work queued in the same write marks the time), not 10 s after
# the start. Both records are read from a file opened before.
irq_work_t_ns() {	# irq_work_t_ns FILE N: the t_ns of the Nth irq_work top half
	sed -n 's/.* src=irq_work stage=top .* t_ns=\([0-9]*\) .*/\1/p' "$1" | sed -n "${2}p"
}
first_expiry() {	# the programmed expiry of the first hrtimer top half in FILE
	awk "$AWK_FIELD"'/ src=hrtimer stage=top / { print num("t_ns") - num("delay_ns"); exit }' "$1"
}
test_period_restart() {
	ctl bh=none
	local works=$(stat_source irq_work) ticks=$(stat_source hrtimer) mark e rc=0
	ctl period_us=10000000
	exec 3<"$DEV"
	ctl start
	printf 'period_us=100000\nirq_work=1\n' >"$DEV"
	wait_for stat_source_gt hrtimer "$ticks" && wait_for stat_source_gt irq_work "$works" || rc=1
	ctl stop
	"$IO" read -F 3 -n -l 1000000 >"$TMP/pr"
	exec 3<&-
	[ $rc = 0 ] || { echo "# no hrtimer or irq_work top half"; return 1; }
	mark=$(irq_work_t_ns "$TMP/pr" 1) e=$(first_expiry "$TMP/pr")
	echo "# first expiry $(((e - mark) / 1000000)) ms after period_us=100000"
	[ -n "$mark" ] && [ -n "$e" ] && [ $((e - mark)) -lt 1000000000 ]
}

# start on a running timer restarts it: its next expiry is a whole period
# after the second start (each start marked by an irq_work queued in the
# same write), not after the first. Period 2 s, the second start over 1 s
# after the first (that gap is the test's condition, not a wait for an
# event).
test_start_restart() {
	ctl bh=none
	local works=$(stat_source irq_work) ticks=$(stat_source hrtimer) t0 t1 e t rc=0
	ctl period_us=2000000
	exec 3<"$DEV"
	printf 'start\nirq_work=1\n' >"$DEV"
	wait_for stat_source_gt irq_work "$works" || rc=1
	t=$(up_cs)
	while [ $(up_cs) -lt $((t + 110)) ]; do usleep 20000; done
	printf 'start\nirq_work=1\n' >"$DEV"
	wait_for stat_source_gt irq_work $((works + 1)) && wait_for stat_source_gt hrtimer "$ticks" || rc=1
	ctl stop
	ctl period_us=100000
	"$IO" read -F 3 -n -l 1000000 >"$TMP/sr"
	exec 3<&-
	[ $rc = 0 ] || { echo "# no hrtimer or irq_work top half"; return 1; }
	t0=$(irq_work_t_ns "$TMP/sr" 1) t1=$(irq_work_t_ns "$TMP/sr" 2) e=$(first_expiry "$TMP/sr")
	[ -n "$t0" ] && [ -n "$t1" ] && [ -n "$e" ] || return 1
	echo "# starts $(((t1 - t0) / 1000000)) ms apart; first expiry $(((e - t1) / 1000000)) ms after the second"
	# A guest starved by its host can come to the second start after the
	# first expiry was due (2 s): nothing was left to restart.
	[ $((t1 - t0)) -lt 2000000000 ] || return 4
	[ $((t1 - t0)) -gt 1000000000 ] && [ $((e - t1)) -gt 1500000000 ]
}

# The latency histograms agree with the records: after reset_latency, N
# irq_work top halves give count=N, max_ns is the largest delay_ns read, and
# p50_ns is the upper end of the bucket holding the records' median (less
# than 1/32 above it), each bucket of latency_buckets holds exactly the
# records in its range; the cost histogram counts the same N.
latency() {	# latency METRIC SOURCE STAGE FIELD
	sed -n "s/^metric=$1 source=$2 stage=$3 .*\b$4=\([0-9]*\).*/\1/p" \
		/sys/kernel/debug/irqctx/latency
}
test_latency() {
	ctl bh=none
	ctl reset_latency
	[ "$(latency delay irq_work top count)" = 0 ] && [ "$(latency cost irq_work top count)" = 0 ] ||
		return 1
	start_reader "$TMP/lat" -l 101 || return 1
	ctl irq_work=101
	wait_reader || return 1
	sed -n 's/.* delay_ns=\([0-9]*\) .*/\1/p' "$TMP/lat" | sort -n >"$TMP/delays"
	local n median max p50
	n=$(wc -l <"$TMP/delays") median=$(sed -n 51p "$TMP/delays") max=$(tail -n 1 "$TMP/delays")
	p50=$(latency delay irq_work top p50_ns)
	echo "# $n records: median $median max $max; histogram: p50 $p50 max $(latency delay irq_work top max_ns)"
	[ "$n" = 101 ] && [ "$(latency delay irq_work top count)" = 101 ] &&
		[ "$(latency delay irq_work top max_ns)" = "$max" ] &&
		[ "$p50" -ge "$median" ] && [ "$p50" -le $((median + median / 32 + 1)) ] &&
		[ "$(latency cost irq_work top count)" = 101 ] || return 1
	# Each bucket holds exactly the records whose delay_ns lies in
	# [lo_ns, hi_ns), and the buckets hold all 101.
	sed -n 's/^metric=delay source=irq_work stage=top lo_ns=\([0-9]*\) hi_ns=\([0-9]*\) count=\([0-9]*\)$/\1 \2 \3/p' \
		/sys/kernel/debug/irqctx/latency_buckets >"$TMP/buckets"
	awk 'NR == FNR { d[NR] = $1; n = NR; next }
	     { in_b = 0; for (i = 1; i <= n; i++) if (d[i] >= $1 && d[i] < $2) in_b++
	       if (in_b != $3) { printf "# bucket [%s, %s): count=%s, %d records in it\n", $1, $2, $3, in_b; bad = 1 }
	       sum += $3 }
	     END { printf "# %d buckets, %d records in them\n", FNR, sum; exit bad || sum != 101 }' \
		"$TMP/delays" "$TMP/buckets"
}

# While a reader holds the device open, rmmod is refused and the reader
# keeps working; right after the last close it succeeds, timer running.
test_rmmod() {
	"$IO" read -l 3 >"$TMP/rm" &
	local reader=$!
	wait_for refcnt_is 1 && wait_for asleep $reader || return 1
	rmmod irqctx 2>/dev/null && return 1
	[ -c "$DEV" ] && refcnt_is 1 || return 1
	ctl period_us=2000
	ctl start
	wait_job $reader || return 1
	[ "$(grep -c '^seq=' "$TMP/rm")" -ge 3 ] || return 1
	# The timer is still firing and queueing work: unload now.
	rmmod irqctx && [ ! -e /sys/module/irqctx ] && [ ! -e "$DEV" ] || return 1
	load
}

ktap_print_header
# comm escaping shows in a top half interrupting its writer: on PREEMPT_RT
# no stage runs in a user task's context, and the test is not planned.
ktap_set_plan $((18 + (RT == 0)))
ktap_test_result "module loads, /dev/irqctx is a root-only misc device" test_node
[ -c "$DEV" ] || ktap_exit_fail_msg "no $DEV"
ktap_test_result "top halves in hardirq (PREEMPT_RT: their threads), workqueue stages in a kworker" test_contexts
ktap_test_result "cat shows event lines" test_cat
ktap_test_result "O_NONBLOCK read with nothing pending gets EAGAIN" test_nonblock
ktap_test_result "a signal interrupts a blocked read" test_signal
ktap_test_result "reads return whole lines; a too small buffer gets EINVAL" test_bufsizes
ktap_test_result "period_us changes the hrtimer period at run time" test_period
ktap_test_result "the hrtimer fires on the CPU of the task that started it" test_timer_cpu
ktap_test_result "bad and oversized writes get EINVAL, change nothing, log once" test_bad_writes
ktap_test_result "a wake-up without a record: the reader re-checks and sleeps again" test_recheck
ktap_test_result "a reader that falls behind is told how many records it lost, then gets the ring's 256" test_lost
ktap_test_result "a stream: pwrite gets ESPIPE; select reports a record" test_stream
[ $RT = 0 ] && ktap_test_result "comm shows spaces and = as _" test_comm
ktap_test_result "load parameters out of range fail the load" test_params
ktap_test_result "period_us= restarts a running timer at once" test_period_restart
result_or_skip "start restarts a running timer" "the second start always came after the first expiry" test_start_restart
ktap_test_result "latency histograms agree with the records' delays" test_latency
ktap_test_result "rmmod refused while a reader is open, clean right after close" test_rmmod
ktap_test_result "dmesg holds no BUG, WARNING, lockdep report or call trace" test_no_splats
rmmod irqctx
rm -rf "$TMP"
ktap_finished
