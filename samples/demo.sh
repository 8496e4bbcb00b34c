#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/demo.sh: load irqctx, start the hrtimer source and
# show live events with cat. Runs as root in the QEMU guest.
set -e
insmod /irqctx/irqctx.ko
echo
echo "### /dev/irqctx: $(ls -l /dev/irqctx)"
echo "### echo period_us=250000 > /dev/irqctx; echo start > /dev/irqctx"
echo period_us=250000 >/dev/irqctx
echo start >/dev/irqctx
echo "### cat /dev/irqctx   (top halves in hardirq, bottom halves in a kworker)"
cat /dev/irqctx | head -n "${DEMO_LINES:-12}"
echo stop >/dev/irqctx
echo "### rmmod irqctx"
rmmod irqctx
