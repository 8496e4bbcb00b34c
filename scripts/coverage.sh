#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Which of the module's code the guest suite reaches, measured with KCOV.
#
#   scripts/coverage.sh [--variant VARIANT] [--update-docs]
#
# Runs the guest suite (scripts/test.sh --variant VARIANT --no-misuse) on a
# kernel with KCOV (default: debug, where KCOV instruments the module alone),
# the whole kselftest run under irqctx_kcov (IRQCTX_KCOV=1): every process
# the tests start, and the workers, softirqs and IRQ threads the module runs
# for them (rust/kcov.rs). The points reached are mapped to functions and
# source lines with the module's debug information (llvm-objdump -d -l -r
# on irqctx.ko) by scripts/coverage/report.py, which prints functions and
# points reached per file and every function never reached, with the
# reason scripts/coverage/reasons gives for it (or "no reason known": a
# gap). Hardirq code (the top halves) is invisible to KCOV: its functions
# are listed as such. Writes out/coverage/: points, report.txt and
# coverage.png; --update-docs copies the last two into
# Documentation/coverage/. Exits 1 if the suite failed (the figures are
# still written).

set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

variant=debug docs=0
while [ $# -gt 0 ]; do
	case $1 in
	--variant) variant=${2:?--variant needs a name}; shift ;;
	--update-docs) docs=1 ;;
	*) die "unknown option $1 (see the comment at the top of $0)" ;;
	esac
	shift
done

bash scripts/setup.sh
need_matplotlib coverage
scripts/build-kernel.sh "$variant" >/dev/null
grep -q '^CONFIG_KCOV=y' "$(kernel_build_dir "$variant")/.config" ||
	die "the $variant kernel has no KCOV (scripts/kernel/debug.config has it)"
out=out/coverage
mkdir -p "$out"
log "coverage: the guest suite on the $variant kernel, under KCOV"
status=0
IRQCTX_KCOV=1 scripts/test.sh --variant "$variant" --no-misuse >"$out/suite.log" 2>&1 || status=$?
tail -n 1 "$out/suite.log" >&2
console=out/$variant/console.log
sed -n '/^IRQCTX-KCOV-BEGIN/,/^IRQCTX-KCOV-END/p' "$console" | tr -d '\r' | grep -v '^IRQCTX-KCOV' >"$out/points" || true
grep -q '^# points=' "$out/points" || die "no coverage in the console ($console)"
ko=out/$variant/module/irqctx.ko
in_root llvm-objdump -d -l -r -C --no-show-raw-insn --section=.text "$ko" >"$out/irqctx.dis"
in_root llvm-objdump -r -C "$ko" >"$out/irqctx.relocs"
/usr/bin/python3 scripts/coverage/report.py "$out/irqctx.dis" "$out/points" scripts/coverage/reasons \
	"$out" "guest suite, $variant kernel" "$out/irqctx.relocs"
if [ "$docs" = 1 ]; then
	mkdir -p Documentation/coverage
	cp "$out/report.txt" "$out/coverage.png" Documentation/coverage/
	log "coverage: Documentation/coverage/ updated"
fi
exit "$status"
