#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel toolchain (lib.sh: in the toolchain root, or native on Debian 13):
#
#   scripts/kmake.sh ARGS...            make RUSTC=rustc ... [LLVM=1] ARGS...
#   scripts/kmake.sh --exec COMMAND...  any other command (rustfmt, clippy-driver...)
#
# in the current directory. make gets LLVM=1 unless ARGS choose the C
# compiler themselves (LLVM= or CC=: a tree built with gcc wants gcc). The
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
binds=${IRQCTX_ROOT_BINDS:-} cc=(LLVM=1) prev=
for arg in "$@"; do
	case $prev,$arg in
	-C,*) binds="$binds $(realpath -m "$arg")" ;;
	*,O=* | *,M=*) binds="$binds $(realpath -m "${arg#?=}")" ;;
	*,LLVM=* | *,CC=*) cc=() ;;
	esac
	prev=$arg
done
IRQCTX_ROOT_BINDS=$binds in_root make "${KMAKE_VARS[@]}" "${cc[@]}" "$@"
