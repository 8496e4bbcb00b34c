#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The test command: from a bare Debian 12 machine to a verdict.
# Installs the toolchain, prepares Debian's stock 7.3 kernel as a build
# target (cached; IRQCTX_VARIANT in lib.sh), builds the module and the
# kselftest install, checks rustfmt, clippy and the documentation, boots the
# kernel under QEMU and runs the kselftests there through run_kselftest.sh
# (run_guest.sh: the suite, a short stress run, then the detectors' verdict:
# kmemleak, KASAN/KCSAN/lockdep/... reports in dmesg), then the misuse
# harness (one boot per case). Prints each phase's wall time, then a summary
# whose last line is "N passed, N failed, N skipped".
#
#   scripts/test.sh [--variant VARIANT] [--no-misuse] [--no-host-checks]
#
# --variant runs on another kernel variant (build-kernel.sh VARIANT; the
# own test kernel is "default"): its kernel, the module built against it (in
# out/VARIANT/module), the same guest suite, with output in out/VARIANT/,
# and no host checks (they are the same on any kernel). The misuse harness runs on the
# kernels that have a column in the detector matrix (scripts/misuse-matrix:
# default, rt, debian, debian-rt), not on the debug ones (debug, kcsan).
# IRQCTX_STRESS=full makes the stress test full size (hours).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$IRQCTX_TOP"

VARIANT=$IRQCTX_VARIANT misuse=1 host_checks=1 OUT=out
while [ $# -gt 0 ]; do
	case $1 in
	--variant) VARIANT=${2:?--variant needs a name} OUT=out/$2 host_checks=0; shift ;;
	--variant=*) VARIANT=${1#*=} OUT=out/${1#*=} host_checks=0 ;;
	--no-misuse) misuse=0 ;;
	--no-host-checks) host_checks=0 ;;
	*) die "unknown argument $1 (see the comment at the top of $0)" ;;
	esac
	shift
done
kernel_fragments "$VARIANT" >/dev/null	# dies on an unknown variant
mkdir -p "$OUT"
cut -f2 scripts/misuse-matrix | grep -qx "$VARIANT" || misuse=0
SLOWDOWN=$(kernel_slowdown "$VARIANT")
export IRQCTX_STRESS=${IRQCTX_STRESS:-short}
T=scripts/selftests/irqctx

