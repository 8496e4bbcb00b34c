// SPDX-License-Identifier: GPL-2.0

//! `might_sleep_in_irq`, written safely: `might_sleep!()` (what any call
//! that may sleep begins with) in the hardirq top half. The macro wants the
//! task token; a top half has `HardIrq`.
//!
//! expect: E0308

use crate::ctx::{might_sleep, HardIrq, SoftIrq};
use crate::device::Hook;

struct Case;

impl Hook for Case {
    fn in_hardirq(&self, irq: &mut HardIrq) {
        // error on the next line
        might_sleep!(irq);
    }

    fn in_softirq(&self, _bh: &mut SoftIrq) {}
}
