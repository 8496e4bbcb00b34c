// SPDX-License-Identifier: GPL-2.0

//! `irq_unsafe_lock`, written safely: a plain spinlock taken in task
//! context with interrupts on is also taken by the hardirq top half. A
//! `SpinLock` is taken in the one context its type names; a lock a top half
//! shares is a `SpinLockIrq`.
//!
//! expect: E0308

use crate::ctx::{HardIrq, SoftIrq, SpinLock, Task};
use crate::device::Hook;

struct Case {
    lock: SpinLock<u32, Task>,
}

impl Case {
    fn write(&self, task: &mut Task) {
        *self.lock.lock(task) += 1;
    }
}

impl Hook for Case {
    fn in_hardirq(&self, irq: &mut HardIrq) {
        // error on the next line
        *self.lock.lock(irq) += 1;
    }

    fn in_softirq(&self, _bh: &mut SoftIrq) {}
}