declare -a TIMES
phase() {	# phase NAME COMMAND...: run, time, remember
	local name=$1 start=$SECONDS; shift
	log "== $name ($VARIANT kernel)"
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
# ... and the kselftest install the guest runs (install_selftests in lib.sh).
KO=
build_module() {
	KO=$(module_for "$VARIANT")
	install_selftests "$OUT/kselftest" "$KO"
}

# The detectors this variant's kernel is built with (from its .config),
# comma-separated: the guest's detectors test requires each to be active,
# so that "no KASAN report" means KASAN watched and found nothing.
detectors() {
	local config d=
	config=$(kernel_build_dir "$VARIANT")/.config
	[ -f "$config" ] || die "no .config for the $VARIANT kernel ($config)"
	grep -q '^CONFIG_KASAN=y' "$config" && d=$d,kasan
	grep -q '^CONFIG_KCSAN=y' "$config" && d=$d,kcsan
	grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "$config" &&
		! grep -q '^CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF=y' "$config" && d=$d,kmemleak
	grep -q '^CONFIG_DEBUG_OBJECTS=y' "$config" && d=$d,debug_objects
	grep -q '^CONFIG_PROVE_LOCKING=y' "$config" && d=$d,lockdep
	d=${d#,}
	echo "${d:-none}"
}

# 1 when the kernel runs a module's KUnit suites (irqctx_kunit_test.sh), else 0.
kunit() {
	grep -q '^CONFIG_KUNIT_DEBUGFS=y' "$(kernel_build_dir "$VARIANT")/.config" && echo 1 || echo 0
}

# boot_guest LOG [TESTS]: boot this variant with run_guest.sh, which runs
# TESTS (default: all of them) through run_kselftest.sh, then the
# detectors' verdict; status in $guest_status. Kernel command line words a=b
# (no dot) become the environment of the guest's init, and so of the tests.
# The guest has both edu devices and its kernel's detectors: a test that
# would skip there fails (IRQCTX_NO_SKIP=1).
boot_guest() {
	local logfile=$1 tests=${2:-}
	set +e
	scripts/vm.sh -q -K "$VARIANT" -t "$GUEST_TIMEOUT" -l "$logfile" \
		-a "loglevel=4 IRQCTX_SLOWDOWN=$SLOWDOWN IRQCTX_STRESS=$IRQCTX_STRESS IRQCTX_NO_SKIP=1 IRQCTX_DETECTORS=$(detectors) IRQCTX_KUNIT=$(kunit) IRQCTX_KCOV=${IRQCTX_KCOV:-0}${tests:+ IRQCTX_TESTS=$tests}" \
		"$T/run_guest.sh" "$OUT/kselftest:/kselftest" $(perl_files)
	guest_status=$?
	set -e
}

# The default kernel runs the suite in 2-3 minutes idle, and several times
# that on a host loaded with other work (two CPU hogs on two cores: 13
# minutes): these are hang guards, not time limits. Each test program also
# has the kselftest timeout of its settings file (600 s). The slow variants
# get their slowdown's worth.
GUEST_TIMEOUT=3600
[ "$SLOWDOWN" -gt 1 ] && GUEST_TIMEOUT=$((3600 * SLOWDOWN))

run_guest() { boot_guest "$OUT/console.log"; }

total=$SECONDS
phase setup bash scripts/setup.sh
phase kernel scripts/build-kernel.sh "$VARIANT" >/dev/null
phase module-build build_module
[ "$host_checks" = 1 ] && phase host-checks eval 'host_check "rustfmt --check (kernel .rustfmt.toml)" make -s rustfmtcheck;
	host_check "clippy (CLIPPY=1) finds nothing" make -s clippy;
	host_check "no import circle: rust/ files import only downward" scripts/import-cycles.py;
	host_check "UI tests: rustc refuses what the abstractions forbid (tests/ui)" scripts/ui-test.sh;
	host_check "vm.sh boots again only a kernel that died before the script (tests/vm)" scripts/vm-test.sh;
	host_check "Documentation builds with Sphinx, no warning" \
		sphinx-build -W --keep-going -q -b html Documentation out/docs'
phase guest-run run_guest
guest_run_status=$guest_status
[ "$misuse" = 1 ] && phase misuse-suite eval 'scripts/misuse.sh --kernel "$VARIANT" | tee "$OUT/misuse.ktap" || true'

# count_ktap LOG STATUS: add the results of LOG's test programs to the
# totals. run_kselftest.sh prints each program's own KTAP lines indented
# with "# ", then the program's result line: the indented lines are counted;
# a program that failed (a timeout, a crash) without a failing line of its
# own counts as one failure, and so does a guest that failed without any.
guest_pass=0 guest_fail=0 guest_skip=0
count_ktap() {
	local p s f
	read -r p s f < <(awk '
		/^# (not )?ok [0-9]+ / { if ($2 == "ok") { if (/# SKIP/) s++; else p++ } else { f++; own++ } }
		/^# selftests: / { own = 0 }
		/^not ok [0-9]+ selftests: / && own == 0 { print "# " $0 " (no failed test of its own)" >"/dev/stderr"; f++ }
		/^ok [0-9]+ selftests: .*# SKIP/ { s++ }
		END { print p + 0, s + 0, f + 0 }' "$1")
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		log "guest ($1) exited with status $2 without a failed test: counting it as one"
		f=1
	fi
	guest_pass=$((guest_pass + p)) guest_skip=$((guest_skip + s)) guest_fail=$((guest_fail + f))
}
count_ktap "$OUT/console.log" "$guest_run_status"
misuse_pass=0 misuse_fail=0
if [ "$misuse" = 1 ]; then
	misuse_pass=$(grep -cE '^ok [0-9]+ ' "$OUT/misuse.ktap" || true)
	misuse_fail=$(grep -cE '^not ok [0-9]+ ' "$OUT/misuse.ktap" || true)
	misuse_plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$OUT/misuse.ktap")
	# Every planned case has its result (a harness that bailed out, or died
	# half-way, has fewer).
	if [ -z "$misuse_plan" ] || [ $((misuse_pass + misuse_fail)) != "$misuse_plan" ]; then
		log "misuse suite: plan ${misuse_plan:-missing}, $((misuse_pass + misuse_fail)) results: counting one failure"
		misuse_fail=$((misuse_fail + 1))
	fi
fi

echo
echo "== timings ($VARIANT kernel)"
printf '  %s\n' "${TIMES[@]}" "total $((SECONDS - total))s"
echo "console logs: $OUT/console.log$([ "$misuse" = 1 ] && echo ", out/misuse/$VARIANT/*.log")"
passed=$((host_pass + guest_pass + misuse_pass)); failed=$((host_fail + guest_fail + misuse_fail))
echo "$passed passed, $failed failed, $guest_skip skipped"
[ "$failed" -eq 0 ]
