// SPDX-License-Identifier: GPL-2.0
/*
 * irqctx_twin: benchmark-only C twin of irqctx's hrtimer top half, for the
 * bench's P2 (scripts/bench.sh): what the same hot path costs written in C,
 * and what an empty handler costs on the same source.
 *
 * With empty=0 the callback does what irqctx's does with bh=none (see
 * rust/sources/hrtimer.rs and IrqCtx::record_top in rust/device.rs): capture
 * the context (the same C helpers' work: CPU, preempt count, context
 * predicates, pid, comm, stack), read the clock and the expiry, take an
 * irqsave spinlock, push a record into a 256-entry ring, count it, add its
 * delay to the min/avg/max statistics and to a histogram, unlock, wake the
 * readers' wait queue, forward the timer. With empty=1 it only forwards the
 * timer. Either way its cost, entry to return on sched_clock(), goes into a
 * histogram with irqctx's buckets (rust/histogram.rs), shown in
 * /sys/kernel/debug/irqctx_twin/latency in irqctx's format.
 *
 * Not part of irqctx: nothing reads its ring, and it has no file but that.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/task_stack.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "irq_stack.h"

static unsigned long period_us = 1000;
module_param(period_us, ulong, 0444);
MODULE_PARM_DESC(period_us, "hrtimer period in microseconds (default 1000)");

static bool empty;
module_param(empty, bool, 0444);
MODULE_PARM_DESC(empty, "an empty handler: forward the timer and return (default 0)");

/* -- Histograms: rust/histogram.rs's buckets ----------------------------- */

#define SUB_BITS 5
#define SUB (1ULL << SUB_BITS)
#define MAX_EXP 37
#define BUCKETS ((MAX_EXP - SUB_BITS + 1) * SUB)

struct histogram {
	atomic64_t buckets[BUCKETS];
	atomic64_t max_ns;
};

static unsigned int bucket(u64 ns)
{
	unsigned int exp;
	u64 mantissa;

	if (ns < SUB)
		return ns;
	exp = min(fls64(ns) - 1, MAX_EXP - 1);
	mantissa = min(ns >> (exp - SUB_BITS), 2 * SUB - 1);
	return (exp - SUB_BITS + 1) * SUB + mantissa - SUB;
}

static u64 bucket_end(unsigned int i)
{
	unsigned int shift;

	if (i < SUB)
		return i + 1;
	shift = i / SUB - 1;
	return ((SUB + i % SUB) << shift) + (1ULL << shift);
}

static void hist_record(struct histogram *h, s64 ns)
{
	s64 max = atomic64_read(&h->max_ns);

	if (ns < 0)
		ns = 0;
	atomic64_inc(&h->buckets[bucket(ns)]);
	while (ns > max && !atomic64_try_cmpxchg(&h->max_ns, &max, ns))
		;
}

static void hist_show(struct seq_file *m, const char *metric, struct histogram *h)
{
	static const unsigned int per_100k[] = { 50000, 90000, 99000, 99900 };
	static const char *const names[] = { "p50", "p90", "p99", "p999" };
	u64 count = 0, max = atomic64_read(&h->max_ns);

	for (int i = 0; i < BUCKETS; i++)
		count += atomic64_read(&h->buckets[i]);
	seq_printf(m, "metric=%s source=hrtimer stage=top count=%llu", metric, count);
	for (int p = 0; p < ARRAY_SIZE(per_100k); p++) {
		u64 rank = max_t(u64, DIV_ROUND_UP_ULL(count * per_100k[p], 100000), 1), seen = 0;
		u64 value = 0;

		for (int i = 0; count && i < BUCKETS; i++) {
			seen += atomic64_read(&h->buckets[i]);
			if (seen >= rank) {
				value = min(bucket_end(i) - 1, max);
				break;
			}
		}
		seq_printf(m, " %s_ns=%llu", names[p], value);
	}
	seq_printf(m, " max_ns=%llu\n", max);
}

/* -- The twin of irqctx's device state ------------------------------------ */

#define RING_SIZE 256

/* rust/context.rs: Context. */
struct context {
	u32 cpu, preempt_count;
	bool hardirq, softirq, task, irqs_off;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	u8 stack;
	u32 stack_used;
};

/* rust/event.rs: Event (the edu fields as their largest variant). */
struct event {
	u64 seq;
	u8 source, stage;
	u64 top_seq;
	u32 batch;
	s64 t_ns, delay_ns, slept_ns;
	u64 nvcsw;
	struct context ctx;
	u32 edu[4];
};

