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
    /// `raw_smp_processor_id()`.
    pub(crate) cpu: u32,
    /// `preempt_count()`: hardirq, softirq and preemption-disable counts.
    pub(crate) preempt_count: u32,
    /// `in_hardirq()`.
    pub(crate) hardirq: bool,
    /// `in_serving_softirq()`.
    pub(crate) softirq: bool,
    /// `in_task()`.
    pub(crate) task: bool,
    /// `irqs_disabled()`.
    pub(crate) irqs_off: bool,
    /// `current->pid`.
    pub(crate) pid: i32,
    /// `current->comm`, NUL-padded.
    pub(crate) comm: [u8; 16],
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
    /// The stack `snap` was taken on, and the bytes in use below its top.
    fn of(snap: &cpu::Snapshot) -> (Self, u32) {
        let sp = snap.sp;
        // `sp` is below `top` wherever this is called.
        let used = |top: usize| u32::try_from(top - sp).unwrap_or(u32::MAX);
        let (task, task_size) = snap.task_stack;
        let task_top = task.wrapping_add(task_size);
        if (task..task_top).contains(&sp) {
            (Stack::Task, used(task_top))
        } else if let Some((irq_top, _)) = snap.irq_stack {
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
        let snap = cpu::snapshot();
        let (stack, stack_used) = Stack::of(&snap);
        Self {
            cpu: snap.cpu,
            preempt_count: snap.preempt_count,
            hardirq: snap.hardirq,
            softirq: snap.softirq,
            task: snap.task,
            irqs_off: snap.irqs_off,
            pid: snap.pid,
            comm: snap.comm,
            stack,
            stack_used,
        }
    }

    /// The context's name: `hardirq`, `softirq` or `task`.
    pub(crate) fn name(&self) -> &'static str {
        if self.hardirq {
            "hardirq"
        } else if self.softirq {
            "softirq"
        } else if self.task {
            "task"
        } else {
            "other"
        }
    }

    /// `current->comm` up to its NUL, or `?` if it is not UTF-8.
    pub(crate) fn comm(&self) -> &str {
        let len = self
            .comm
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.comm.len());
        core::str::from_utf8(&self.comm[..len]).unwrap_or("?")
    }
}
