#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The test command: from a bare Debian 12 machine to a verdict.
# Installs the toolchain, builds the test kernel (cached), the module and the
# selftests, checks rustfmt and clippy, boots the kernel under QEMU and runs
# the kselftests there (run_guest.sh, which ends with the detectors' checks:
# kmemleak, KASAN/KCSAN/lockdep/... reports in dmesg), then the misuse
# harness (one boot per case). Prints each phase's wall time, then a summary
# whose last line is "N passed, N failed, N skipped".
#
#   scripts/test.sh [--variant VARIANT] [--stress] [--no-misuse] [--no-host-checks]
#
# --variant runs on another kernel variant (build-kernel.sh VARIANT: debug,
# kcsan): its kernel, the module built against it (in out/VARIANT/module),
# the same guest suite, with output in out/VARIANT/. The host checks (the
# same on any kernel) and the misuse suite (made for the default kernel's
# splats) run on the default variant only. --stress adds a bounded stress run
# (IRQCTX_STRESS=short|long, default short) when a stress test exists.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

VARIANT=default stress=0 misuse=1 host_checks=1
while [ $# -gt 0 ]; do
	case $1 in
	--variant) VARIANT=${2:?--variant needs a name}; shift ;;
	--variant=*) VARIANT=${1#*=} ;;
	--stress) stress=1 ;;
	--no-misuse) misuse=0 ;;
	--no-host-checks) host_checks=0 ;;
	*) die "unknown argument $1 (see the comment at the top of $0)" ;;
	esac
	shift
done
kernel_fragments "$VARIANT" >/dev/null	# dies on an unknown variant
if [ "$VARIANT" = default ]; then
	OUT=out
else
	OUT=out/$VARIANT misuse=0 host_checks=0
fi
mkdir -p "$OUT"
SLOWDOWN=$(kernel_slowdown "$VARIANT")
export IRQCTX_STRESS=${IRQCTX_STRESS:-short}
T=scripts/selftests/irqctx

