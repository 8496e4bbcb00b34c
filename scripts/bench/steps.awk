# SPDX-License-Identifier: GPL-2.0
#
# P1's path, step by step, from the kernel's trace (guest side of
# scripts/bench.sh --steps). Reads the ftrace text of one tool's run on
# CPU 0 (trace clock mono) and prints, for every timer expiry whose
# sleeper got back to user space, one line of microseconds:
#
#   TOOL timer handler wake expire_exit switch return total
#
# timer = from the expiry the timer was set for to the callback: for
# cyclictest hrtimer_start's expires to hrtimer_expire_entry's now, for
# irqctx the record's own delay_ns (its clock read in the callback, just
# after the entry: hrtimer_start is not traced in irqctx's run, where it
# would be inside the interrupt measured), the rest measured from
# hrtimer_expire_entry of the timer that woke it: handler =
# up to irqctx's record (irqctx_stage; for cyclictest, whose timer
# callback is hrtimer_wakeup() itself, 0), wake = to sched_waking of the
# sleeper, expire_exit = to hrtimer_expire_exit, switch = to the
# sched_switch to the sleeper, return = to its sys_exit_read (irqctx_lat)
# or sys_exit_clock_nanosleep (cyclictest), total = the sum, timer
# included: what each tool reports as its latency. An expiry
# whose chain breaks (another timer's, a sleeper already running) is
# skipped.
#
#   awk -v tool=irqctx_lat|cyclictest -f steps.awk TRACE

function ts_of(   i) {
	for (i = 1; i <= NF; i++)
		if ($i ~ /^[0-9]+\.[0-9]+:$/)
			return substr($i, 1, length($i) - 1) * 1e6
	return -1
}

function us(x) { return sprintf("%.1f", x) }

function field(name,   v) {
	v = $0
	if (!sub(".* " name "=", "", v))
		return ""
	sub(/ .*/, "", v)
	return v
}

BEGIN { state = 0 }

# The expiry cyclictest's sleeping thread armed its timer for
# (hrtimer_wakeup).
/ hrtimer_start: / {
	if (field("function") ~ /^hrtimer_wakeup/)
		expires[$1] = field("expires")
	next
}

/ hrtimer_expire_entry: / {
	entry = ts_of()
	state = 0
	if (tool == "cyclictest" && field("function") ~ /^hrtimer_wakeup/) {
		start = entry
		timer_now = field("now")
		rec = entry
		state = 1
	}
	next
}
/ irqctx_stage: / {
	if (tool == "irqctx_lat" && / src=hrtimer / && / stage=top /) {
		start = entry
		timer = field("delay_ns") / 1000
		rec = ts_of()
		state = 1
	}
	next
}
/ sched_waking: / {
	# The measuring thread: SCHED_FIFO 90 is kernel priority 9.
	if (state == 1 && index($0, " comm=" tool " ") && / prio=9 /) {
		wake = ts_of()
		pid = field("pid")
		if (tool == "cyclictest")
			timer = (tool "-" pid) in expires ? (timer_now - expires[tool "-" pid]) / 1000 : -1
		state = 2
	}
	next
}
/ hrtimer_expire_exit: / {
	if (state == 2) {
		exit_ = ts_of()
		state = 3
	}
	next
}
/ sched_switch: / {
	if (state == 3 && index($0, "next_comm=" tool " next_pid=" pid " ")) {
		sw = ts_of()
		state = 4
	}
	next
}
# The system-call exit events print as "sys_read -> 0x..".
/ sys_read -> | sys_clock_nanosleep -> / {
	if (state == 4 && $1 == tool "-" pid) {
		ret = ts_of()
		if (timer >= 0) {
			print tool, us(timer), us(rec - start), us(wake - rec), us(exit_ - wake),
				us(sw - exit_), us(ret - sw), us(timer + ret - start)
			n++
		}
		state = 0
	}
	next
}
END { if (n == 0) print "steps: no complete expiry of " tool > "/dev/stderr" }
