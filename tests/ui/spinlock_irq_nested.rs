// SPDX-License-Identifier: GPL-2.0

//! Two irq-safe locks held at once in task context, dropped out of order:
//! with the former `compat::spinlock_irq` the first unlock restored the
//! interrupt state saved before the second lock, enabling interrupts while
//! that lock was still held. Each guard now borrows the task token, so a
//! second one cannot be taken while the first lives (upstream's refcounted
//! `local_interrupt_disable()` would also keep interrupts off; the types
//! refuse the pattern before it runs).
//!
//! expect: E0499

use crate::ctx::{SpinLockIrq, Task};

fn nested(a: &SpinLockIrq<u32>, b: &SpinLockIrq<u32>, task: &mut Task) {
    let first = a.lock(task);
    // error on the next line
    let second = b.lock(task);
    drop(first);
    drop(second);
}
