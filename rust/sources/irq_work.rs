// SPDX-License-Identifier: GPL-2.0

//! The irq_work source: a hardirq callback queued from process context.
//!
//! `irq_work_queue()` raises a self-IPI on the queuing CPU; the callback runs
//! in hardirq context as soon as that interrupt is taken, usually right on top
//! of the writer that queued it (which is then `current`).

use crate::compat::clock;
use crate::compat::irq_work::{impl_has_irq_work, IrqWork, IrqWorkCallback};
use crate::compat::poll::fatal_signal_pending;
use crate::context::Context;
use crate::ctx::{HardIrq, Task};
use crate::device::{IrqCtx, Lane};
use crate::event::{Event, Source, Stage};
use crate::latency::local_ns;
use core::sync::atomic::Ordering;
use kernel::{
    error::code::{EINTR, ERESTARTSYS},
    prelude::*,
    sync::ArcBorrow,
};

impl_has_irq_work!(IrqCtx, irq_work);

impl IrqWorkCallback for IrqCtx {
    fn run(this: ArcBorrow<'_, Self>, irq: &mut HardIrq) {
        let entry = local_ns();
        let ctx = Context::capture();
        let now = clock::now_ns();
        let _ = IrqCtx::record_top(
            this,
            irq,
            Lane::IrqWork,
            Event {
                stage: Stage::Top,
                t_ns: now,
                delay_ns: now - this.irq_work_queued_ns.load(Ordering::Relaxed),
                ctx,
                ..Event::default()
            },
        );
        this.irq_work_ran_ns.store(now, Ordering::Release);
        this.hook.in_hardirq(irq);
        this.latency
            .cost(Source::IrqWork)
            .record(local_ns() - entry);
    }
}

impl IrqCtx {
    /// Queues the irq_work `n` times, each after the previous one ran, so
    /// that every queueing produces exactly one top half; bursts of
    /// concurrent writers take turns. Any signal ends the command with
    /// `ERESTARTSYS` before the first top half (the write may restart);
    /// after it only a fatal one, with `EINTR`: the burst is carried out
    /// whole, so that a stop and continue or a caught signal never makes a
    /// retried write queue it again (see `Edu::raise`).
    pub(crate) fn irq_work_trigger(this: ArcBorrow<'_, Self>, task: &mut Task, n: u32) -> Result {
        let _serialised = this.irq_work_lock.lock(task)?;
        for done in 0..n {
            if done == 0 && kernel::current!().signal_pending() {
                return Err(ERESTARTSYS);
            }
            if fatal_signal_pending() {
                return Err(EINTR);
            }
            this.irq_work_queued_ns
                .store(clock::now_ns(), Ordering::Relaxed);
            // Nobody else queues it while we hold the lock: this queues.
            IrqWork::run_sync(this, task, |_| ());
        }
        Ok(())
    }
}
