#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel toolchain (lib.sh: in the toolchain root, or native on Debian 13):
#
#   scripts/kmake.sh ARGS...            make RUSTC=rustc ... [LLVM=1] ARGS...
#   scripts/kmake.sh --exec COMMAND...  any other command (rustfmt, clippy-driver...)
#
# in the current directory. make gets LLVM=1, the project's kernels'
# compiler, unless ARGS choose one (LLVM= or CC=) or the tree was configured
# for gcc (CONFIG_CC_IS_GCC in the .config of O=DIR, else of -C DIR: Debian's
# kernels, whose headers name their gcc themselves). The
# directories named by -C DIR, O=DIR and M=DIR are made visible in the root
# at their own paths, so that it works for any kernel tree (make KDIR=...,
# scripts/own-kernel.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --exec ]; then
	shift
	in_root "$@"
	exit
fi
binds=${IRQCTX_ROOT_BINDS:-} cc=(LLVM=1) prev= tree= objtree=
for arg in "$@"; do
	case $prev,$arg in
	-C,*) tree=$(realpath -m "$arg"); binds="$binds $tree" ;;
	*,O=*) objtree=$(realpath -m "${arg#O=}"); binds="$binds $objtree" ;;
	*,M=*) binds="$binds $(realpath -m "${arg#M=}")" ;;
	*,LLVM=* | *,CC=*) cc=() ;;
	esac
	prev=$arg
done
grep -qs '^CONFIG_CC_IS_GCC=y' "${objtree:-$tree}/.config" && cc=()
IRQCTX_ROOT_BINDS=$binds in_root make "${KMAKE_VARS[@]}" "${cc[@]}" "$@"
