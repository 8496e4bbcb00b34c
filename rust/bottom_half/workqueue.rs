// SPDX-License-Identifier: GPL-2.0

//! The workqueue bottom half: process context, allowed to sleep.
//!
//! A kworker thread runs it with interrupts and preemption enabled, as a task
//! of its own, so it may take a mutex, allocate with `GFP_KERNEL` and sleep,
//! all of which it does to prove it. Work queued while already pending runs
//! once: the stage reports how many top halves it covers (`batch=`).

use crate::compat::workqueue::{impl_has_work, WorkCallback};
use crate::ctx::Task;
use crate::device::{Bottom, IrqCtx, WQ_WORK};
use kernel::sync::Arc;

impl_has_work!(IrqCtx, 0, wq_work);

impl WorkCallback<WQ_WORK> for IrqCtx {
    type Context = Task;

    fn run(this: Arc<Self>, task: &mut Task) {
        this.run_stage(task, Bottom::Workqueue, None, |task| {
            this.sleep_briefly(task)
        });
    }
}
