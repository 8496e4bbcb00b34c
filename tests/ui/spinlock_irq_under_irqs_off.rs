// SPDX-License-Identifier: GPL-2.0

//! An interrupts-off section and an irq-safe lock interleaved: `IrqsOff`
//! saves and restores the flag itself (C's `local_irq_save()`), 7.3's
//! `SpinLockIrq` counts (`local_interrupt_disable()`); a lock taken before
//! the section and dropped inside it would turn interrupts on while the
//! section still claims them off, and the section's end would then leave
//! them off for good. Both borrow the task token for their whole life, so
//! neither can be entered while the other is held, in either order
//! (the other order: `irqs_off_under_spinlock_irq.rs`).
//!
//! expect: E0499

use crate::ctx::{SpinLockIrq, Task};

fn lock_under_section(a: &SpinLockIrq<u32>, task: &mut Task) {
    let off = task.irqs_off();
    // error on the next line
    let guard = a.lock(task);
    drop(off);
    drop(guard);
}
