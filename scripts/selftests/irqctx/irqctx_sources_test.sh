#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# irqctx selftests for the interrupt sources and bottom halves: every
# source x bottom half pair, with the edu device in MSI and in shared INTx
# mode, plus factorial completion, /proc/interrupts accounting, poll, epoll,
# several readers, unbinding under load and a missing device.

. "$(dirname "$0")/lib.sh"

EDU=/sys/bus/pci/drivers/irqctx
edu_irq() { stat_field irq; }
irq_none() { stat_field irq_none; }


# matrix SRC BH: trigger SRC with bottom half BH selected; every line read
# must have run in the context its stage requires.
matrix() {
	local src=$1 bh=$2 until="src=$1 stage=$2 "
	# Only the edu interrupt has a handler thread: other sources get none,
	# which an edu interrupt raised afterwards proves.
	local proxy=0
	[ "$bh" = thread ] && [ "$src" != edu ] && proxy=1 && until="src=edu stage=thread "
	ctl bh=$bh
	start_reader "$TMP/m" -u "$until" || return 1
	case $src in
	hrtimer) ctl period_us=10000; ctl start ;;
	irq_work) ctl irq_work=3 ;;
	edu) ctl raise=3 ;;
	esac
	if [ $proxy = 1 ]; then
		wait_for grep -q "src=$src stage=top " "$TMP/m" || return 1
		ctl raise=1
	fi
	wait_reader
	local rc=$?
	ctl stop
	[ $rc = 0 ] || return 1
	grep -q "src=$src stage=top " "$TMP/m" || { echo "# no $src top half"; return 1; }
	if [ $proxy = 1 ] && grep -q "src=$src stage=thread" "$TMP/m"; then
		echo "# $src has no irq thread"; return 1
	fi
	if [ "$src" = irq_work ]; then
		# The self-IPI interrupts the writer (this shell), not the reader
		# (on PREEMPT_RT the irq_work thread runs it: check_contexts).
		[ $RT = 1 ] || grep "src=irq_work stage=top " "$TMP/m" | grep -q " pid=$$ " ||
			{ echo "# irq_work did not interrupt the writer"; return 1; }
	fi
	check_contexts "$TMP/m" "$(edu_irq)"
}

test_bound() {
	[ "$(grep -c '^edu=bound ' /sys/kernel/debug/irqctx/stats)" = 2 ] &&
		[ "$(stat_field mode)" = "$MODE" ] || return 1
	case $MODE in
	# One vector each.
	msi) [ "$(grep -c 'PCI-MSI.* irqctx$' /proc/interrupts)" = 2 ] ;;
	# Both devices' INTx pins on one line: two actions named irqctx.
	intx) grep -q 'IO-APIC.* irqctx, irqctx$' /proc/interrupts ;;
	esac
}

# On a shared line every handler is called for every interrupt: the other
# device's handler finds its status register empty and returns IRQ_NONE.
test_shared() {
	ctl bh=none
	local before=$(irq_none)
	ctl raise=10 || return 1
	local none=$(($(irq_none) - before))
	echo "# $MODE: 10 raises, $none IRQ_NONE returns"
	case $MODE in
	msi) [ $none = 0 ] ;;
	intx) [ $none = 10 ] ;;
	esac
}

test_factorial() {
	ctl bh=none
	start_reader "$TMP/f" -u " n=12 " || return 1
	ctl factorial=5 && ctl factorial=12 || return 1
	wait_reader || return 1
	# The handler runs in hardirq context, in its irq thread on PREEMPT_RT.
	local ctx=hardirq
	[ $RT = 1 ] && ctx=task
	check_lines "$TMP/f" &&
		grep -q "src=edu stage=top status=0x00000001 n=5 result=120 ctx=$ctx " "$TMP/f" &&
		grep -q "src=edu stage=top status=0x00000001 n=12 result=479001600 ctx=$ctx " "$TMP/f"
}

