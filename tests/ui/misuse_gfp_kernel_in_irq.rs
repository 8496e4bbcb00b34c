// SPDX-License-Identifier: GPL-2.0

//! `gfp_kernel_in_irq`, written safely: `kmalloc(GFP_KERNEL)` in the hardirq
//! top half. The flags that may sleep come from the task token only.
//!
//! expect: E0599

use crate::ctx::{HardIrq, SoftIrq};
use crate::device::Hook;
use kernel::prelude::*;

struct Case;

impl Hook for Case {
    fn in_hardirq(&self, irq: &mut HardIrq) {
        // error on the next line
        let buf = KVec::<u8>::with_capacity(64, irq.gfp_kernel());
        drop(buf);
    }

    fn in_softirq(&self, _bh: &mut SoftIrq) {}
}
