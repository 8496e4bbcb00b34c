// SPDX-License-Identifier: GPL-2.0

//! `sleep_in_irq`, written safely: a sleep in the hardirq top half. The top
//! half's token, `HardIrq`, has no sleeping operation.
//!
//! expect: E0599

use crate::ctx::{HardIrq, SoftIrq};
use crate::device::Hook;

struct Case;

impl Hook for Case {
    fn in_hardirq(&self, irq: &mut HardIrq) {
        // error on the next line
        irq.sleep_ms(10);
    }

    fn in_softirq(&self, _bh: &mut SoftIrq) {}
}