# /proc/interrupts grows by exactly the interrupts raised, and each edu
# top half carries a raise-to-handler delay.
test_proc_interrupts() {
	ctl bh=none
	local before after
	before=$(irq_count)
	local tops_before=$(stat_source edu)
	exec 3<"$DEV"
	# raise= returns once every interrupt was handled: all are recorded.
	ctl raise=25 || return 1
	dd bs=65536 count=1 <&3 2>/dev/null >"$TMP/p"
	exec 3<&-
	after=$(irq_count)
	echo "# $MODE: /proc/interrupts $before -> $after, irq_none=$(stat_field irq_none)"
	[ $((after - before)) = 25 ] || return 1
	# The statistics count the same top halves.
	[ $(($(stat_source edu) - tops_before)) = 25 ] || return 1
	grep 'src=edu stage=top ' "$TMP/p" |
		awk "$AWK_FIELD"'{ d = num("delay_ns"); if (d <= 0 || d >= 1000000000) bad = 1; n++ }
		END { exit bad || n != 25 }'
}

test_poll() {
	ctl bh=none
	"$IO" $1 10000 >"$TMP/poll" &
	local p=$!
	wait_for asleep $p || return 1
	ctl irq_work=1
	wait $p && [ "$(cat "$TMP/poll")" = pollin ]
}

# Each reader gets every record from its open onward. A factorial ends the
# records of interest; a late bottom half of an earlier test may reach one
# reader and not the other, so only this test's records are compared.
test_readers() {
	ctl bh=none
	"$IO" read -u ' n=7 ' >"$TMP/r1" &
	local r1=$!
	"$IO" read -u ' n=7 ' >"$TMP/r2" &
	local r2=$!
	wait_for asleep $r1 && wait_for asleep $r2 || return 1
	ctl irq_work=6 && ctl factorial=7 || return 1
	wait_job $r1 && wait_job $r2 || return 1
	grep -E 'src=irq_work stage=top | n=7 ' "$TMP/r1" >"$TMP/r1.mine"
	grep -E 'src=irq_work stage=top | n=7 ' "$TMP/r2" >"$TMP/r2.mine"
	[ "$(grep -c 'src=irq_work stage=top' "$TMP/r1.mine")" = 6 ] && cmp -s "$TMP/r1.mine" "$TMP/r2.mine"
}

# Unbinding with a reader blocked and interrupts in flight stops the edu
# source only; rebinding brings it back.
test_unbind() {
	local bdf
	[ -n "$(edu_devices)" ] || return 1
	ctl bh=workqueue,bh,thread
	# The reader first, while nothing flows: start_reader waits until it is
	# seen asleep, which a reader already busy with records may never be
	# (seen once under host load, finding 4's race again). It reads until
	# the irq_work top half made after the unbind, not a number of lines:
	# the timer's lines alone could make up the number before the raiser's
	# first interrupt on a slow guest, and the reader would leave first.
	start_reader "$TMP/u" -u 'src=irq_work stage=top ' || { echo "# the reader never slept"; return 1; }
	ctl period_us=5000
	ctl start
	# Raise until the device is gone; the last failure is kept.
	rm -f "$TMP/raiser"
	( while out=$("$IO" write raise=100); do :; done; echo "$out" >"$TMP/raiser" ) &
	local raiser=$!
	wait_for grep -q 'src=edu stage=top' "$TMP/u" || { echo "# no edu top half"; return 1; }
	for bdf in $(edu_devices); do echo "$bdf" >"$EDU/unbind" || { echo "# unbind $bdf"; return 1; }; done
	wait $raiser
	grep -q '^errno=ENODEV' "$TMP/raiser" || { echo "# raiser: $(cat "$TMP/raiser")"; return 1; }
	[ "$(stat_field edu)" = absent ] && ! grep -q ' irqctx$' /proc/interrupts ||
		{ echo "# still bound: edu=$(stat_field edu), $(grep -c ' irqctx$' /proc/interrupts) irqs"; return 1; }
	ctl irq_work=1
	wait_reader || { echo "# the reader stopped with the device"; return 1; }
	ctl stop
	local out
	out=$("$IO" write raise=1)
	[ "${out%% *}" = errno=ENODEV ] || { echo "# raise without a device: $out"; return 1; }
	for bdf in $(edu_devices); do echo "$bdf" >"$EDU/bind" || { echo "# bind $bdf"; return 1; }; done
	[ "$(stat_field edu)" = bound ] && ctl raise=1 || { echo "# after rebind: edu=$(stat_field edu)"; return 1; }
}

