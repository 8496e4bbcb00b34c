// SPDX-License-Identifier: GPL-2.0

//! The hrtimer source: a periodic `HRTIMER_MODE_REL_PINNED` timer (on
//! PREEMPT_RT it expires in the timer softirq, a thread there, like every
//! timer not marked `_HARD`).
//!
//! Its callback is a top half like any interrupt handler: it runs in hardirq
//! context, interrupting whatever task was running there (`current`). It
//! records the event, wakes readers, queues the bottom half and re-arms
//! itself, and must not sleep.
//!
//! Pinned: it fires on the CPU of the task that wrote `start` (or the
//! latest `period_us=`), so a user picks the CPU by pinning the writer
//! (`taskset -c 1 sh -c 'echo start > /dev/irqctx'`). A reader on that CPU
//! is woken without an IPI; one on another CPU waits for a cross-CPU
//! wake-up, which under TCG costs milliseconds (Documentation/irqctx.rst).

use crate::compat::clock;
use crate::context::Context;
use crate::ctx::{self, Task};
use crate::device::{IrqCtx, Lane};
use crate::event::{Event, Source, Stage};
use crate::latency::local_ns;
use core::sync::atomic::Ordering;
use kernel::{
    impl_has_hr_timer,
    sync::{Arc, ArcBorrow},
    time::{
        hrtimer::{
            HrTimerCallback, HrTimerCallbackContext, HrTimerPointer, HrTimerRestart,
            RelativePinnedMode,
        },
        Delta, Monotonic,
    },
};

impl_has_hr_timer! {
    impl HasHrTimer<Self> for IrqCtx { mode: RelativePinnedMode<Monotonic>, field: self.timer }
}

impl HrTimerCallback for IrqCtx {
    type Pointer<'a> = Arc<Self>;

    fn run(
        this: ArcBorrow<'_, Self>,
        mut timer: HrTimerCallbackContext<'_, Self>,
    ) -> HrTimerRestart {
        let entry = local_ns();
        let ctx = Context::capture();
        // Start, stop and period changes cancel the timer (waiting for this
        // callback) before they touch it: the expiry and period are stable.
        // One clock read: t_ns - delay_ns is the expiry, exactly.
        let now = clock::now_ns();
        ctx::in_hrtimer(&timer, |irq| {
            IrqCtx::record_top(
                this,
                irq,
                Lane::Hrtimer,
                Event {
                    stage: Stage::Top,
                    t_ns: now,
                    delay_ns: now - clock::expires_ns(&*this),
                    ctx,
                    ..Event::default()
                },
            )
        });
        // From now, not from the expiry: a callback that ran longer than a
        // period (a KASAN kernel under TCG does) would otherwise set an
        // expiry already past, and the timer would fire back to back.
        timer.forward_now(Delta::from_nanos(this.period_ns.load(Ordering::Relaxed)));
        this.latency
            .cost(Source::Hrtimer)
            .record(local_ns() - entry);
        HrTimerRestart::Restart
    }
}

impl IrqCtx {
    /// Starts (or restarts) the hrtimer source at the current period.
    pub(crate) fn timer_start(this: ArcBorrow<'_, Self>, task: &Task) {
        let mut running = this.timer_ctl.lock(task);
        // Cancel first (waiting for a running callback), then re-arm.
        drop(running.take());
        this.timer_on.store(true, Ordering::Relaxed);
        let period = Delta::from_nanos(this.period_ns.load(Ordering::Relaxed));
        *running = Some(Arc::from(this).start(period));
    }

    /// Stops the hrtimer source and waits for a running callback.
    pub(crate) fn timer_stop(&self, task: &Task) {
        let mut running = self.timer_ctl.lock(task);
        drop(running.take());
        self.timer_on.store(false, Ordering::Relaxed);
    }

    /// Sets the period; a running timer restarts with it at once.
    pub(crate) fn timer_set_period(this: ArcBorrow<'_, Self>, task: &Task, period_us: u64) {
        let mut running = this.timer_ctl.lock(task);
        let was_running = running.take().is_some();
        this.period_ns
            .store(period_us as i64 * 1000, Ordering::Relaxed);
        if was_running {
            *running = Some(Arc::from(this).start(Delta::from_micros(period_us as i64)));
        }
    }
}
