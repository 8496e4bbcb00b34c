#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# irqctx and the kernel's tracer: the module's trace events are there, off
# costs nothing visible, and every stage's record agrees with what the
# kernel's own events say of the same moment (trace_oracle.awk): its
# context, its CPU, the task the scheduler had there, and the bracket
# (hardirq handler, timer expiry, softirq, work item, IRQ thread) it ran in.

. "$(dirname "$0")/lib.sh"

TRACING=/sys/kernel/tracing
# The kernel's events the oracle reads, with irqctx's.
EVENTS="irqctx/irqctx_stage irq/irq_handler_entry irq/irq_handler_exit
irq/softirq_entry irq/softirq_exit irq_vectors/local_timer_entry
irq_vectors/local_timer_exit irq_vectors/irq_work_entry irq_vectors/irq_work_exit
timer/hrtimer_expire_entry timer/hrtimer_expire_exit
workqueue/workqueue_execute_start workqueue/workqueue_execute_end sched/sched_switch"

tracing_off() {
	echo 0 >$TRACING/tracing_on
	echo 0 >$TRACING/events/enable
}

# The events are in tracefs (mounted here if it is not), with the fields
# their format promises.
test_events() {
	[ -d $TRACING/events ] || mount -t tracefs nodev $TRACING || return 1
	local e
	for e in $EVENTS irqctx/irqctx_misuse; do
		[ -d "$TRACING/events/$e" ] || { echo "# no event $e"; return 1; }
	done
	grep -q 'field:u64 seq;' $TRACING/events/irqctx/irqctx_stage/format &&
		grep -q 'print fmt: "seq=%llu src=%s stage=%s ctx=%s cpu=%u pid=%d top=%llu batch=%u delay_ns=%lld"' \
			$TRACING/events/irqctx/irqctx_stage/format &&
		grep -q '__data_loc char\[\] name;' $TRACING/events/irqctx/irqctx_misuse/format
}

# Every source through every bottom half, traced with the kernel's events
# (clock mono, the records' t_ns clock), while a reader takes the records;
# the reader ends before tracing does, so each record it got has its event.
have_all() {
	local c
	for c in "src=hrtimer stage=top" "src=hrtimer stage=workqueue" "src=hrtimer stage=bh" \
		"src=irq_work stage=top" "src=irq_work stage=workqueue" "src=irq_work stage=bh" \
		"src=edu stage=top" "src=edu stage=workqueue" "src=edu stage=bh" "src=edu stage=thread"; do
		grep -q " $c " "$TMP/rec" || return 1
	done
}
test_traced_run() {
	local e rc=0
	tracing_off
	echo > $TRACING/trace
	echo mono >$TRACING/trace_clock
	echo 8192 >$TRACING/buffer_size_kb
	for e in $EVENTS; do echo 1 >"$TRACING/events/$e/enable" || return 1; done
	echo 1 >$TRACING/tracing_on
	ctl bh=workqueue,bh,thread
	start_reader "$TMP/rec" -l 1000000 || rc=1
	if [ $rc = 0 ]; then
		ctl period_us=20000 && ctl start && ctl irq_work=10 && ctl raise=10 && ctl factorial=5 || rc=1
		wait_for have_all || { echo "# not every source x stage within the bound"; rc=1; }
		ctl stop
	fi
	kill $READER
	wait $READER 2>/dev/null
	tracing_off
	cat $TRACING/trace >"$TMP/trace"
	echo "# $(grep -c '^seq=' "$TMP/rec") records read, $(grep -c ': irqctx_stage: ' "$TMP/trace") stage events and $(grep -vc '^#' "$TMP/trace") events in all traced"
	return $rc
}

# Each stage against the kernel's events (trace_oracle.awk says what).
test_oracle() {
	awk -f "$DIR/trace_oracle.awk" "$TMP/rec" "$TMP/trace"
}

# Off means off: with irqctx's events disabled, records are made and no
# event is written.
test_off() {
	local before
	tracing_off
	echo > $TRACING/trace
	echo 1 >$TRACING/tracing_on
	before=$(stat_source irq_work)
	ctl bh=none && ctl irq_work=20 || return 1
	tracing_off
	[ "$(stat_source irq_work)" = $((before + 20)) ] &&
		! grep -q irqctx_stage $TRACING/trace
}

# A misuse case's steps: trigger in the writer, fire where its wrong step
# runs (irqs_off_long: interrupts off in the writer, which the tracer's
# flags column shows). No report: the case holds interrupts off 20 ms.
test_misuse_event() {
	rmmod irqctx && load allow_misuse=1 || return 1
	tracing_off
	echo > $TRACING/trace
	echo 1 >$TRACING/events/irqctx/irqctx_misuse/enable
	echo 1 >$TRACING/tracing_on
	ctl misuse=irqs_off_long
	local rc=$?
	tracing_off
	grep ': irqctx_misuse: ' $TRACING/trace | sed 's/^/# /'
	[ $rc = 0 ] &&
		[ "$(grep -c ': irqctx_misuse: case=irqs_off_long step=trigger$' $TRACING/trace)" = 1 ] &&
		[ "$(grep -E -c ' d[^ ]* +[0-9.]+: irqctx_misuse: case=irqs_off_long step=fire$' $TRACING/trace)" = 1 ]
}

ktap_print_header
ktap_set_plan 6
load || ktap_exit_fail_msg "insmod failed"
ktap_test_result "irqctx's trace events are in tracefs, with their format" test_events
ktap_test_result "every source through every bottom half, traced beside the kernel's events" test_traced_run
ktap_test_result "every stage lies where the kernel's events say it ran: context, CPU, task, bracket" test_oracle
ktap_test_result "with irqctx's events off, records are made and no event is traced" test_off
ktap_test_result "a misuse case traces its trigger, and its wrong step where it runs" test_misuse_event
rmmod irqctx
ktap_test_result "dmesg holds no BUG, WARNING, lockdep report or call trace" test_no_splats
rm -rf "$TMP"
ktap_finished
