// SPDX-License-Identifier: GPL-2.0

//! The positive control for softirq context: the device lock, a lock of
//! its own, an allocation that does not sleep.
//!
//! expect: ok

use crate::ctx::{HardIrq, SoftIrq, SpinLock};
use crate::device::Hook;
use kernel::prelude::*;

struct Stage {
    lock: SpinLock<u32, SoftIrq>,
}

impl Hook for Stage {
    fn in_hardirq(&self, _irq: &mut HardIrq) {}

    fn in_softirq(&self, bh: &mut SoftIrq) {
        *self.lock.lock(bh) += 1;
        drop(KVec::<u8>::with_capacity(64, GFP_ATOMIC));
    }
}