/* rust/device.rs: DelayStats. */
struct delay_stats {
	u64 count;
	s64 min_ns, max_ns, sum_ns;
};

static struct {
	spinlock_t lock;
	struct event ring[RING_SIZE];
	u64 next_seq;
	u64 top;
	struct delay_stats delay;
	wait_queue_head_t readers;
	struct hrtimer timer;
	struct histogram delay_hist, cost_hist;
	struct dentry *dir;
} twin;

/* rust/context.rs: Context::capture() and Stack::current(). */
static void context_capture(struct context *c)
{
	unsigned long sp = current_stack_pointer;
	unsigned long task = (unsigned long)task_stack_page(current);
	unsigned long irq_top = 0;

	c->cpu = raw_smp_processor_id();
	c->preempt_count = preempt_count();
	c->hardirq = in_hardirq();
	c->softirq = in_serving_softirq();
	c->task = in_task();
	c->irqs_off = irqs_disabled();
	memcpy(c->comm, current->comm, TASK_COMM_LEN);
	c->pid = current->pid;
	if (sp >= task && sp < task + THREAD_SIZE) {
		c->stack = 1;
		c->stack_used = task + THREAD_SIZE - sp;
	} else if ((irq_top = irqctx_find_irq_stack_top(sp)) && sp >= irq_top - IRQ_STACK_SIZE) {
		c->stack = 2;
		c->stack_used = irq_top - sp;
	} else {
		c->stack = 0;
		c->stack_used = 0;
	}
}

static void delay_add(struct delay_stats *d, s64 ns)
{
	if (!d->count || ns < d->min_ns)
		d->min_ns = ns;
	d->max_ns = max(d->max_ns, ns);
	d->sum_ns += ns;
	d->count++;
}

/* rust/device.rs: IrqCtx::record_top() with no bottom half selected. */
static void record_top(const struct event *ev)
{
	unsigned long flags;
	u64 seq;

	spin_lock_irqsave(&twin.lock, flags);
	seq = twin.next_seq++;
	twin.ring[seq % RING_SIZE] = *ev;
	twin.ring[seq % RING_SIZE].seq = seq;
	twin.top++;
	delay_add(&twin.delay, ev->delay_ns);
	hist_record(&twin.delay_hist, ev->delay_ns);
	spin_unlock_irqrestore(&twin.lock, flags);
	wake_up_all(&twin.readers);
}

static enum hrtimer_restart twin_fn(struct hrtimer *timer)
{
	u64 entry = sched_clock();
	ktime_t interval = ns_to_ktime(period_us * NSEC_PER_USEC);
	struct event ev = { .source = 0, .stage = 0 };

	if (!empty) {
		context_capture(&ev.ctx);
		ev.t_ns = ktime_get();
		ev.delay_ns = ev.t_ns - hrtimer_get_expires(timer);
		record_top(&ev);
	}
	hrtimer_forward_now(timer, interval);
	hist_record(&twin.cost_hist, sched_clock() - entry);
	return HRTIMER_RESTART;
}

static int latency_show(struct seq_file *m, void *unused)
{
	hist_show(m, "delay", &twin.delay_hist);
	hist_show(m, "cost", &twin.cost_hist);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(latency);

static int __init twin_init(void)
{
	if (period_us < 100 || period_us > 10000000)
		return -EINVAL;
	spin_lock_init(&twin.lock);
	init_waitqueue_head(&twin.readers);
	twin.next_seq = 1;
	twin.dir = debugfs_create_dir("irqctx_twin", NULL);
	debugfs_create_file("latency", 0444, twin.dir, NULL, &latency_fops);
	hrtimer_setup(&twin.timer, twin_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	hrtimer_start(&twin.timer, ns_to_ktime(period_us * NSEC_PER_USEC), HRTIMER_MODE_REL_PINNED);
	pr_info("irqctx_twin: %s handler every %lu us\n", empty ? "empty" : "C twin", period_us);
	return 0;
}

static void __exit twin_exit(void)
{
	hrtimer_cancel(&twin.timer);
	debugfs_remove(twin.dir);
}

module_init(twin_init);
module_exit(twin_exit);
MODULE_DESCRIPTION("irqctx bench: the hrtimer top half in C, and an empty one");
MODULE_LICENSE("GPL");
