#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The module's own KUnit suites (#[kunit_tests] in rust/): what safe code
# could do with irqctx's types that irqctx itself never does, refused as
# documented (kernel::Module::init called a second time: EBUSY, and no
# task token made; request flags that keep a top half in hardirq context
# on PREEMPT_RT: EINVAL there, accepted elsewhere). KUnit runs a module's
# suites when it goes live, on a kernel with CONFIG_KUNIT (the project's own
# kernels); the results are read from debugfs before the module goes. A
# kernel without KUnit (Debian's) has nothing to run: no test is planned,
# unless the runner says the kernel has KUnit (IRQCTX_KUNIT=1), when a
# missing suite fails.

. "$(dirname "$0")/lib.sh"

KUNIT=/sys/kernel/debug/kunit
SUITES="irqctx_task_module irqctx_irq"

# test_suite SUITE: its results are there, every case ok and at least one,
# and the suite's own line says ok; the results are printed.
test_suite() {
	local results=$KUNIT/$1/results
	[ -f "$results" ] || { echo "# no $results: the suite did not run"; return 1; }
	sed 's/^/# /' "$results"
	! grep -q '^ *not ok ' "$results" &&
		grep -q '^ \+ok [0-9]\+ ' "$results" &&
		grep -q "^ok [0-9]\+ $1\$" "$results"
}

ktap_print_header
grep -q ' /sys/kernel/debug debugfs ' /proc/mounts || mount -t debugfs none /sys/kernel/debug
if [ ! -d $KUNIT ] && [ "${IRQCTX_KUNIT:-0}" != 1 ]; then
	ktap_print_msg "this kernel has no KUnit (CONFIG_KUNIT, CONFIG_KUNIT_DEBUGFS): its suites run on the project's own kernels"
	ktap_set_plan 0
	ktap_finished
fi
ktap_set_plan 2
load || ktap_exit_fail_msg "insmod failed"
for s in $SUITES; do
	ktap_test_result "KUnit suite $s: every case passed" test_suite "$s"
done
rmmod irqctx
rm -rf "$TMP"
ktap_finished
