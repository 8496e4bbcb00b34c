#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of scripts/bench.sh: every measurement in one boot. Writes its
# results to /tmp/bench and prints them at the end between "@file NAME" lines
# for the host to pick up from the console; the host computes the figures.
# Settings come from /irqctx/bench.env (see scripts/bench.sh).
. /irqctx/bench.env
OUT=/tmp/bench
DBG=/sys/kernel/debug/irqctx
LAT=/irqctx/irqctx_lat
mkdir -p "$OUT"

say() { echo "@bench $*" >/dev/kmsg; echo "@bench $*"; }
die() { say "error: $*"; exit 1; }

insmod /irqctx/irqctx.ko || die "insmod irqctx.ko failed"
edu=0
grep -q "^edu=bound" "$DBG/stats" && edu=1

# Two CPU hogs that also enter the kernel all the time: the "load" runs.
load_start() {
	dd if=/dev/zero of=/dev/null bs=64k 2>/dev/null &
	LOAD1=$!
	dd if=/dev/zero of=/dev/null bs=64k 2>/dev/null &
	LOAD2=$!
}
load_stop() {
	kill "$LOAD1" "$LOAD2"
	wait "$LOAD1" "$LOAD2" 2>/dev/null
}

# -- P1 step by step (bench.sh --steps): both tools traced -------------------
# One run of each on CPU 0, as P1's first half runs them, with the kernel's
# timer, scheduler and system-call events and irqctx's on (CPU 0 only);
# steps.awk turns each trace into one line of steps per expiry.
if [ "${STEPS:-0}" = 1 ]; then
	T=/sys/kernel/tracing
	[ -d $T/events ] || mount -t tracefs nodev $T || die "no tracefs"
	[ -d $T/events/syscalls ] || die "this kernel has no system-call events"
	echo mono >$T/trace_clock
	echo 1 >$T/tracing_cpumask
	echo 16384 >$T/buffer_size_kb
	for e in timer/hrtimer_expire_entry timer/hrtimer_expire_exit irqctx/irqctx_stage \
		sched/sched_waking sched/sched_switch syscalls/sys_exit_read \
		syscalls/sys_exit_clock_nanosleep; do
		echo 1 >"$T/events/$e/enable" || die "cannot enable $e"
	done
	for tool in cyclictest irqctx_lat; do
		say "P1 steps: $tool, $LOOPS loops, traced"
		echo >$T/trace
		# cyclictest's expiry comes from hrtimer_start, in its task before
		# it sleeps; irqctx's from its record (its re-arm is inside the
		# interrupt, where the event would add to the path measured).
		[ $tool = cyclictest ] && on=1 || on=0
		echo $on >$T/events/timer/hrtimer_start/enable
		echo 1 >$T/tracing_on
		if [ $tool = cyclictest ]; then
			/usr/bin/cyclictest -m -p 90 -i 1000 -l "$LOOPS" -a 0 -q >"$OUT/steps-$tool.txt" 2>&1
		else
			taskset -c 0 $LAT read -p 90 -n "$LOOPS" -s hrtimer \
				-c 'bh=none\nperiod_us=1000\nreset_latency\nstart' -C stop >"$OUT/steps-$tool.txt"
		fi || die "$tool failed: $(cat "$OUT/steps-$tool.txt")"
		echo 0 >$T/tracing_on
		grep -q "overrun: [1-9]" $T/per_cpu/cpu0/stats && die "the trace buffer overran"
		grep -m 20 -B2 -A4 "function=hrtimer_wakeup\|irqctx_stage" $T/trace >"$OUT/steps-$tool.head"
		awk -v tool=$tool -f /irqctx/steps.awk $T/trace >"$OUT/steps-$tool.us" ||
			die "steps.awk failed"
	done
	dmesg | grep -E "BUG:|WARNING:|Call Trace" >"$OUT/splats.txt"
	say "done"
	for f in "$OUT"/steps-* "$OUT/splats.txt"; do
		echo "@file $(basename "$f")"
		cat "$f"
	done
	echo "@end"
	exit 0
fi

