#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The QEMU guest's entry point (scripts/test.sh boots it): the irqctx
# kselftests, run by the kernel's run_kselftest.sh from the kselftest
# install at /kselftest, as on any lab machine, after two things only a
# freshly booted guest can do:
#  - kmemleak scans the boot and forgets what it found (the early PCI/ACPI
#    set-up leaves a few objects), so that irqctx_detectors_test.sh sees
#    the run's objects only;
#  - each test's timeout (./settings) is scaled by IRQCTX_SLOWDOWN, the
#    kernel variant's slowdown under TCG (from the kernel command line).
# IRQCTX_TESTS (comma-separated, also from the command line) picks the tests;
# the detectors' verdict always runs last. Exits 1 if any test failed, or
# if the run does not add up (a program missing, fewer results than its
# plan, the runner failing; any skip under IRQCTX_NO_SKIP=1): see the end.
KSFT=/kselftest
IRQCTX_DIR=$KSFT/irqctx
. "$IRQCTX_DIR/lib.sh"

if [ -w "$KMEMLEAK" ] && kmemleak_scan "$(uptime_s)" 2>/dev/null; then
	echo "# kmemleak: $(grep -c '^unreferenced object' "$KMEMLEAK") unreferenced object(s) from the boot, cleared before the run"
	echo clear >"$KMEMLEAK"
fi

# KCSAN (the kcsan kernel): five data races of the core kernel's own, which
# irqctx has no part in, are filtered out, so that a report is about the
# module's paths: do_nanosleep() reads the hrtimer sleeper's task with a
# plain load while hrtimer_wakeup() clears it from the timer interrupt (the
# tests' usleep calls provoke it); vmstat's need_update() scans the other
# CPUs' per-CPU counter deltas with memchr_inv() while those CPUs update them
# with this_cpu operations ("race at unknown origin" in memchr_inv, a byte of
# per-CPU memory changing); wq_worker_running() copies its task's
# se.sum_exec_runtime (a CPU-hog heuristic's start time) with a plain load
# while the scheduler tick on the same CPU, in uninstrumented kernel/sched,
# advances it ("race at unknown origin" at wq_worker_running+0x90 in this
# kernel; the workqueue tests wake workers often); and load_elf_binary() sets
# PF_RANDOMIZE with a plain "current->flags |=" while RCU's softirq on the
# same CPU tests the flags word for PF_VCPU (every exec can meet it; once in
# about ten kcsan runs); and fork's dup_task_struct() copies the parent's
# task_struct with memcpy_and_pad() while the tick interrupting the parent
# on its own CPU updates its rcu_read_lock_nesting (__rcu_read_lock() from
# perf_event_task_tick()). irqctx calls none of them.
KCSAN_CTL=/sys/kernel/debug/kcsan
if [ -w "$KCSAN_CTL" ]; then
	for f in do_nanosleep memchr_inv wq_worker_running load_elf_binary memcpy_and_pad; do
		echo "!$f" >"$KCSAN_CTL"
	done
	echo "# kcsan: reports in do_nanosleep(), memchr_inv(), wq_worker_running(), load_elf_binary() and memcpy_and_pad() filtered (the core kernel's races)"
fi

timeout=$(sed -n 's/^timeout=//p' "$IRQCTX_DIR/settings")
set -- -o $((timeout * ${IRQCTX_SLOWDOWN:-1}))
if [ -n "${IRQCTX_TESTS:-}" ]; then
	PROGS="$(echo "$IRQCTX_TESTS" | tr , ' ') irqctx_detectors_test.sh"
	for t in $PROGS; do
		set -- "$@" -t "irqctx:$t"
	done
else
	PROGS=$(sed -n 's/^irqctx://p' "$KSFT/kselftest-list.txt")
	set -- "$@" -c irqctx
fi
# IRQCTX_KCOV=1 (scripts/coverage.sh): the runner under irqctx_kcov, and
# the module's coverage points it reached printed between two marker lines.
KCOV=
[ "${IRQCTX_KCOV:-0}" = 1 ] && KCOV="$IRQCTX_DIR/irqctx_kcov $TMP/kcov"
# The runner's own status, which a pipe would lose.
{ $KCOV "$KSFT/run_kselftest.sh" "$@"; echo $? >"$TMP/status"; } | tee "$TMP/results"
if [ -n "$KCOV" ]; then
	echo "IRQCTX-KCOV-BEGIN"
	cat "$TMP/kcov"
	echo "IRQCTX-KCOV-END"
fi

# The verdict: not only "no 'not ok' line". Each program asked for ran and
# has its result line; each printed a plan, and as many results as it
# planned; the runner exited 0. Under IRQCTX_NO_SKIP=1 a skip (of a test or
# of a whole program) is a failure: run_kselftest.sh reports a program
# that exited KSFT_SKIP as "ok N ... # SKIP".
awk -v progs="$PROGS" -v no_skip="${IRQCTX_NO_SKIP:-0}" -v status="$(cat "$TMP/status")" '
function bad(why) { print "# verdict: " why; failed = 1 }
function close_prog() {
	if (prog == "") return
	if (plan == "") bad(prog ": no plan")
	else if (plan != results) bad(prog ": planned " plan " tests, " results " results")
	prog = ""
}
BEGIN { n = split(progs, want, " ") }
/^# selftests: irqctx: / { close_prog(); prog = $4; plan = ""; results = 0; next }
prog != "" && /^# 1\.\.[0-9]+/ && plan == "" { plan = substr($2, 4) + 0; next }
prog != "" && /^# (not )?ok [0-9]+ / { results++; if (/# SKIP/) skips++; next }
/^(not )?ok [0-9]+ selftests: irqctx: / {
	close_prog()
	name = $0; sub(/^(not )?ok [0-9]+ selftests: irqctx: /, "", name); sub(/ .*/, "", name)
	if (!(name in seen)) reported++
	seen[name] = 1
	if (/^not ok/) bad(name ": failed")
	else if (/# SKIP/) { progskips++; if (no_skip) bad(name ": skipped as a whole") }
	next }
END {
	close_prog()
	for (i = 1; i <= n; i++) if (!(want[i] in seen)) bad(want[i] ": never reported")
	if (status != 0) bad("run_kselftest.sh exited " status)
	if (no_skip && skips) bad(skips " test(s) skipped (IRQCTX_NO_SKIP=1)")
	printf "# verdict: %d programs asked for, %d reported, %d skipped as a whole, %d tests skipped: %s\n",
		n, reported, progskips, skips, failed ? "FAIL" : "pass"
	exit failed }' "$TMP/results"
