// SPDX-License-Identifier: GPL-2.0
/*
 * One-line wrappers for what bindgen cannot see (static inlines, macros),
 * the module parameters, which 7.3's Rust `module!` cannot declare in sysfs
 * (rust/compat/params.rs), and the interrupt stack's top, which no exported
 * symbol gives (rust/irq_stack.h). All other logic is in the Rust
 * code.
 */
#include <linux/hardirq.h>
#include <linux/irq_work.h>
#include <linux/irqflags.h>
#include <linux/kcov.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/seqlock.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "helpers.h"
#include "irq_stack.h"


void irqctx_snapshot(struct irqctx_snapshot *s)
{
	s->sp = current_stack_pointer;
	s->task_stack = (unsigned long)task_stack_page(current);
	s->thread_size = THREAD_SIZE;
	s->irq_stack_top = 0;
#ifdef CONFIG_X86_64
	s->irq_stack_size = IRQ_STACK_SIZE;
	if (s->sp - s->task_stack >= THREAD_SIZE)
		s->irq_stack_top = irqctx_find_irq_stack_top(s->sp);
#else
	s->irq_stack_size = 0;
#endif
	s->cpu = raw_smp_processor_id();
	s->preempt_count = preempt_count();
	s->pid = current->pid;
	s->hardirq = in_hardirq();
	s->softirq = in_serving_softirq();
	s->task = in_task();
	s->irqs_off = irqs_disabled();
	memcpy(s->comm, current->comm, TASK_COMM_LEN);
}

/* A task_struct field the kernel crate has no accessor for. */
unsigned long irqctx_current_nvcsw(void) { return current->nvcsw; }

void irqctx_init_irq_work(struct irq_work *work, void (*func)(struct irq_work *))
{
	init_irq_work(work, func);
}

int irqctx_pci_domain_nr(const struct pci_dev *pdev)
{
	return pci_domain_nr(pdev->bus);
}

unsigned long irqctx_local_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void irqctx_local_irq_restore(unsigned long flags) { local_irq_restore(flags); }

/*
 * might_sleep() at the caller's file and line; on a kernel without
 * CONFIG_DEBUG_ATOMIC_SLEEP (a production one) __might_sleep() does not
 * exist and the check is nothing, as might_sleep() is there.
 */
void irqctx_might_sleep(const char *file, int line)
{
#ifdef CONFIG_DEBUG_ATOMIC_SLEEP
	__might_sleep(file, line);
#endif
}

void irqctx_set_current_state(unsigned int state) { set_current_state(state); }

bool irqctx_fatal_signal_pending(void) { return fatal_signal_pending(current); }

/* A seqlock's write side (rust/ctx.rs: SeqLock). */
void irqctx_seqlock_init(seqlock_t *sl) { seqlock_init(sl); }
void irqctx_write_seqlock(seqlock_t *sl) { write_seqlock(sl); }
void irqctx_write_sequnlock(seqlock_t *sl) { write_sequnlock(sl); }

void irqctx_poll_wait(struct file *file, wait_queue_head_t *wq, poll_table *pt)
{
	poll_wait(file, wq, pt);
}

char *irqctx_param_edu_irq = "msi";
module_param_named(edu_irq, irqctx_param_edu_irq, charp, 0444);
MODULE_PARM_DESC(edu_irq, "edu device interrupt: msi (default) or intx (a shared legacy line)");

bool irqctx_param_allow_misuse;
module_param_named(allow_misuse, irqctx_param_allow_misuse, bool, 0444);
MODULE_PARM_DESC(allow_misuse, "allow the misuse cases that produce kernel splats (default 0)");

unsigned long irqctx_param_period_us = 100000;
module_param_named(period_us, irqctx_param_period_us, ulong, 0444);
MODULE_PARM_DESC(period_us, "hrtimer source period in microseconds at load (default 100000)");

#ifdef CONFIG_KCOV
u64 irqctx_kcov_handle(void)
{
	return kcov_common_handle().val;
}

bool irqctx_kcov_remote_start(u64 handle)
{
	/* A task collecting coverage of its own (or already remote here). */
	if (in_task() && READ_ONCE(current->kcov_mode) != KCOV_MODE_DISABLED)
		return false;
	kcov_remote_start_common((struct kcov_common_handle_id){ .val = handle });
	return true;
}
#else
u64 irqctx_kcov_handle(void)
{
	return 0;
}

bool irqctx_kcov_remote_start(u64 handle)
{
	return false;
}
#endif

void irqctx_kcov_remote_stop(void)
{
	kcov_remote_stop();
}
