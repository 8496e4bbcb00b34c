// SPDX-License-Identifier: GPL-2.0

//! An interrupts-off section and an irq-safe lock interleaved: `IrqsOff`
//! saves and restores the flag itself (C's `local_irq_save()`), 7.3's
//! `SpinLockIrq` counts (`local_interrupt_disable()`); a lock taken before
//! the section and dropped inside it would turn interrupts on while the
//! section still claims them off, and the section's end would then leave
//! them off for good. Both borrow the task token for their whole life, so
//! neither can be entered while the other is held, in either order
//! (the other order: `spinlock_irq_under_irqs_off.rs`).
//!
//! expect: E0499

use crate::ctx::{SpinLockIrq, Task};

fn section_under_lock(a: &SpinLockIrq<u32>, task: &mut Task) {
    let guard = a.lock(task);
    // error on the next line
    let off = task.irqs_off();
    drop(guard);
    drop(off);
}
