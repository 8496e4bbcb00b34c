/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One-line wrappers around the static inlines and macros the Rust code
 * needs, as upstream's rust/helpers/ does, and one lookup no exported symbol
 * answers (the interrupt stack's top, rust/irq_stack.h).
 */
#ifndef IRQCTX_HELPERS_H
#define IRQCTX_HELPERS_H

#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/types.h>


/*
 * Where the caller runs, read at once: every stage of every event captures
 * it, the top halves in hardirq context, so it is one call, not one per
 * item.
 */
struct irqctx_snapshot {
	unsigned long sp;		/* the stack pointer */
	unsigned long task_stack;	/* current's stack: lowest address */
	unsigned long thread_size;	/* and its size */
	unsigned long irq_stack_top;	/* if sp is not on it: the IRQ stack's top, or 0 */
	unsigned long irq_stack_size;
	unsigned int cpu;		/* raw_smp_processor_id() */
	unsigned int preempt_count;
	int pid;			/* current->pid */
	bool hardirq, softirq, task, irqs_off;	/* in_hardirq()... */
	char comm[TASK_COMM_LEN];	/* current->comm */
};
void irqctx_snapshot(struct irqctx_snapshot *s);
unsigned long irqctx_current_nvcsw(void);

/* Stacks: the stack pointer, the task's stack, this CPU's interrupt stack. */

struct irq_work;
struct pci_dev;
void irqctx_init_irq_work(struct irq_work *work, void (*func)(struct irq_work *));
/* Domain, bus and devfn, as (domain << 16 | bus << 8 | devfn). */
int irqctx_pci_domain_nr(const struct pci_dev *pdev);

unsigned long irqctx_local_irq_save(void);
void irqctx_local_irq_restore(unsigned long flags);

/* might_sleep() at a file and line (compat/cpu.rs); the misuse cases'
 * hand-made sleep; a seqlock's write side (ctx.rs). */
void irqctx_might_sleep(const char *file, int line);
void irqctx_set_current_state(unsigned int state);
/* What ends a command that has triggered something (compat/poll.rs). */
bool irqctx_fatal_signal_pending(void);
void irqctx_seqlock_init(seqlock_t *sl);
void irqctx_write_seqlock(seqlock_t *sl);
void irqctx_write_sequnlock(seqlock_t *sl);

void irqctx_poll_wait(struct file *file, wait_queue_head_t *wq, poll_table *pt);

/* Module parameters: 7.3's `module!` ones are not in sysfs, nor strings
 * (rust/compat/params.rs). */
extern unsigned long irqctx_param_period_us;
extern char *irqctx_param_edu_irq;
extern bool irqctx_param_allow_misuse;

/* KCOV's remote coverage (rust/kcov.rs); no-ops without CONFIG_KCOV. */
u64 irqctx_kcov_handle(void);
bool irqctx_kcov_remote_start(u64 handle);
void irqctx_kcov_remote_stop(void);

#endif /* IRQCTX_HELPERS_H */
