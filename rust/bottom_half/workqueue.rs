// SPDX-License-Identifier: GPL-2.0

//! The workqueue bottom half: process context, allowed to sleep.
//!
//! A kworker thread runs it with interrupts and preemption enabled, as a task
//! of its own, so it may take a mutex, allocate with `GFP_KERNEL` and sleep,
//! all of which it does to prove it. Work queued while already pending runs
//! once: the stage reports how many top halves it covers (`batch=`).

use crate::bindings;
use crate::compat::workqueue::{impl_has_work, WorkCallback};
use crate::context::Context;
use crate::device::{IrqCtx, WQ_WORK};
use crate::event::{Event, Source, Stage};
use kernel::{alloc::flags::GFP_KERNEL, prelude::*, time::Ktime};

impl_has_work!(IrqCtx, 0, wq_work);

/// How long the stage sleeps, in ms.
const SLEEP_MS: u32 = 1;

impl WorkCallback<WQ_WORK> for IrqCtx {
    fn run(this: &Self) {
        let ctx = Context::capture();
        let start = Ktime::ktime_get().to_ns();
        // Top halves arriving from here on queue the work again.
        let pending = this.state.lock().wq_pending.take();
        if pending.batch == 0 {
            // Queued again while running, and that run drained it already.
            return;
        }

        // All three may sleep: legal here, a bug in any atomic context.
        let mut runs = this.wq_mutex.lock();
        *runs += 1;
        let scratch = KVec::<u8>::with_capacity(4096, GFP_KERNEL);
        // SAFETY: `msleep()` may be called from process context.
        unsafe { bindings::msleep(SLEEP_MS) };
        drop(scratch);
        drop(runs);
        let slept_ns = Ktime::ktime_get().to_ns() - start;
        this.record_stage(Event {
            source: Source::Hrtimer,
            stage: Stage::Workqueue,
            top_seq: pending.top_seq,
            batch: pending.batch,
            t_ns: start,
            delay_ns: start - pending.top_ns,
            slept_ns,
            ctx,
            ..Event::default()
        });
    }
}
