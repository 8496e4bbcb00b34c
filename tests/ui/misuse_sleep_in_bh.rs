// SPDX-License-Identifier: GPL-2.0

//! `sleep_in_bh`, written safely: a sleep in the BH workqueue stage. Its
//! token, `SoftIrq`, has no sleeping operation.
//!
//! expect: E0599

use crate::ctx::{HardIrq, SoftIrq};
use crate::device::Hook;

struct Case;

impl Hook for Case {
    fn in_hardirq(&self, _irq: &mut HardIrq) {}

    fn in_softirq(&self, bh: &mut SoftIrq) {
        // error on the next line
        bh.sleep_ms(10);
    }
}
