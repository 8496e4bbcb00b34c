// SPDX-License-Identifier: GPL-2.0

//! The running CPU's context and `current`, as C code reads them.
//!
//! 7.3's `kernel` crate has none of `preempt_count()`, `in_hardirq()`,
//! `in_serving_softirq()`, `in_task()`, `irqs_disabled()`, the stacks, or
//! `current`'s name and context-switch count. Each is a safe
//! wrapper of a C helper (`rust/helpers.c`); what a stage captures is one
//! call ([`snapshot`]). Waits for those pieces upstream.
//!
//! C headers: [`include/linux/preempt.h`](srctree/include/linux/preempt.h),
//! [`include/linux/sched.h`](srctree/include/linux/sched.h)

use crate::bindings;

/// What the kernel says of where the caller runs: the context predicates,
/// the CPU and `current`.
#[derive(Clone, Copy, Default)]
pub(crate) struct Running {
    /// `raw_smp_processor_id()`: the CPU (it may move right after, unless
    /// preemption is off).
    pub(crate) cpu: u32,
    /// `preempt_count()`: hardirq, softirq and preemption-disable counts.
    pub(crate) preempt_count: u32,
    /// `in_hardirq()`.
    pub(crate) hardirq: bool,
    /// `in_serving_softirq()` (RT: from the task's count).
    pub(crate) softirq: bool,
    /// `in_task()`.
    pub(crate) task: bool,
    /// `irqs_disabled()`.
    pub(crate) irqs_off: bool,
    /// `current->pid` (in hardirq and softirq context: the interrupted
    /// task's).
    pub(crate) pid: i32,
    /// `current->comm`, NUL-padded; read racily by design, as `%s` of it is.
    pub(crate) comm: [u8; 16],
}

/// The stack the caller runs on, and the stacks it could be.
pub(crate) struct Stacks {
    /// The stack pointer (in the C helper's frame, just below the caller's).
    pub(crate) sp: usize,
    /// `current`'s stack: its lowest address and size (`THREAD_SIZE`).
    pub(crate) task: (usize, usize),
    /// This CPU's interrupt stack, if `sp` is on it: its top and size
    /// (`rust/irq_stack.h` says how it is found).
    pub(crate) irq: Option<(usize, usize)>,
}

/// Reads where the caller runs, at once, by one C call: every stage of
/// every event does, the top halves in hardirq context.
#[inline]
pub(crate) fn snapshot() -> (Running, Stacks) {
    let mut s = core::mem::MaybeUninit::<bindings::irqctx_snapshot>::uninit();
    // SAFETY: The helper reads this CPU's state and `current` (always a
    // valid task) and writes every field of `*s`.
    let s = unsafe {
        bindings::irqctx_snapshot(s.as_mut_ptr());
        s.assume_init()
    };
    let running = Running {
        cpu: s.cpu,
        preempt_count: s.preempt_count,
        hardirq: s.hardirq,
        softirq: s.softirq,
        task: s.task,
        irqs_off: s.irqs_off,
        pid: s.pid,
        comm: s.comm,
    };
    let irq_bottom = s.irq_stack_top.saturating_sub(s.irq_stack_size);
    let stacks = Stacks {
        sp: s.sp,
        task: (s.task_stack, s.thread_size),
        irq: (s.irq_stack_top != 0 && (irq_bottom..s.irq_stack_top).contains(&s.sp))
            .then_some((s.irq_stack_top, s.irq_stack_size)),
    };
    (running, stacks)
}

/// `current->nvcsw`: the voluntary context switches of `current`.
pub(crate) fn current_nvcsw() -> u64 {
    // SAFETY: Reads a counter of `current`, which only `current` changes.
    (unsafe { bindings::irqctx_current_nvcsw() }) as u64
}