# -- P1: cyclictest and irqctx's hrtimer, same period and priority -----------
# Rounds alternate the two tools so that drift in the host's load hits both.
# cyclictest runs on CPU 0 (-a 0; its timer fires where it sleeps), so that
# the two compare on one vCPU. irqctx runs twice a round, its reader pinned
# to CPU 0: with the timer on
# the reader's CPU (the reader starts it: the timer is pinned to the CPU
# that starts it), and on the other one (started from CPU 1 first), where
# the reader is woken across CPUs.
for load in idle load; do
	[ "$load" = load ] && load_start
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		say "P1 $load round $r/$ROUNDS: cyclictest, then irqctx ($LOOPS loops each)"
		/usr/bin/cyclictest -m -p 90 -i 1000 -l "$LOOPS" -a 0 -h 100000 -q \
			--histfile="$OUT/p1-$load-$r-cyclictest.hist" >"$OUT/p1-$load-$r-cyclictest.txt" 2>&1 ||
			die "cyclictest failed: $(cat "$OUT/p1-$load-$r-cyclictest.txt")"
		taskset -c 0 $LAT read -p 90 -n "$LOOPS" -s hrtimer \
			-c 'bh=none\nperiod_us=1000\nreset_latency\nstart' \
			-C stop -o "$OUT/p1-$load-$r-irqctx.hist" >"$OUT/p1-$load-$r-irqctx.txt" ||
			die "irqctx_lat failed: $(cat "$OUT/p1-$load-$r-irqctx.txt")"
		grep "^metric=delay source=hrtimer stage=top " "$DBG/latency_buckets" \
			>"$OUT/p1-$load-$r-handler.buckets"
		taskset -c 1 sh -c "printf 'bh=none\nperiod_us=1000\nstart\n' >/dev/irqctx" ||
			die "starting the timer on CPU 1 failed"
		taskset -c 0 $LAT read -p 90 -n "$LOOPS" -s hrtimer -C stop \
			-o "$OUT/p1-$load-$r-other.hist" >"$OUT/p1-$load-$r-other.txt" ||
			die "irqctx_lat failed: $(cat "$OUT/p1-$load-$r-other.txt")"
		r=$((r + 1))
	done
	[ "$load" = load ] && load_stop
done

# What a read() of a record that is already there costs, next to a system
# call that does nothing: the part of P1 after the reader is running.
for r in 1 2 3; do
	$LAT readcost >>"$OUT/p1-readcost.txt" || die "irqctx_lat readcost failed"
done

# -- Stages: every source x bottom half, clean and with interrupts-off
# sections injected ----------------------------------------------------------
# All on CPU 0, where the sections are injected: the hrtimer fires on the
# CPU that started it, the irq_work on the one that queued it, the edu
# device's interrupts are steered there. An interrupt due during a section
# is taken when it ends.
EDU_IRQS=$(sed -n 's/^edu=bound .* irq=\([0-9]*\) .*/\1/p' "$DBG/stats")
for irq in $EDU_IRQS; do
	echo 1 >"/proc/irq/$irq/smp_affinity" || die "cannot steer irq $irq to CPU 0"
done
for mode in clean irqsoff; do
	say "stages $mode: hrtimer x $STAGE_LOOPS, irq_work x $BURST, raise x $BURST"
	printf 'reset_latency\nbh=workqueue,bh,thread\nperiod_us=1000\n' >/dev/irqctx
	if [ "$mode" = irqsoff ]; then
		taskset -c 0 $LAT inject "$INJECT_US" "$INJECT_PERIOD_US" >"$OUT/stages-inject.txt" &
		INJ=$!
	fi
	taskset -c 0 $LAT read -n "$STAGE_LOOPS" -s hrtimer -c start -C stop \
		>"$OUT/stages-$mode-reader.txt" || die "irqctx_lat failed"
	taskset -c 0 sh -c "echo irq_work=$BURST >/dev/irqctx" || die "irq_work=$BURST failed"
	if [ "$edu" = 1 ]; then
		taskset -c 0 sh -c "echo raise=$BURST >/dev/irqctx" || die "raise=$BURST failed"
	fi
	if [ "$mode" = irqsoff ]; then
		kill "$INJ"
		wait "$INJ"
	fi
	# (The deferred stages of the last few top halves may still be queued:
	# they are missing from the counts, not from the distributions' shape.)
	cp "$DBG/latency" "$OUT/stages-$mode.txt"
	cp "$DBG/latency_buckets" "$OUT/stages-$mode.buckets"
done

