// SPDX-License-Identifier: GPL-2.0

//! The device: shared state of the sources, bottom halves and readers.
//!
//! Top halves run in hardirq context, so everything they touch is under
//! [`IrqCtx::state`], a [`SpinLockIrq`]: taking it in process context
//! disables local interrupts, so a top half can never interrupt a holder on
//! the same CPU and spin on it forever. Nothing sleeps or copies to user space
//! with it held; readers copy a record out and format it after unlocking.

use crate::compat::{
    hrtimer::HrTimer,
    poll::{new_poll_condvar, PollCondVar},
    spinlock_irq::{new_spinlock_irq, SpinLockIrq},
    workqueue::{new_work, Work},
};
use crate::event::Event;
use crate::ratelimit::RateLimit;
use crate::ring::Ring;
use core::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use kernel::{new_mutex, prelude::*, sync::Mutex};

/// The id of the workqueue bottom half's [`Work`] item.
pub(crate) const WQ_WORK: u64 = 0;

/// Top halves a deferred stage has yet to handle.
#[derive(Default)]
pub(crate) struct Pending {
    /// The newest top half waiting.
    pub(crate) top_seq: u64,
    /// When it ran (`ktime_get()`, ns).
    pub(crate) top_ns: i64,
    /// How many top halves are waiting (coalesced into one run).
    pub(crate) batch: u32,
}

impl Pending {
    fn add(&mut self, top_seq: u64, top_ns: i64) {
        self.top_seq = top_seq;
        self.top_ns = top_ns;
        self.batch = self.batch.saturating_add(1);
    }

    /// Takes everything pending, leaving nothing.
    pub(crate) fn take(&mut self) -> Pending {
        core::mem::take(self)
    }
}

/// Counters, all monotonic.
#[derive(Default)]
pub(crate) struct Stats {
    /// Top halves recorded.
    pub(crate) top: u64,
    /// Deferred stages recorded.
    pub(crate) deferred: u64,
    /// Records readers lost because the ring overwrote them.
    pub(crate) lost: u64,
    /// Reader wake-ups after which there was still nothing to read.
    pub(crate) rechecks: u64,
}

/// Everything the top halves share with process context.
pub(crate) struct State {
    /// The records readers see.
    pub(crate) ring: Ring,
    /// Top halves the workqueue stage has not handled yet.
    pub(crate) wq_pending: Pending,
    /// Counters.
    pub(crate) stats: Stats,
}

/// The irqctx device.
#[pin_data(PinnedDrop)]
pub(crate) struct IrqCtx {
    /// Ring, pending work and counters; taken from hardirq context.
    #[pin]
    pub(crate) state: SpinLockIrq<State>,
    /// Readers sleep here until a record arrives; pollers register here.
    #[pin]
    pub(crate) readers: PollCondVar,
    /// The hrtimer interrupt source (see `sources::hrtimer`).
    #[pin]
    pub(crate) timer: HrTimer<IrqCtx>,
    /// Whether the hrtimer source is started.
    pub(crate) timer_on: AtomicBool,
    /// The hrtimer period in ns.
    pub(crate) period_ns: AtomicI64,
    /// The workqueue bottom half (see `bottom_half::workqueue`).
    #[pin]
    pub(crate) wq_work: Work<IrqCtx, WQ_WORK>,
    /// Taken by the workqueue bottom half, which may sleep.
    #[pin]
    pub(crate) wq_mutex: Mutex<u64>,
    /// Limits the log line for rejected writes.
    pub(crate) bad_write_log: RateLimit,
}

impl IrqCtx {
    /// A stopped device whose hrtimer period is `period_us`.
    pub(crate) fn new(period_us: u64) -> Result<impl PinInit<Self, Error>> {
        let ring = Ring::new()?;
        Ok(try_pin_init!(Self {
            state <- new_spinlock_irq!(State {
                ring,
                wq_pending: Pending::default(),
                stats: Stats::default(),
            }, "irqctx_state"),
            readers <- new_poll_condvar!("irqctx_readers"),
            timer <- HrTimer::new(),
            timer_on: AtomicBool::new(false),
            period_ns: AtomicI64::new(period_us as i64 * 1000),
            wq_work <- new_work!("irqctx_wq_work"),
            wq_mutex <- new_mutex!(0, "irqctx_wq_mutex"),
            bad_write_log: RateLimit::new(5000),
        }? Error))
    }

    /// Records a top half and hands it to the bottom halves. Any context.
    pub(crate) fn record_top(&self, ev: Event) {
        {
            let mut st = self.state.lock();
            let seq = st.ring.push(ev);
            st.wq_pending.add(seq, ev.t_ns);
            st.stats.top += 1;
        }
        self.readers.notify_all();
        self.wq_work.queue(kernel::workqueue::system());
    }

    /// Records a deferred stage. Any context.
    pub(crate) fn record_stage(&self, ev: Event) {
        {
            let mut st = self.state.lock();
            st.ring.push(ev);
            st.stats.deferred += 1;
        }
        self.readers.notify_all();
    }

    /// Stops every source and bottom half and waits for them.
    fn quiesce(&self) {
        self.timer_on.store(false, Ordering::Relaxed);
        self.timer.cancel();
        // The timer can no longer queue work: cancel what it queued.
        self.wq_work.cancel_sync();
    }
}

#[pinned_drop]
impl PinnedDrop for IrqCtx {
    fn drop(self: Pin<&mut Self>) {
        // Callbacks use every field: stop them before any field is dropped.
        self.quiesce();
    }
}
