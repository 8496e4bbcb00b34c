// SPDX-License-Identifier: GPL-2.0

//! Where code runs, as the kernel itself reports it.
//!
//! Every stage of every event carries a [`Context`] captured where it ran:
//! the predicates `in_hardirq()`, `in_serving_softirq()`, `in_task()`, the raw
//! `preempt_count()`, `irqs_disabled()`, the CPU, and `current`. In hardirq
//! and softirq context `current` is whichever task was interrupted, which is
//! why such code has no task of its own to put to sleep. It does not run on
//! that task's stack either, where the architecture gives interrupts their
//! own: [`Stack`] says which stack a stage ran on, and how much of it was in
//! use.

use crate::compat::cpu;

/// A snapshot of the execution context.
#[derive(Clone, Copy, Default)]
pub(crate) struct Context {
    /// The predicates, the CPU and `current`.
    pub(crate) running: cpu::Running,
    /// The stack the capture ran on.
    pub(crate) stack: Stack,
    /// Bytes of that stack in use below its top (0 for [`Stack::Other`]).
    pub(crate) stack_used: u32,
}

/// Which stack code runs on.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Stack {
    /// The stack of `current`, the task (`task_stack_page()`, `THREAD_SIZE`).
    Task,
    /// The CPU's interrupt stack (x86_64, `IRQ_STACK_SIZE`), where hardirqs
    /// and the softirqs run at their exit execute; found from the stack
    /// pointer it saved at its top (`rust/irq_stack.h`).
    Irq,
    /// Neither (an exception stack), or not known on this architecture.
    #[default]
    Other,
}

impl Stack {
    /// The stack `stacks` were read on, and the bytes in use below its top.
    fn of(stacks: &cpu::Stacks) -> (Self, u32) {
        let sp = stacks.sp;
        // `sp` is below `top` wherever this is called.
        let used = |top: usize| u32::try_from(top - sp).unwrap_or(u32::MAX);
        let (task, task_size) = stacks.task;
        let task_top = task.wrapping_add(task_size);
        if (task..task_top).contains(&sp) {
            (Stack::Task, used(task_top))
        } else if let Some((irq_top, _)) = stacks.irq {
            (Stack::Irq, used(irq_top))
        } else {
            (Stack::Other, 0)
        }
    }

    /// `task`, `irq` or `other`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Stack::Task => "task",
            Stack::Irq => "irq",
            Stack::Other => "other",
        }
    }
}

impl Context {
    /// Captures the context of the caller.
    pub(crate) fn capture() -> Self {
        let (running, stacks) = cpu::snapshot();
        let (stack, stack_used) = Stack::of(&stacks);
        Self {
            running,
            stack,
            stack_used,
        }
    }

    /// The context's name: `hardirq`, `softirq` or `task`.
    pub(crate) fn name(&self) -> &'static str {
        if self.running.hardirq {
            "hardirq"
        } else if self.running.softirq {
            "softirq"
        } else if self.running.task {
            "task"
        } else {
            "other"
        }
    }

    /// `current->comm` up to its NUL, or `?` if it is not UTF-8.
    pub(crate) fn comm(&self) -> &str {
        let comm = &self.running.comm;
        let len = comm.iter().position(|&b| b == 0).unwrap_or(comm.len());
        core::str::from_utf8(&comm[..len]).unwrap_or("?")
    }
}
