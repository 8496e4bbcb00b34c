#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the irqctx test kernel out of tree from Debian's linux-source-6.12:
# tinyconfig + scripts/selftests/irqctx/config. The build lives in the cache,
# keyed by source version and fragment, so it is built once and reused; an
# interrupted or changed build resumes incrementally.
#
# Prints the build directory (usable as KDIR) on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

case "${1:-}" in
--kdir) kernel_build_dir; exit 0 ;;		# where the build is (or will be)
--make-vars) echo "${KMAKE_VARS[*]}"; exit 0 ;;	# toolchain variables for make
esac

src=$(kernel_src_dir)
[ -f "$src/.irqctx-unpacked" ] || die "kernel source not unpacked: run scripts/setup.sh"
out=$(kernel_build_dir)
stamp="$out/.irqctx-built"

if [ -f "$stamp" ] && [ -f "$out/arch/x86/boot/bzImage" ]; then
	log "kernel: cached build in $out"
	echo "$out"
	exit 0
fi

mkdir -p "$out"
export RUST_LIB_SRC
RUST_LIB_SRC=$(rust_lib_src)
kmake() { make -C "$src" O="$out" ARCH=x86_64 "${KMAKE_VARS[@]}" "$@"; }

if [ ! -f "$out/.config" ] || [ "$KCONFIG_FRAGMENT" -nt "$out/.config" ]; then
	log "kernel: configuring (tinyconfig + $(basename "$(dirname "$KCONFIG_FRAGMENT")")/config)"
	kmake -s tinyconfig >/dev/null
	KCONFIG_CONFIG="$out/.config" "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "$KCONFIG_FRAGMENT" >"$out/merge_config.log"
	kmake -s olddefconfig >/dev/null
fi

# Options that do not stick (a missing dependency, a toolchain check that
# failed) are silently dropped by Kconfig: refuse to build without them.
bad=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	if ! grep -qx "$line" "$out/.config"; then
		log "kernel: $line did not stick (have: $(grep -E "^(# )?${line%%=*}[= ]" "$out/.config" || echo unset))"
		bad=1
	fi
done <"$KCONFIG_FRAGMENT"
if [ "$bad" -ne 0 ]; then
	kmake -s rustavailable >&2 || true	# says why RUST, if it is RUST
	die "kernel: the config fragment did not apply"
fi

log "kernel: building $(kernel_src_version) with -j$JOBS in $out (a dot per 100 lines of make output)"
SECONDS=0
run_quiet "$out/build.log" kmake -j"$JOBS" all
touch "$stamp"
log "kernel: built in ${SECONDS}s"
echo "$out"
