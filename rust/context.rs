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

use crate::bindings;

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
    /// pointer it saved at its top (`irqctx_irq_stack_top()` in
    /// `helpers.c`).
    Irq,
    /// Neither (an exception stack), or not known on this architecture.
    #[default]
    Other,
}

impl Stack {
    /// The stack the caller runs on, and the bytes in use below its top.
    fn current() -> (Self, u32) {
        // SAFETY: These read the stack pointer and `current`'s stack base,
        // and return constants.
        let (sp, task, task_size) = unsafe {
            (
                bindings::irqctx_stack_pointer(),
                bindings::irqctx_task_stack(),
                bindings::irqctx_thread_size(),
            )
        };
        // `sp` is below `top` wherever this is called.
        let used = |top: usize| u32::try_from(top - sp).unwrap_or(u32::MAX);
        let task_top = task.wrapping_add(task_size);
        if (task..task_top).contains(&sp) {
            return (Stack::Task, used(task_top));
        }
        // SAFETY: Reads this CPU's stack without faulting (a guess that is
        // not mapped reads as no stack), and returns a constant.
        let (irq_top, irq_size) = unsafe {
            (
                bindings::irqctx_irq_stack_top(sp),
                bindings::irqctx_irq_stack_size(),
            )
        };
        if irq_top != 0 && (irq_top.saturating_sub(irq_size)..irq_top).contains(&sp) {
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
        // SAFETY: These only read per-CPU state of the running CPU.
        let (cpu, preempt_count, hardirq, softirq, task, irqs_off) = unsafe {
            (
                bindings::irqctx_raw_smp_processor_id(),
                bindings::irqctx_preempt_count(),
                bindings::irqctx_in_hardirq(),
                bindings::irqctx_in_serving_softirq(),
                bindings::irqctx_in_task(),
                bindings::irqctx_irqs_disabled(),
            )
        };
        let mut comm = [0u8; 16];
        // SAFETY: `current` is always a valid task; `comm` has room for
        // `TASK_COMM_LEN` bytes, read racily by design (as `%s` of it would).
        let pid = unsafe {
            bindings::irqctx_current_comm(comm.as_mut_ptr());
            bindings::irqctx_current_pid()
        };
        let (stack, stack_used) = Stack::current();
        Self {
            cpu,
            preempt_count,
            hardirq,
            softirq,
            task,
            irqs_off,
            pid,
            comm,
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

/// `might_sleep()` at the caller's file and line: with
/// `CONFIG_DEBUG_ATOMIC_SLEEP`, "BUG: sleeping function called from invalid
/// context at FILE:LINE" if the caller is in atomic context.
///
/// Upstream's `kernel::task::might_sleep()` names the file only with rustc
/// 1.89 or later (`Location::file_with_nul()`); Debian's 7.3 kernels are
/// built with 1.85, where it prints a placeholder. This names it by
/// `file!()`.
macro_rules! might_sleep {
    () => {
        // SAFETY: `__might_sleep()` only checks the context and reports; the
        // file name is a NUL-terminated static string.
        unsafe {
            $crate::bindings::irqctx_might_sleep(
                ::kernel::c_str!(file!()).as_char_ptr(),
                line!() as i32,
            )
        }
    };
}
pub(crate) use might_sleep;
