#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vm.sh's boot decisions on recorded consoles (tests/vm/*.log), without a
# guest: IRQCTX_QEMU points vm.sh at a stand-in that replays one recorded
# console per boot, writes the debugcon byte when that recording's guest
# reached its script (as the guest's init does: build-initramfs.sh), and
# exits with the recorded QEMU status. Checks how often vm.sh booted, what
# the log holds and the exit status. KTAP; a host check of scripts/test.sh.
#
#   scripts/vm-test.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/qemu" <<'QEMU'
#!/usr/bin/env bash
# One boot: the next "CONSOLE STARTED STATUS" line of $VM_TEST_BOOTS.
n=$(($(cat "$VM_TEST_DIR/boots" 2>/dev/null || echo 0) + 1))
echo "$n" >"$VM_TEST_DIR/boots"
read -r console started status < <(sed -n "${n}p" "$VM_TEST_BOOTS")
while [ $# -gt 0 ]; do
	case $1 in -chardev) case $2 in file,id=started,path=*) path=${2#*path=} ;; esac ;; esac
	shift
done
[ "$started" = 1 ] && printf S >"$path"
cat "$console"
# "hang": a kernel that stops before the script and never exits; vm.sh has
# to stop it (a loop here, not an exec'd sleep: the stand-in's command line
# is what vm.sh finds it by).
if [ "$status" = hang ]; then
	while :; do sleep 0.1; done
fi
exit "$status"
QEMU
chmod +x "$work/qemu"
printf '#!/bin/sh\ntrue\n' >"$work/script"

n=0 failed=0
check() {	# check DESCRIPTION BOOTS WANT_STATUS: boot, compare
	local desc=$1 want_boots=$2 want_status=$3 status=0
	n=$((n + 1))
	rm -f "$work/boots" "$work/console.log" "$work/console.log.boot1"
	VM_TEST_DIR=$work IRQCTX_QEMU=$work/qemu scripts/vm.sh -k "$work/script" -t 60 \
		-l "$work/console.log" "$work/script" >"$work/out" 2>&1 || status=$?
	local boots
	boots=$(cat "$work/boots")
	if [ "$boots" = "$want_boots" ] && [ "$status" = "$want_status" ] && extra_check; then
		echo "ok $n $desc"
	else
		sed 's/^/# /' "$work/out" | tail -n 5
		echo "# booted $boots times (want $want_boots), exit $status (want $want_status)"
		echo "not ok $n $desc"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
echo "1..4"
# The case of issue 22: the script ran (its line cut in two by a kernel
# message on the console), then the guest panicked (the misuse harness's
# NMI) and QEMU exited 0 at the reboot. One boot, judged as it was.
export VM_TEST_BOOTS=$work/boots.1
echo "tests/vm/started-line-cut.log 1 0" >"$VM_TEST_BOOTS"
extra_check() { cmp -s tests/vm/started-line-cut.log "$work/console.log" && [ ! -e "$work/console.log.boot1" ]; }
check "a guest whose script started is not booted again, though its console lost the start line" 1 125

# A kernel that oopsed before init: booted again, the log holds the
# second boot alone, the first kept beside it.
export VM_TEST_BOOTS=$work/boots.2
printf '%s\n' "tests/vm/oops-before-init.log 0 0" "tests/vm/passed.log 1 1" >"$VM_TEST_BOOTS"
extra_check() { cmp -s tests/vm/passed.log "$work/console.log" && cmp -s tests/vm/oops-before-init.log "$work/console.log.boot1"; }
check "a kernel that died before the script is booted again; the log holds that boot alone" 2 0

# Twice: the second failure stands.
export VM_TEST_BOOTS=$work/boots.3
printf '%s\n' "tests/vm/oops-before-init.log 0 0" "tests/vm/oops-before-init.log 0 0" >"$VM_TEST_BOOTS"
extra_check() { true; }
check "a kernel that dies before the script twice fails" 2 125

# A boot stuck before the script (Debian's kernel once fell silent after
# "hpet0: 3 comparators" under TCG, until the 300 s hang guard; the
# recording is that boot's console): stopped once the boot limit has
# passed, and booted again.
export VM_TEST_BOOTS=$work/boots.4
printf '%s\n' "tests/vm/boot-hang.log 0 hang" "tests/vm/passed.log 1 1" >"$VM_TEST_BOOTS"
extra_check() { cmp -s tests/vm/passed.log "$work/console.log" && cmp -s tests/vm/boot-hang.log "$work/console.log.boot1"; }
IRQCTX_BOOT_LIMIT=3 check "a boot stuck before the script is stopped after the boot limit and booted again" 2 0

echo "# Totals: pass:$((n - failed)) fail:$failed xfail:0 xpass:0 skip:0 error:0"
[ "$failed" = 0 ]
