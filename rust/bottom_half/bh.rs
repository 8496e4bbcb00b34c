// SPDX-License-Identifier: GPL-2.0

//! The BH workqueue bottom half: softirq context, must not sleep.
//!
//! `system_bh_wq` (`WQ_BH`, 6.9+) runs work items from the softirq, the
//! modern replacement for tasklets: interrupts are enabled but the CPU is
//! serving a softirq (`in_serving_softirq()`), `current` is whatever task
//! was interrupted, and there is no task of the stage's own to put to sleep.

use crate::compat::workqueue::{impl_has_work, WorkCallback};
use crate::ctx::SoftIrq;
use crate::device::{Bottom, IrqCtx, BH_WORK};
use kernel::sync::Arc;

impl_has_work!(IrqCtx, 1, bh_work);

impl WorkCallback<BH_WORK> for IrqCtx {
    type Context = SoftIrq;

    fn run(this: Arc<Self>, bh: &mut SoftIrq) {
        this.run_stage(bh, Bottom::Bh, None, |bh| {
            this.hook.in_softirq(bh);
            (0, 0)
        });
    }
}
