#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/demo.sh: load irqctx, start the hrtimer source and
# show live events with cat, then an edu device interrupt and an irq_work
# through every bottom half. Runs as root in the QEMU guest.
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
echo "### a real device interrupt and an irq_work, every bottom half selected:"
echo "### echo bh=workqueue,bh,thread; echo raise=1; echo factorial=5; echo irq_work=1"
exec 3</dev/irqctx
echo bh=workqueue,bh,thread >/dev/irqctx
echo raise=1 >/dev/irqctx
echo factorial=5 >/dev/irqctx
echo irq_work=1 >/dev/irqctx
# Every stage has run once each top half's work items finished: read what is
# there (the thread and workqueue stages sleep, so wait for the last one).
while ! grep -q 'src=irq_work stage=workqueue' /tmp/demo 2>/dev/null; do
	dd bs=65536 count=1 <&3 2>/dev/null >>/tmp/demo
done
cat /tmp/demo
exec 3<&-
echo "### cat /sys/kernel/debug/irqctx/stats"
cat /sys/kernel/debug/irqctx/stats
echo "### rmmod irqctx"
rmmod irqctx
