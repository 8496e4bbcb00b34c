# SPDX-License-Identifier: GPL-2.0
#
# The kernel's tracer as witness: checks every irqctx:irqctx_stage event of
# an ftrace text trace (/sys/kernel/tracing/trace, clock mono) against the
# kernel's own events around it, and the records a reader got against the
# events of the same seq.
#
#   awk -f trace_oracle.awk RECORDS TRACE
#
# RECORDS: lines read from /dev/irqctx (only seq= lines count); TRACE: the
# trace with irqctx, irq, irq_vectors, timer, workqueue and sched events.
# For each stage event, on the CPU the tracer saw it on:
#   - ctx= is the context in the tracer's flags column (h/H hardirq,
#     s softirq, . task);
#   - cpu= is the tracer's CPU (not for the thread stage: it sleeps between
#     its capture and its record, and may move);
#   - pid= is the tracer's current task, and the one sched_switch last put
#     on that CPU;
#   - it lies in the bracket of its context: an edu top half in
#     irq_handler_entry/exit of an irqctx line, an hrtimer top half in
#     hrtimer_expire_entry/exit (in hardirq: inside local_timer_entry/exit),
#     an irq_work top half in irq_work_entry/exit, a BH stage in
#     softirq_entry/exit and its work item's workqueue_execute_start/end, a
#     workqueue stage in the work item of the task running it, a thread
#     stage (and on PREEMPT_RT an edu top half) in a task irq/N-irqctx, an
#     irq_work top half in task context in irq_work/N.
# Prints each violation with both sides, the counts per source x stage and
# "oracle: E events, R records, V violations"; exits 1 on any violation, a
# record without its event, or an overrun trace.

