/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interrupt stack's top, found without an exported symbol: shared by
 * rust/helpers.c (the module) and its C twin in scripts/bench/twin/, which
 * must do the same work.
 *
 * x86_64 runs hardirqs, and the softirqs run at their exit, on a per-CPU
 * interrupt stack of IRQ_STACK_SIZE bytes. Its top (hardirq_stack_ptr + 8)
 * is a per-CPU variable that modules cannot read since 6.15, so the stack is
 * found from how call_on_stack() enters it: the top is page-aligned and its
 * last word holds the stack pointer of the code it interrupted, which is on
 * current's task stack. The first page boundary above sp whose last word
 * holds such a pointer is the top; a guess is read without faulting.
 */
#ifndef IRQCTX_IRQ_STACK_H
#define IRQCTX_IRQ_STACK_H

#include <linux/mm.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>

/* The top, or 0 where there is no such stack (another architecture) or
 * none is found. */
static inline unsigned long irqctx_find_irq_stack_top(unsigned long sp)
{
#ifdef CONFIG_X86_64
	unsigned long task = (unsigned long)task_stack_page(current);
	unsigned long top, saved;

	for (top = PAGE_ALIGN(sp + 1); top - sp <= IRQ_STACK_SIZE; top += PAGE_SIZE) {
		if (copy_from_kernel_nofault(&saved, (void *)(top - sizeof(saved)), sizeof(saved)))
			return 0;
		if (saved >= task && saved < task + THREAD_SIZE)
			return top;
	}
#endif
	return 0;
}

#endif /* IRQCTX_IRQ_STACK_H */
