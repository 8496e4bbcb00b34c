#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of scripts/misuse.sh: trigger one misuse case, then show that
# the device still works. The host harness waits for the case's pattern on
# the console (and kills the guest if the case does not survive).
#
#   misuse_guest.sh CASE      trigger CASE with allow_misuse=1
#   misuse_guest.sh --refused list the cases and check each gets EPERM
#                             without allow_misuse

. "$(dirname "$0")/lib.sh"

# A line for the host harness, through the kernel log: printk keeps each line
# whole, where a plain echo to the console can be cut in two by a kernel
# message printed meanwhile.
say() { echo "$*" >/dev/kmsg; }

if [ "$1" = --refused ]; then
	load || exit 1
	mark_dmesg
	while IFS= read -r line; do say "IRQCTX-MISUSE-CASE: $line"; done </sys/kernel/debug/irqctx/misuse
	rc=0
	# Every case in one burst from one process, one write each: the
	# refusals' log line is rate-limited to one per 5 s, and the burst must
	# fit in one window however slow the guest's forks are.
	cases=$(sed -n 's/^\([a-z_]*\) context=.*/\1/p' /sys/kernel/debug/irqctx/misuse)
	"$IO" write $(for c in $cases; do echo "misuse=$c"; done) >"$TMP/refused"
	set -- $cases
	while IFS= read -r out; do
		out=${out%% *}
		say "IRQCTX-MISUSE-REFUSED: $1 $out"
		[ "$out" = errno=EPERM ] || rc=1
		shift
	done <"$TMP/refused"
	[ $# = 0 ] || { say "IRQCTX-MISUSE-REFUSED: no answer for $*"; rc=1; }
	say "IRQCTX-MISUSE-REFUSAL-LOG: $(new_dmesg | grep -c 'refused: load with allow_misuse=1')"
	test_no_splats || rc=1
	exit $rc
fi

case=$1
load allow_misuse=1 || exit 1
# A case leaves the device as the user had it (sleep_in_bh needs the BH
# stage for its one top half, and used to leave it selected).
chosen=$(grep '^bottom_halves=' "$STATS")
# Where the module's code is, should the host have to read a wedged
# guest's stacks (scripts/vcpu-stacks.py).
say "IRQCTX-MODULE-TEXT: $(cat /sys/module/irqctx/sections/.text 2>/dev/null)"
say "IRQCTX-MISUSE: triggering $case"
case $case in
spin_lock_sleep)
	# The seed driver, with reader and writer on one CPU (as on a
	# uniprocessor): the reader sleeps holding the device spinlock, then the
	# writer spins on it with preemption off. The reader, woken after 1 s,
	# can run nowhere else: that CPU is lost (on RT the writer sleeps on the
	# lock instead, and both finish).
	ctl misuse=spin_lock_sleep || exit 1
	taskset -c 0 cat "$DEV" >/dev/null &
	reader=$!
	wait_for sh -c "dmesg | grep -q 'spin_lock_sleep: holding the device spinlock on CPU#0'" || exit 1
	taskset -c 0 sh -c "echo stop >$DEV"
	kill $reader
	;;
sleep_nobody_wakes)
	# The hung-task detector, with a short timeout: a reader that sleeps
	# uninterruptibly and is never woken is reported after 2-4 s.
	echo 2 >/proc/sys/kernel/hung_task_timeout_secs
	ctl misuse=sleep_nobody_wakes || exit 1
	cat "$DEV" >/dev/null &
	i=0
	until dmesg | grep -q 'blocked for more than'; do
		i=$((i + 1))
		[ $i -gt 60000 ] && { echo "# no hung-task report"; exit 1; }
		usleep 1000
	done
	;;
irqs_off_long)
	# The documented effect, on every kernel: the irq_work queued with
	# interrupts off ran about as late as they were off (at least 0.8 of
	# it), where it runs within a fraction of a millisecond otherwise.
	ctl misuse=irqs_off_long || exit 1
	line=$(dmesg | sed -n 's/.*irqs_off_long: interrupts off for \([0-9]*\) us, an irq_work queued meanwhile ran \([0-9]*\) us late.*/\1 \2/p' | tail -n 1)
	off=${line% *} late=${line#* }
	say "IRQCTX-MISUSE-VISIBLE: interrupts off for ${off:-?} us, the irq_work ${late:-?} us late"
	[ -n "$line" ] && [ $((late * 10)) -ge $((off * 8)) ] ||
		{ say "IRQCTX-MISUSE-FAILED: irqs_off_long did not delay the irq_work"; exit 1; }
	;;
no_recheck)
	# A wake-up without a record ends the wrong read() with 0 bytes: cat
	# sees end of file and exits with nothing.
	ctl misuse=no_recheck || exit 1
	cat "$DEV" >"$TMP/nr" &
	reader=$!
	wait_for asleep $reader || exit 1
	ctl wake
	wait $reader
	say "IRQCTX-MISUSE-VISIBLE: cat ended with $(wc -c <"$TMP/nr") bytes"
	[ -s "$TMP/nr" ] && exit 1
	;;
*)
	# A refused trigger tested nothing: the guest says so and stops.
	ctl "misuse=$case" || { say "IRQCTX-MISUSE-FAILED: the trigger of $case was refused"; exit 1; }
	;;
esac
left=$(grep '^bottom_halves=' "$STATS")
if [ "$left" != "$chosen" ]; then
	say "IRQCTX-MISUSE-CHANGED: $case left $left (was $chosen)"
	exit 1
fi
# Still usable: an interrupt still produces an event for a reader. The
# case's own records (a late bottom half) may still arrive: the reader waits
# for an irq_work top half of its own, not for any line.
ctl bh=none
start_reader "$TMP/after" -u 'src=irq_work stage=top ' && ctl irq_work=1 && wait_reader || exit 1
say "IRQCTX-MISUSE-SURVIVED: $case"
