#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The test command: from a bare Debian 12 machine to a verdict.
# Installs the toolchain, builds the test kernel (cached), the module and the
# selftests, checks rustfmt and clippy, boots the kernel under QEMU and runs
# the kselftests there, then the misuse harness (one boot per case). Prints each phase's wall time, then a summary whose
# last line is "N passed, N failed, N skipped".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"
mkdir -p out

declare -a TIMES
phase() {	# phase NAME COMMAND...: run, time, remember
	local name=$1 start=$SECONDS; shift
	log "== $name"
	"$@"
	TIMES+=("$name $((SECONDS - start))s")
}

host_pass=0 host_fail=0
host_check() {	# host_check DESCRIPTION COMMAND...
	local desc=$1; shift
	if "$@" >"out/host-check.log" 2>&1; then
		echo "ok - host: $desc"; host_pass=$((host_pass + 1))
	else
		sed 's/^/# /' out/host-check.log | tail -n 40
		echo "not ok - host: $desc"; host_fail=$((host_fail + 1))
	fi
}

build_module() {
	make -s modules
	make -s -C scripts/selftests/irqctx
}

run_guest() {
	local kselftest=$(kernel_src_dir)/tools/testing/selftests/kselftest
	set +e
	scripts/vm.sh -q -t 600 -l out/console.log -a "loglevel=4" \
		scripts/selftests/irqctx/run_guest.sh \
		irqctx.ko scripts/selftests/irqctx/lib.sh \
		scripts/selftests/irqctx/irqctx_test.sh scripts/selftests/irqctx/irqctx_sources_test.sh \
		scripts/selftests/irqctx/irqctx_io scripts/selftests/irqctx/Makefile \
		"$kselftest/ktap_helpers.sh"
	guest_status=$?
	set -e
}

total=$SECONDS
phase setup bash scripts/setup.sh
phase kernel-build scripts/build-kernel.sh >/dev/null
phase module-build build_module
phase host-checks eval 'host_check "rustfmt --check (kernel .rustfmt.toml)" make -s rustfmtcheck;
	host_check "clippy (CLIPPY=1) finds nothing" make -s clippy'
phase guest-run run_guest
phase misuse-suite eval 'scripts/misuse.sh | tee out/misuse.ktap || true'

guest_pass=$(grep -cE '^ok [0-9]+ ' out/console.log | tr -d ' ' || true)
guest_skip=$(grep -cE '^ok [0-9]+ .*# SKIP' out/console.log || true)
guest_fail=$(grep -cE '^not ok [0-9]+ ' out/console.log || true)
guest_pass=$((guest_pass - guest_skip))
misuse_pass=$(grep -cE '^ok [0-9]+ ' out/misuse.ktap || true)
misuse_fail=$(grep -cE '^not ok [0-9]+ ' out/misuse.ktap || true)
[ $((misuse_pass + misuse_fail)) -gt 0 ] || misuse_fail=1	# the harness bailed out
if [ "$guest_status" -ne 0 ] && [ "$guest_fail" -eq 0 ]; then
	log "guest exited with status $guest_status without a failed test: counting it as one"
	guest_fail=1
fi

echo
echo "== timings"
printf '  %s\n' "${TIMES[@]}" "total $((SECONDS - total))s"
echo "console logs: out/console.log, out/misuse/*.log"
passed=$((host_pass + guest_pass + misuse_pass)); failed=$((host_fail + guest_fail + misuse_fail))
echo "$passed passed, $failed failed, $guest_skip skipped"
[ "$failed" -eq 0 ]
