// SPDX-License-Identifier: GPL-2.0

//! `mutex_in_irq`, written safely: a mutex in the hardirq top half.
//! `Mutex::lock()` wants the task token; a top half has `HardIrq`.
//!
//! expect: E0308

use crate::ctx::{HardIrq, Mutex, SoftIrq};
use crate::device::Hook;

struct Case {
    mutex: Mutex<u32>,
}

impl Hook for Case {
    fn in_hardirq(&self, irq: &mut HardIrq) {
        // error on the next line
        let count = self.mutex.lock(irq);
        drop(count);
    }

    fn in_softirq(&self, _bh: &mut SoftIrq) {}
}