# Without an edu device the module loads, says so once, and the other
# sources work; edu commands get ENODEV.
test_absent() {
	local bdf
	rmmod irqctx || return 1
	for bdf in $(edu_devices); do echo none >"/sys/bus/pci/devices/$bdf/driver_override"; done
	mark_dmesg
	load edu_irq=$MODE || return 1
	[ "$(new_dmesg | grep -c 'no edu PCI device')" = 1 ] && [ "$(stat_field edu)" = absent ] || return 1
	[ "$("$IO" write raise=1 | cut -d' ' -f1)" = errno=ENODEV ] || return 1
	# The commands before the failing one are carried out, those after it
	# are not: one irq_work top half.
	local works=$(stat_source irq_work) rc=0
	[ "$("$IO" write "$(printf 'irq_work=1\nraise=1\nirq_work=1\n')" | cut -d' ' -f1)" = errno=ENODEV ] || rc=1
	[ "$(stat_source irq_work)" = $((works + 1)) ] ||
		{ echo "# irq_work=1, raise=1, irq_work=1 without a device: +$(($(stat_source irq_work) - works)) irq_work top halves"; rc=1; }
	start_reader "$TMP/a" -l 1 && ctl irq_work=1 && wait_reader || rc=1
	# Give the devices back, whatever failed above.
	for bdf in $(edu_devices); do
		echo >"/sys/bus/pci/devices/$bdf/driver_override"
		echo "$bdf" >"$EDU/bind" || return 1
	done
	[ "$(stat_field edu)" = bound ] && return $rc
}

ktap_print_header
[ -n "$(edu_devices)" ] || { ktap_skip_all "no QEMU edu device (1234:11e8): every test here needs one"; exit "$KSFT_SKIP"; }
ktap_set_plan $((2 * 18 + 1))	# per mode: bound, shared, 9 pairs, 7 more; then splats
for MODE in msi intx; do
	load edu_irq=$MODE || ktap_exit_fail_msg "insmod edu_irq=$MODE failed"
	ktap_test_result "$MODE: both edu devices bound, handlers in /proc/interrupts" test_bound
	ktap_test_result "$MODE: the other device's handler returns IRQ_NONE on a shared line" test_shared
	for src in hrtimer irq_work edu; do
		for bh in workqueue bh thread; do
			ktap_test_result "$MODE: $src top half and $bh stage, each in its context" matrix $src $bh
		done
	done
	ktap_test_result "$MODE: factorial completes by interrupt, result delivered" test_factorial
	ktap_test_result "$MODE: /proc/interrupts and the statistics grow by exactly the raises" test_proc_interrupts
	ktap_test_result "$MODE: poll() reports POLLIN from an interrupt" test_poll poll
	ktap_test_result "$MODE: epoll reports EPOLLIN from an interrupt" test_poll epoll
	ktap_test_result "$MODE: every reader gets every record" test_readers
	ktap_test_result "$MODE: unbind under load stops only the edu source" test_unbind
	ktap_test_result "$MODE: without an edu device the rest works" test_absent
	rmmod irqctx || ktap_exit_fail_msg "rmmod failed"
done
ktap_test_result "dmesg holds no BUG, WARNING, lockdep report or call trace" test_no_splats
rm -rf "$TMP"
ktap_finished
