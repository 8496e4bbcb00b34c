#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of scripts/fuzz.sh: load irqctx and run irqctx_fuzz's guided
# mode (fuzz_guide.c) on the files the host put in /fuzz.
#
#   fuzz_guest.sh guided MINUTES   guided by coverage, from /fuzz/corpus
#   fuzz_guest.sh random MINUTES   random programs, the same checks
#   fuzz_guest.sh replay           each program of /fuzz/replay once
#
# /fuzz/regressions (saved failures) runs first in the first two. Each
# program is written to the second serial port, if there is one, before it
# runs: the host's record of what a guest that died was running. Then the
# module is unloaded, and the kernel must stay silent meanwhile.

. "$(dirname "$0")/lib.sh"

FUZZ="$(dirname "$0")/irqctx_fuzz"
flight=
[ -c /dev/ttyS1 ] && flight="-F /dev/ttyS1"
export IRQCTX_LINE_RE="$LINE_RE" IRQCTX_SPLATS="$SPLATS"

load || exit 1
case $1 in
guided) "$FUZZ" -G "$2" -c /fuzz/corpus -x /fuzz/regressions $flight ;;
random) "$FUZZ" -G "$2" -R -x /fuzz/regressions $flight ;;
replay) "$FUZZ" -r /fuzz/replay $flight ;;
*) echo "usage: fuzz_guest.sh guided|random MINUTES | replay" >&2; exit 3 ;;
esac
rc=$?
if ! rmmod irqctx; then
	echo "IRQCTX-FUZZ: rmmod irqctx failed (refcnt $(cat /sys/module/irqctx/refcnt))"
	rc=1
fi
test_no_splats || rc=1
exit $rc
