#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of scripts/timeline.sh: records one scenario with the kernel's
# tracer and irqctx's events on, then prints the trace on the console
# between "@trace begin" and "@trace end" for the host to take.
#
#   guest.sh SCENARIO        edu | irqs-off | sleep_in_bh
set -u
T=/sys/kernel/tracing
say() { echo "@timeline $*" >/dev/kmsg; echo "@timeline $*"; }
die() { say "error: $*"; exit 1; }

scenario=${1:-edu}
args=
[ "$scenario" = sleep_in_bh ] && args=allow_misuse=1
insmod /irqctx/irqctx.ko $args || die "insmod irqctx.ko failed"
[ -d $T/events ] || mount -t tracefs nodev $T || die "no tracefs"

echo 0 >$T/tracing_on
echo mono >$T/trace_clock
echo 4096 >$T/buffer_size_kb
for e in irqctx irq irq_vectors/local_timer_entry irq_vectors/local_timer_exit \
	irq_vectors/irq_work_entry irq_vectors/irq_work_exit \
	timer/hrtimer_expire_entry timer/hrtimer_expire_exit \
	workqueue/workqueue_execute_start workqueue/workqueue_execute_end \
	sched/sched_switch sched/sched_wakeup sched/sched_waking; do
	[ -e "$T/events/$e/enable" ] && echo 1 >"$T/events/$e/enable"
done

# The reader, pinned to CPU 0, and its read() and write() calls (where the
# kernel has syscall events).
taskset -c 0 cat /dev/irqctx >/tmp/records &
READER=$!
for s in sys_enter_read sys_exit_read sys_enter_sendfile64 sys_exit_sendfile64; do
	f=$T/events/syscalls/$s
	[ -d "$f" ] && echo "common_pid == $READER" >"$f/filter" && echo 1 >"$f/enable"
done
for s in sys_enter_write sys_exit_write; do
	f=$T/events/syscalls/$s
	[ -d "$f" ] && echo "common_pid != $READER" >"$f/filter" && echo 1 >"$f/enable"
done
until grep -q '^[^)]*) S' /proc/$READER/stat; do usleep 1000; done

has() { grep -q "$1" /tmp/records; }
wait_for() {	# wait_for PATTERN: until the reader got a line matching it, 30 s at most
	local i=0
	while ! has "$1"; do
		i=$((i + 1))
		[ $i -gt 3000 ] && die "no record matching '$1'"
		usleep 10000
	done
}

echo 1 >$T/tracing_on
case $scenario in
edu)
	# One edu interrupt through every bottom half.
	echo bh=workqueue,bh,thread >/dev/irqctx
	echo raise=1 >/dev/irqctx
	wait_for ' src=edu stage=thread '
	wait_for ' src=edu stage=workqueue '
	wait_for ' src=edu stage=bh '
	;;
irqs-off)
	# The hrtimer on CPU 1 every ms; 10 ms with interrupts off there: the
	# expiry waits for the section's end (the seeds' latency argument).
	echo bh=none >/dev/irqctx
	echo period_us=1000 >/dev/irqctx
	taskset -c 1 sh -c 'echo start >/dev/irqctx'
	wait_for ' src=hrtimer stage=top '
	taskset -c 1 sh -c 'echo irqs_off=10000 >/dev/irqctx'
	taskset -c 1 sh -c 'echo irq_work=1 >/dev/irqctx'
	wait_for ' src=irq_work stage=top '
	echo stop >/dev/irqctx
	;;
sleep_in_bh)
	# A bottom half (the BH workqueue, softirq context) that sleeps: what
	# the CPUs did until the detector spoke.
	echo misuse=sleep_in_bh >/dev/irqctx
	;;
*)
	die "unknown scenario $scenario (edu, irqs-off, sleep_in_bh)"
	;;
esac
echo 0 >$T/tracing_on
kill $READER
echo "@trace begin"
cat $T/trace
echo "@trace end"
say "done"
