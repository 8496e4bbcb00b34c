// SPDX-License-Identifier: GPL-2.0

//! The running CPU's context and `current`, as C code reads them.
//!
//! 7.3's `kernel` crate has none of `preempt_count()`, `in_hardirq()`,
//! `in_serving_softirq()`, `in_task()`, `irqs_disabled()`, the stacks, or
//! `current`'s name and context-switch count; `kernel::task::might_sleep()`
//! names the caller's file only with rustc 1.89 or later. Each is a safe
//! wrapper of a one-line C helper (`rust/helpers.c`). Waits for those
//! pieces upstream.
//!
//! C headers: [`include/linux/preempt.h`](srctree/include/linux/preempt.h),
//! [`include/linux/sched.h`](srctree/include/linux/sched.h)

use crate::bindings;

/// `raw_smp_processor_id()`: the CPU this runs on (it may move right after,
/// unless preemption is off).
pub(crate) fn raw_smp_processor_id() -> u32 {
    // SAFETY: Reads this CPU's number; no precondition.
    unsafe { bindings::irqctx_raw_smp_processor_id() }
}

/// `preempt_count()`: hardirq, softirq and preemption-disable counts.
pub(crate) fn preempt_count() -> u32 {
    // SAFETY: Reads this CPU's (or task's) count; no precondition.
    unsafe { bindings::irqctx_preempt_count() }
}

/// `in_hardirq()`.
pub(crate) fn in_hardirq() -> bool {
    // SAFETY: Reads `preempt_count()`; no precondition.
    unsafe { bindings::irqctx_in_hardirq() }
}

/// `in_serving_softirq()`.
pub(crate) fn in_serving_softirq() -> bool {
    // SAFETY: Reads `preempt_count()` (RT: the task's count); no precondition.
    unsafe { bindings::irqctx_in_serving_softirq() }
}

/// `in_task()`.
pub(crate) fn in_task() -> bool {
    // SAFETY: Reads `preempt_count()`; no precondition.
    unsafe { bindings::irqctx_in_task() }
}

/// `irqs_disabled()`.
pub(crate) fn irqs_disabled() -> bool {
    // SAFETY: Reads this CPU's interrupt flag; no precondition.
    unsafe { bindings::irqctx_irqs_disabled() }
}

/// `current->pid` (in hardirq and softirq context: the interrupted task).
pub(crate) fn current_pid() -> i32 {
    // SAFETY: `current` is always a valid task.
    unsafe { bindings::irqctx_current_pid() }
}

/// `current->comm`, NUL-padded; read racily by design, as `%s` of it is.
pub(crate) fn current_comm() -> [u8; 16] {
    let mut comm = [0u8; 16];
    // SAFETY: `current` is always a valid task; `comm` has room for
    // `TASK_COMM_LEN` bytes.
    unsafe { bindings::irqctx_current_comm(comm.as_mut_ptr()) };
    comm
}

/// `current->nvcsw`: the voluntary context switches of `current`.
pub(crate) fn current_nvcsw() -> u64 {
    // SAFETY: Reads a counter of `current`, which only `current` changes.
    (unsafe { bindings::irqctx_current_nvcsw() }) as u64
}

/// The stack pointer.
pub(crate) fn stack_pointer() -> usize {
    // SAFETY: Reads a register.
    unsafe { bindings::irqctx_stack_pointer() }
}

/// `current`'s stack: its lowest address and size (`THREAD_SIZE`).
pub(crate) fn task_stack() -> (usize, usize) {
    // SAFETY: `current` is always a valid task with a stack.
    unsafe {
        (
            bindings::irqctx_task_stack(),
            bindings::irqctx_thread_size(),
        )
    }
}

/// This CPU's interrupt stack, if `sp` is on it: its top and size
/// (`rust/irq_stack.h` says how it is found).
pub(crate) fn irq_stack(sp: usize) -> Option<(usize, usize)> {
    // SAFETY: Reads this CPU's stack without faulting (a guess that is not
    // mapped reads as no stack), and returns a constant.
    let (top, size) = unsafe {
        (
            bindings::irqctx_irq_stack_top(sp),
            bindings::irqctx_irq_stack_size(),
        )
    };
    (top != 0 && (top.saturating_sub(size)..top).contains(&sp)).then_some((top, size))
}

/// Busy-waits `us` microseconds with local interrupts off (the hardware
/// flag, on PREEMPT_RT too), as a driver that holds a `spin_lock_irqsave()`
/// section too long does: interrupts due on this CPU meanwhile wait for
/// the end.
pub(crate) fn busy_wait_irqs_off(us: u32) {
    // SAFETY: Restored right below; a busy-wait in between, which is legal
    // with interrupts off; the saved flags are restored as they were.
    unsafe {
        let flags = bindings::irqctx_local_irq_save();
        bindings::__udelay(us as usize);
        bindings::irqctx_local_irq_restore(flags);
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
