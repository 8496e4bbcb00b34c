// SPDX-License-Identifier: GPL-2.0

//! The hrtimer source: a periodic `HRTIMER_MODE_REL_HARD` timer.
//!
//! Its callback is a top half like any interrupt handler: it runs in hardirq
//! context on whichever CPU the timer fired, interrupting whatever task was
//! running there (`current`). It records the event, wakes readers, queues the
//! bottom half and re-arms itself, and must not sleep.

use crate::compat::hrtimer::{impl_has_hr_timer, HrTimerCallback, HrTimerRestart};
use crate::context::Context;
use crate::device::IrqCtx;
use crate::event::{Event, Source, Stage};
use core::sync::atomic::Ordering;
use kernel::time::Ktime;

impl_has_hr_timer!(IrqCtx, timer);

impl HrTimerCallback for IrqCtx {
    fn run(this: &Self) -> HrTimerRestart {
        let ctx = Context::capture();
        let now = Ktime::ktime_get().to_ns();
        if !this.timer_on.load(Ordering::Relaxed) {
            return HrTimerRestart::NoRestart;
        }
        // The hrtimer has no handler thread: the result is always false.
        let _ = this.record_top(Event {
            source: Source::Hrtimer,
            stage: Stage::Top,
            t_ns: now,
            delay_ns: now - this.timer.expires_ns(),
            ctx,
            ..Event::default()
        });
        this.timer
            .forward_now(this.period_ns.load(Ordering::Relaxed));
        HrTimerRestart::Restart
    }
}

impl IrqCtx {
    /// Starts (or restarts) the hrtimer source at the current period.
    pub(crate) fn timer_start(&self) {
        self.timer_on.store(true, Ordering::Relaxed);
        self.timer.start(self.period_ns.load(Ordering::Relaxed));
    }

    /// Stops the hrtimer source and waits for a running callback.
    pub(crate) fn timer_stop(&self) {
        self.timer_on.store(false, Ordering::Relaxed);
        self.timer.cancel();
    }

    /// Sets the period; a running timer restarts with it at once.
    pub(crate) fn timer_set_period(&self, period_us: u64) {
        self.period_ns
            .store(period_us as i64 * 1000, Ordering::Relaxed);
        if self.timer_on.load(Ordering::Relaxed) {
            self.timer_start();
        }
    }
}
