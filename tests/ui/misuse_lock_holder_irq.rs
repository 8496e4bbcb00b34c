// SPDX-License-Identifier: GPL-2.0

//! `lock_holder_irq`, written safely: `write()` holds a mutex and queues an
//! irq_work whose top half, on the same CPU, takes the same mutex. The task
//! side is correct; the top half cannot lock a `Mutex` with `HardIrq`.
//!
//! expect: E0308

use crate::compat::irq_work::IrqWork;
use crate::ctx::{HardIrq, Mutex, SoftIrq, Task};
use crate::device::{Hook, IrqCtx};
use kernel::sync::ArcBorrow;

struct Case {
    mutex: Mutex<u32>,
}

impl Case {
    fn write(&self, dev: ArcBorrow<'_, IrqCtx>, task: &mut Task) {
        let held = self.mutex.lock(task);
        IrqWork::run_sync(dev, task, |_| ());
        drop(held);
    }
}

impl Hook for Case {
    fn in_hardirq(&self, irq: &mut HardIrq) {
        // error on the next line
        drop(self.mutex.lock(irq));
    }

    fn in_softirq(&self, _bh: &mut SoftIrq) {}
}