# -- P2: the top half's own cost: irqctx, its C twin, an empty handler -------
# On CPU 0 as well, edu interrupts still steered there: every timer is
# started there and the writer runs there, so that each handler interrupts
# the writer's own vCPU. (An edu handler on the other vCPU would wait in its
# MMIO accesses for QEMU's device lock while the writer's vCPU holds it:
# that measures QEMU, not the handler.)
# Rounds alternate irqctx and its C twin, each loaded afresh, so that a
# ratio compares two runs seconds apart: under TCG one run's median moves
# by a third from one few seconds to the next, and one round's ratio
# anywhere from 0.7 to 2 (the same twin module, loaded again, took 2.2 to
# 3.8 us at p50 in one boot): many short rounds, not a few long ones.
say "P2: top-half cost, irqctx (its trace event off, then on) and its C twin alternating ($P2_ROUNDS rounds of ${P2_SECONDS}s each), then an empty handler"
TRACEFS=/sys/kernel/tracing
[ -d $TRACEFS/events ] || mount -t tracefs nodev $TRACEFS 2>/dev/null || TRACEFS=
[ -n "$TRACEFS" ] && echo > $TRACEFS/trace
twin_run() { # NAME EMPTY
	taskset -c 0 insmod /irqctx/irqctx_twin.ko period_us=1000 empty=$2 ||
		die "insmod irqctx_twin.ko failed"
	sleep "$P2_SECONDS"
	grep "^metric=cost " /sys/kernel/debug/irqctx_twin/latency >"$OUT/p2-$1.txt"
	rmmod irqctx_twin
}
round=1
while [ "$round" -le "$P2_ROUNDS" ]; do
	[ "$round" = 1 ] || insmod /irqctx/irqctx.ko || die "insmod irqctx.ko failed"
	taskset -c 0 sh -c "printf 'reset_latency\nbh=none\nperiod_us=1000\nstart\n' >/dev/irqctx"
	sleep "$P2_SECONDS"
	echo stop >/dev/irqctx
	if [ "$round" = "$P2_ROUNDS" ]; then
		taskset -c 0 sh -c "echo irq_work=$BURST >/dev/irqctx" || die "irq_work=$BURST failed"
		if [ "$edu" = 1 ]; then
			taskset -c 0 sh -c "echo raise=$BURST >/dev/irqctx" || die "raise=$BURST failed"
		fi
	fi
	grep "^metric=cost " "$DBG/latency" >"$OUT/p2-rust-$round.txt"
	# The same with irqctx's irqctx_stage event on (its cost when traced).
	if [ -n "$TRACEFS" ]; then
		echo 1 >"$TRACEFS/events/irqctx/irqctx_stage/enable"
		taskset -c 0 sh -c "printf 'reset_latency\nstart\n' >/dev/irqctx"
		sleep "$P2_SECONDS"
		echo stop >/dev/irqctx
		echo 0 >"$TRACEFS/events/irqctx/irqctx_stage/enable"
		grep "^metric=cost " "$DBG/latency" >"$OUT/p2-traced-$round.txt"
	fi
	rmmod irqctx || die "rmmod irqctx failed"
	twin_run "c-$round" 0
	round=$((round + 1))
done
twin_run empty 1
insmod /irqctx/irqctx.ko || die "insmod irqctx.ko failed"

# -- P3: the highest rate a reader that keeps up gets everything at -----------
for period in $P3_PERIODS; do
	say "P3: hrtimer every $period us, a SCHED_FIFO reader, ${P3_SECONDS}s"
	$LAT read -p 90 -d "$P3_SECONDS" -s hrtimer -c "bh=none\nperiod_us=$period\nstart" -C stop \
		>"$OUT/p3-reader-$period.txt" || die "irqctx_lat failed"
done
say "P3: the top halves alone (no reader): hrtimer every 100 us, irq_work bursts"
# alone SOURCE COMMANDS: runs COMMANDS (shell), then writes how many top
# halves SOURCE made meanwhile, and over which uptime, for the report.
alone() {
	local b0 t0
	b0=$(grep "^source=$1 " "$DBG/stats")
	t0=$(cut -d' ' -f1 /proc/uptime)
	eval "$2"
	{
		echo "seconds=$t0 $(cut -d' ' -f1 /proc/uptime)"
		echo "$b0"
		grep "^source=$1 " "$DBG/stats"
	} >"$OUT/p3-alone-$1.txt"
}
alone hrtimer 'printf "bh=none\nperiod_us=100\nstart\n" >/dev/irqctx; sleep "$P3_SECONDS"; echo stop >/dev/irqctx'
alone irq_work 'i=0; while [ "$i" -lt "$P3_BURSTS" ]; do echo irq_work=1000 >/dev/irqctx; i=$((i + 1)); done'
rmmod irqctx || die "rmmod irqctx failed"

# Anything the kernel reported meanwhile spoils the figures: say so.
dmesg | grep -E "BUG:|WARNING:|Call Trace" >"$OUT/splats.txt"

say "done: $(ls "$OUT" | wc -l) files"
for f in "$OUT"/*; do
	echo "@file $(basename "$f")"
	grep -v ' 000000$' "$f"
done
echo "@end"
