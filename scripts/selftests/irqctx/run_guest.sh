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
# the detectors' verdict always runs last. Exits 1 if any test failed.
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
	for t in $(echo "$IRQCTX_TESTS" | tr , ' ') irqctx_detectors_test.sh; do
		set -- "$@" -t "irqctx:$t"
	done
else
	set -- "$@" -c irqctx
fi
"$KSFT/run_kselftest.sh" "$@" | tee "$TMP/results"
! grep -q '^not ok ' "$TMP/results"
