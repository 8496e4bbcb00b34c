#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build an irqctx test kernel out of tree from Debian's linux-source-7.3:
# tinyconfig with the variant's config fragments (see kernel_fragments in
# lib.sh): "default" is tinyconfig + scripts/selftests/irqctx/config, "debug"
# adds scripts/kernel/debug.config (KASAN, kmemleak, debug objects...),
# "kcsan" then scripts/kernel/kcsan.config (KCSAN instead of KASAN). The
# build lives in the cache, keyed by source version, variant and fragments,
# so it is built once and reused; an interrupted or changed build resumes
# incrementally.
#
#   build-kernel.sh [VARIANT]               build (default: "default")
#   build-kernel.sh --kdir [VARIANT]        where the build is (or will be)
#
# It builds with the kernel toolchain (scripts/kmake.sh, in the toolchain
# root of lib.sh), whose identity is part of the cache key.
# Prints the build directory (usable as KDIR) on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

action=build variant=$IRQCTX_VARIANT
for arg in "$@"; do
	case $arg in
	--kdir) action=kdir ;;
	-*) die "unknown option $arg (see the comment at the top of $0)" ;;
	*) variant=$arg ;;
	esac
done
# Debian's kernels are prepared, not built.
if flavour=$(debian_flavour "$variant"); then
	case $action in
	kdir) exec "$IRQCTX_TOP/scripts/debian-kernel.sh" --kdir "$flavour" ;;
	*) exec "$IRQCTX_TOP/scripts/debian-kernel.sh" "$flavour" ;;
	esac
fi
mapfile -t fragments < <(kernel_fragments "$variant")
[ ${#fragments[@]} -gt 0 ] || exit 1	# unknown variant (kernel_fragments said why)
for f in "${fragments[@]}"; do [ -f "$f" ] || die "variant $variant: no fragment $f"; done

case $action in
kdir) kernel_build_dir "$variant"; exit 0 ;;
esac

src=$(kernel_src_dir)
[ -f "$src/.irqctx-unpacked" ] || die "kernel source not unpacked: run scripts/setup.sh"
out=$(kernel_build_dir "$variant")
stamp="$out/.irqctx-built"

kmake() { "$IRQCTX_TOP/scripts/kmake.sh" -C "$src" O="$out" ARCH=x86_64 "$@"; }

# The config records the pahole it was made with (CONFIG_PAHOLE_VERSION),
# and a module built with another one warns. A build configured before
# pahole was in the toolchain is reconfigured; kbuild then rebuilds only
# what depends on that option.
pahole=$(in_root "$src/scripts/pahole-version.sh" pahole || true)
if [ -f "$out/.config" ] && ! grep -qx "CONFIG_PAHOLE_VERSION=$pahole" "$out/.config"; then
	log "kernel: $variant was configured with another pahole: reconfiguring (pahole $pahole)"
	kmake -s olddefconfig >"$out/config.log" 2>&1 ||
		{ cat "$out/config.log" >&2; die "kernel: reconfiguring $variant failed"; }
	rm -f "$stamp"
fi

if [ -f "$stamp" ] && [ -f "$out/arch/x86/boot/bzImage" ]; then
	log "kernel: cached $variant build in $out"
	echo "$out"
	exit 0
fi

mkdir -p "$out"

names=$(for f in "${fragments[@]}"; do printf ' + %s' "${f#"$IRQCTX_TOP"/}"; done)
stale=0
[ -f "$out/.config" ] || stale=1
for f in "${fragments[@]}"; do [ "$f" -nt "$out/.config" ] && stale=1; done
if [ "$stale" -eq 1 ]; then
	log "kernel: configuring $variant (tinyconfig$names)"
	# tinyconfig's own inputs, with the fragments in the same allnoconfig
	# pass rather than merged afterwards: an option that a fragment makes
	# visible then starts off like everything else in tinyconfig, instead of
	# at its Kconfig default (TTY alone would bring VT, INPUT, SERIO and PS/2
	# mouse drivers, ACPI its battery, fan and thermal drivers). A third less
	# to compile; what a test needs is in the fragments.
	cat "$src/kernel/configs/tiny-base.config" "$src/kernel/configs/tiny.config" \
		"$src/arch/x86/configs/tiny.config" "${fragments[@]}" >"$out/allno.config"
	kmake -s KCONFIG_ALLCONFIG="$out/allno.config" allnoconfig >"$out/config.log" 2>&1 ||
		{ cat "$out/config.log" >&2; die "kernel: configuring $variant failed"; }
fi

# Options that do not stick (a missing dependency, a toolchain check that
# failed) are silently dropped by Kconfig: refuse to build without them.
# Every fragment counts, a later one overriding an earlier one (as in
# merge_config.sh): "CONFIG_X=v" must be in .config, and "# CONFIG_X is not
# set" means CONFIG_X must not be set.
bad=0
while IFS=$'\t' read -r frag opt want; do
	have=$(grep -E "^(# )?$opt[= ]" "$out/.config" || true)
	case $want in
	unset) case $have in "$opt="*) ok=0 ;; *) ok=1 ;; esac; want="# $opt is not set" ;;
	*) [ "$have" = "$want" ] && ok=1 || ok=0 ;;
	esac
	if [ "$ok" -eq 0 ]; then
		log "kernel: $want (${frag#"$IRQCTX_TOP"/}) did not stick (have: ${have:-unset})"
		bad=1
	fi
done < <(awk '
	/^CONFIG_[A-Za-z0-9_]+=/ { opt = $0; sub(/=.*/, "", opt); want[opt] = $0 }
	/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { opt = $2; want[opt] = "unset" }
	(opt != "") { if (!(opt in from)) order[++n] = opt; from[opt] = FILENAME; opt = "" }
	END { for (i = 1; i <= n; i++) print from[order[i]] "\t" order[i] "\t" want[order[i]] }
	' "${fragments[@]}")
if [ "$bad" -ne 0 ]; then
	kmake -s rustavailable >&2 || true	# says why RUST, if it is RUST
	die "kernel: the config fragments of variant $variant did not apply"
fi

log "kernel: building $(kernel_src_version) ($variant) with -j$JOBS in $out (a dot per 100 lines of make output)"
SECONDS=0
run_quiet "$out/build.log" kmake -j"$JOBS" all
touch "$stamp"
log "kernel: built in ${SECONDS}s"
echo "$out"
