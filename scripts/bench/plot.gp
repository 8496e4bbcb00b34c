# SPDX-License-Identifier: GPL-2.0
# The bench's plot (scripts/bench.sh): gnuplot -e "dir='out/bench'" plot.gp
#
# Each curve is a latency distribution drawn as the fraction of samples at
# or above each latency (a complementary CDF), both axes logarithmic: the
# median is where a curve crosses 0.5, p99 where it crosses 0.01, and the
# tail is the part to the right. A curve further left is faster.

set terminal pngcairo size 1400,600 font ",10" noenhanced
set output dir."/latency.png"
set multiplot layout 1,2
set logscale xy
set grid
set xlabel "latency (us)"
set ylabel "fraction of samples at or above"
set yrange [0.0001:1.2]
set key bottom left
p = dir."/plot/"

set title "Timer expiry -> ... (hrtimer every 1 ms, SCHED_FIFO 90; solid idle, dashed under load)"
plot p."p1-idle-cyclictest.dat" with steps lw 2 lc 1 title "cyclictest: expiry -> its task runs", \
     p."p1-load-cyclictest.dat" with steps lw 2 lc 1 dt 2 notitle, \
     p."p1-idle-irqctx.dat" with steps lw 2 lc 2 title "irqctx: expiry -> read() returns the record", \
     p."p1-load-irqctx.dat" with steps lw 2 lc 2 dt 2 notitle, \
     p."p1-idle-handler.dat" with steps lw 2 lc 3 title "irqctx: expiry -> top half runs", \
     p."p1-load-handler.dat" with steps lw 2 lc 3 dt 2 notitle

set title "Stage delays (solid clean, dashed with interrupts-off sections injected)"
plot p."stages-clean-hrtimer-top.dat" with steps lw 2 lc 1 title "hrtimer: expiry -> top half", \
     p."stages-irqsoff-hrtimer-top.dat" with steps lw 2 lc 1 dt 2 notitle, \
     p."stages-clean-hrtimer-bh.dat" with steps lw 2 lc 2 title "top half -> BH workqueue (softirq)", \
     p."stages-irqsoff-hrtimer-bh.dat" with steps lw 2 lc 2 dt 2 notitle, \
     p."stages-clean-hrtimer-workqueue.dat" with steps lw 2 lc 3 title "top half -> workqueue (kworker)", \
     p."stages-irqsoff-hrtimer-workqueue.dat" with steps lw 2 lc 3 dt 2 notitle, \
     p."stages-clean-edu-thread.dat" with steps lw 2 lc 4 title "edu: top half -> handler thread", \
     p."stages-irqsoff-edu-thread.dat" with steps lw 2 lc 4 dt 2 notitle
unset multiplot