function field(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
function has(c, what) { return index("|" st[c] "|", "|" what "|") > 0 }
function push(c, what) { st[c] = st[c] == "" ? what : st[c] "|" what }
function pop(c, what,   n, i, parts, out) {
	n = split(st[c], parts, "|")
	for (i = n; i >= 1 && parts[i] != what; i--)
		;
	if (i < 1)
		return		# opened before the trace began
	out = ""
	for (n = 1; n < i; n++)
		out = out == "" ? parts[n] : out "|" parts[n]
	st[c] = out
}
function bad(why) {
	violations++
	if (violations <= 20)
		printf "# seq=%s src=%s stage=%s: %s (tracer: %s-%d on CPU %d, flags %s, in [%s])\n",
			field("seq"), field("src"), field("stage"), why, comm, pid, cpu, flags, st[cpu]
}

FNR == NR {
	if ($0 ~ /^seq=/) {
		rec[field("seq")] = field("src") " " field("stage") " " field("ctx") " " field("cpu") " " field("pid")
		nrec++
	}
	next
}

/^# entries-in-buffer\/entries-written:/ {
	split($3, e, "/")
	if (e[1] != e[2]) {
		printf "# the trace lost events: %s in the buffer, %s written\n", e[1], e[2]
		overrun = 1
	}
	next
}
/^#/ { next }
{
	if (!match($0, /\[[0-9]+\]/))
		next
	head = substr($0, 1, RSTART - 1)
	cpu = substr($0, RSTART + 1, RLENGTH - 2) + 0
	sub(/^ +/, "", head)
	sub(/ +$/, "", head)
	i = length(head)
	while (i > 0 && substr(head, i, 1) != "-")
		i--
	comm = substr(head, 1, i - 1)
	pid = substr(head, i + 1) + 0
	rest = substr($0, RSTART + RLENGTH)
	$0 = rest		# fields: FLAGS TIMESTAMP: EVENT: key=value...
	flags = $1
	ev = $3
	sub(/:$/, "", ev)
	c3 = substr(flags, 3, 1)
	tctx = c3 == "h" || c3 == "H" ? "hardirq" : c3 == "s" ? "softirq" : c3 == "." ? "task" : "other(" c3 ")"
}
ev == "irq_handler_entry" { irqname[cpu, field("irq")] = field("name"); push(cpu, "irq:" field("name")); next }
ev == "irq_handler_exit" { pop(cpu, "irq:" irqname[cpu, field("irq")]); next }
ev == "softirq_entry" { push(cpu, "softirq"); next }
ev == "softirq_exit" { pop(cpu, "softirq"); next }
ev == "local_timer_entry" { push(cpu, "local_timer"); next }
ev == "local_timer_exit" { pop(cpu, "local_timer"); next }
ev == "irq_work_entry" { push(cpu, "irq_work"); next }
ev == "irq_work_exit" { pop(cpu, "irq_work"); next }
ev == "hrtimer_expire_entry" { push(cpu, "hrtimer"); next }
ev == "hrtimer_expire_exit" { pop(cpu, "hrtimer"); next }
ev == "workqueue_execute_start" {
	if (tctx == "softirq") push(cpu, "work"); else work[pid] = 1
	next
}
ev == "workqueue_execute_end" {
	if (tctx == "softirq") pop(cpu, "work"); else work[pid] = 0
	next
}
ev == "sched_switch" { cur[cpu] = field("next_pid") + 0; seen_switch[cpu] = 1; next }
ev == "irqctx_stage" {
	events++
	src = field("src")
	stage = field("stage")
	claim = field("ctx")
	count[src "/" stage]++
	seen[field("seq")] = src " " stage " " claim " " field("cpu") " " field("pid")
	if (claim != tctx)
		bad("ctx=" claim ", the tracer says " tctx)
	if (stage != "thread" && field("cpu") + 0 != cpu)
		bad("cpu=" field("cpu") ", the tracer saw CPU " cpu)
	if (field("pid") + 0 != pid)
		bad("pid=" field("pid") ", the tracer's current is " pid)
	else if (seen_switch[cpu] && cur[cpu] != pid)
		bad("pid=" field("pid") ", sched_switch last put " cur[cpu] " on CPU " cpu)
	if (claim == "hardirq") {
		if (stage != "top")
			bad("a bottom half in hardirq context")
		else if (src == "edu" && !has(cpu, "irq:irqctx"))
			bad("an edu top half outside irq_handler_entry/exit of an irqctx line")
		else if (src == "hrtimer" && !(has(cpu, "hrtimer") && has(cpu, "local_timer")))
			bad("an hrtimer top half outside hrtimer_expire_entry/exit in the local timer interrupt")
		else if (src == "irq_work" && !has(cpu, "irq_work"))
			bad("an irq_work top half outside irq_work_entry/exit")
	} else if (claim == "softirq") {
		if (!has(cpu, "softirq"))
			bad("softirq context outside softirq_entry/exit")
		else if (stage == "bh" && !has(cpu, "work"))
			bad("a BH stage outside its work item (workqueue_execute_start/end)")
		else if (stage == "top" && !(src == "hrtimer" && has(cpu, "hrtimer")))
			bad("a top half in softirq context, not a soft hrtimer's expiry")
		else if (stage != "top" && stage != "bh")
			bad("a " stage " stage in softirq context")
	} else if (claim == "task") {
		if (stage == "workqueue" && !work[pid])
			bad("a workqueue stage outside its worker's workqueue_execute_start/end")
		else if ((stage == "thread" || (stage == "top" && src == "edu")) && comm !~ /^irq\/[0-9]+(-s)?-irqctx$/)
			bad("not in an irq/N-irqctx thread")
		else if (stage == "top" && src == "irq_work" && comm !~ /^irq_work\/[0-9]+$/)
			bad("an irq_work top half in task context, not in irq_work/N")
		else if (stage == "top" && src == "hrtimer")
			bad("an hrtimer top half in task context")
		else if (stage == "bh")
			bad("a BH stage in task context")
	}
	next
}

END {
	for (s in rec) {
		if (!(s in seen)) {
			missing++
			if (missing <= 5)
				printf "# record seq=%s (%s) has no irqctx_stage event\n", s, rec[s]
		} else if (rec[s] != seen[s]) {
			violations++
			printf "# record seq=%s says \"%s\", its event \"%s\"\n", s, rec[s], seen[s]
		}
	}
	n = split("hrtimer/top hrtimer/workqueue hrtimer/bh irq_work/top irq_work/workqueue irq_work/bh edu/top edu/workqueue edu/bh edu/thread", combos, " ")
	line = ""
	for (i = 1; i <= n; i++) {
		line = line " " combos[i] "=" (count[combos[i]] + 0)
		if (!count[combos[i]])
			absent = absent " " combos[i]
	}
	printf "# events per source/stage:%s\n", line
	if (absent != "")
		printf "# no event for:%s\n", absent
	printf "# oracle: %d events, %d records, %d violations, %d records without an event\n",
		events, nrec, violations, missing
	exit violations || missing || overrun || absent != "" || !nrec
}
