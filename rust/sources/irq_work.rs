// SPDX-License-Identifier: GPL-2.0

//! The irq_work source: a hardirq callback queued from process context.
//!
//! `irq_work_queue()` raises a self-IPI on the queuing CPU; the callback runs
//! in hardirq context as soon as that interrupt is taken, usually right on top
//! of the writer that queued it (which is then `current`).

use crate::compat::irq_work::{impl_has_irq_work, IrqWorkCallback};
use crate::context::Context;
use crate::device::IrqCtx;
use crate::event::{Event, Source, Stage};
use core::sync::atomic::Ordering;
use kernel::time::Ktime;

impl_has_irq_work!(IrqCtx, irq_work);

impl IrqWorkCallback for IrqCtx {
    fn run(this: &Self) {
        let ctx = Context::capture();
        let now = Ktime::ktime_get().to_ns();
        let _ = this.record_top(Event {
            source: Source::IrqWork,
            stage: Stage::Top,
            t_ns: now,
            delay_ns: now - this.irq_work_queued_ns.load(Ordering::Relaxed),
            ctx,
            ..Event::default()
        });
        this.irq_work_ran_ns.store(now, Ordering::Release);
        this.misuse_in_hardirq();
    }
}

impl IrqCtx {
    /// Queues the irq_work `n` times, each after the previous one ran, so
    /// that every queueing produces exactly one top half.
    pub(crate) fn irq_work_trigger(&self, n: u32) {
        for _ in 0..n {
            self.irq_work_queued_ns
                .store(Ktime::ktime_get().to_ns(), Ordering::Relaxed);
            self.irq_work.queue();
            self.irq_work.sync();
        }
    }
}