declare -a TIMES
phase() {	# phase NAME COMMAND...: run, time, remember
	local name=$1 start=$SECONDS; shift
	log "== $name$([ "$VARIANT" = default ] || echo " ($VARIANT kernel)")"
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

# The module for this variant's kernel (module_for in lib.sh: in the clone
# for the default kernel, in out/VARIANT/module for the others).
KO=
build_module() {
	KO=$(module_for "$VARIANT")
	make -s -C "$T"
}

# The guest's files: run_guest.sh runs every TEST_PROGS of the Makefile (one
# that is missing fails there, the others still run).
makefile_var() { sed -n "s/^$1 := //p" "$T/Makefile"; }
guest_files() {
	local f
	echo "$KO:/irqctx/irqctx.ko"
	for f in lib.sh Makefile settings $(makefile_var TEST_PROGS) $(makefile_var TEST_GEN_FILES); do
		if [ -e "$T/$f" ]; then echo "$T/$f"; else log "warning: no $T/$f"; fi
	done
	echo "$(kernel_src_dir)/tools/testing/selftests/kselftest/ktap_helpers.sh"
}

# boot_guest LOG [TESTS]: boot this variant with run_guest.sh, which runs
# TESTS (default: the Makefile's TEST_PROGS) then the detectors' checks;
# status in $guest_status. Kernel command line words a=b (no dot) become the
# environment of the guest's init, and so of the tests.
boot_guest() {
	local logfile=$1 tests=${2:-}
	mapfile -t files < <(guest_files)
	set +e
	scripts/vm.sh -q -K "$VARIANT" -t "$GUEST_TIMEOUT" -l "$logfile" \
		-a "loglevel=4 IRQCTX_SLOWDOWN=$SLOWDOWN IRQCTX_STRESS=$IRQCTX_STRESS${tests:+ IRQCTX_TESTS=$tests}" \
		"$T/run_guest.sh" "${files[@]}" ${tests:+"$T/$tests"}
	guest_status=$?
	set -e
}

# The default kernel runs the suite in 2-3 minutes idle, and several times
# that on a host loaded with other work (two CPU hogs on two cores: 13
# minutes): these are hang guards, not time limits. Each test program also
# has the kselftest timeout of its settings file (1200 s). The slow variants
# get their slowdown's worth.
GUEST_TIMEOUT=3600
[ "$SLOWDOWN" -gt 1 ] && GUEST_TIMEOUT=$((3600 * SLOWDOWN))

run_guest() { boot_guest "$OUT/console.log"; }

# The stress run: a guest of its own, sized by IRQCTX_STRESS, with the same
# detectors' checks at the end.
# HOOK: scripts/selftests/irqctx/irqctx_stress_test.sh (being written) runs
# here once it exists and is not already one of the Makefile's TEST_PROGS.
STRESS_TEST=$T/irqctx_stress_test.sh
stress_status=
run_stress() {
	if [ ! -f "$STRESS_TEST" ]; then
		log "no $STRESS_TEST yet: nothing to stress"
		return
	fi
	if makefile_var TEST_PROGS | grep -qw "$(basename "$STRESS_TEST")"; then
		log "$(basename "$STRESS_TEST") is in TEST_PROGS: it ran with the suite"
		return
	fi
	boot_guest "$OUT/stress.log" "$(basename "$STRESS_TEST")"
	stress_status=$guest_status
}

total=$SECONDS
phase setup bash scripts/setup.sh
phase kernel-build scripts/build-kernel.sh "$VARIANT" >/dev/null
phase module-build build_module
[ "$host_checks" = 1 ] && phase host-checks eval 'host_check "rustfmt --check (kernel .rustfmt.toml)" make -s rustfmtcheck;
	host_check "clippy (CLIPPY=1) finds nothing" make -s clippy;
	host_check "Documentation builds with Sphinx, no warning" \
		sphinx-build -W --keep-going -q -b html Documentation out/docs'
phase guest-run run_guest
guest_run_status=$guest_status
[ "$stress" = 1 ] && phase stress run_stress
[ "$misuse" = 1 ] && phase misuse-suite eval 'scripts/misuse.sh | tee out/misuse.ktap || true'

# count_ktap LOG STATUS: add LOG's KTAP results to the totals; a guest that
# failed without a failed test counts as one failure.
guest_pass=0 guest_fail=0 guest_skip=0
count_ktap() {
	local log=$1 status=$2 p s f
	p=$(grep -cE '^ok [0-9]+ ' "$log" || true)
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log" || true)
	f=$(grep -cE '^not ok [0-9]+ ' "$log" || true)
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		log "guest ($log) exited with status $status without a failed test: counting it as one"
		f=1
	fi
	guest_pass=$((guest_pass + p - s)) guest_skip=$((guest_skip + s)) guest_fail=$((guest_fail + f))
}
count_ktap "$OUT/console.log" "$guest_run_status"
[ -n "$stress_status" ] && count_ktap "$OUT/stress.log" "$stress_status"
misuse_pass=0 misuse_fail=0
if [ "$misuse" = 1 ]; then
	misuse_pass=$(grep -cE '^ok [0-9]+ ' out/misuse.ktap || true)
	misuse_fail=$(grep -cE '^not ok [0-9]+ ' out/misuse.ktap || true)
	[ $((misuse_pass + misuse_fail)) -gt 0 ] || misuse_fail=1	# the harness bailed out
fi

echo
echo "== timings ($VARIANT kernel)"
printf '  %s\n' "${TIMES[@]}" "total $((SECONDS - total))s"
echo "console logs: $OUT/console.log$([ -n "$stress_status" ] && echo ", $OUT/stress.log")$([ "$misuse" = 1 ] && echo ", out/misuse/*.log")"
passed=$((host_pass + guest_pass + misuse_pass)); failed=$((host_fail + guest_fail + misuse_fail))
echo "$passed passed, $failed failed, $guest_skip skipped"
[ "$failed" -eq 0 ]
