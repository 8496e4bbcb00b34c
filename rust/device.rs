// SPDX-License-Identifier: GPL-2.0

//! The device: shared state of the sources, bottom halves and readers.
//!
//! Top halves run in hardirq context, so everything they touch is under
//! [`IrqCtx::state`], a [`SpinLockIrq`]: taking it in process context
//! disables local interrupts, so a top half can never interrupt a holder on
//! the same CPU and spin on it forever. Nothing sleeps or copies to user space
//! with it held; readers copy a record out and format it after unlocking.

use crate::command_lock::{new_command_lock, CommandLock};
use crate::compat::clock;
use crate::compat::{
    irq_work::IrqWork,
    pci::PciAddr,
    poll::{new_poll_condvar, PollCondVar},
    workqueue::{self, new_work, Work},
};
use crate::context::Context;
use crate::ctx::{self, new_mutex, new_spinlock_irq, HardIrq, Mutex, SoftIrq, SpinLockIrq, Task};
use crate::event::{Event, Source, Stage};
use crate::latency::Latency;
use crate::ratelimit::RateLimit;
use crate::ring::Ring;
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use kernel::{
    prelude::*,
    sync::{Arc, ArcBorrow},
    time::hrtimer::{ArcHrTimerHandle, HrTimer},
};

/// Most edu devices bound at once.
pub(crate) const MAX_EDU: usize = 4;

/// The id of the workqueue bottom half's [`Work`] item.
pub(crate) const WQ_WORK: u64 = 0;
/// The id of the BH workqueue bottom half's [`Work`] item.
pub(crate) const BH_WORK: u64 = 1;

/// The bottom halves a top half can defer to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bottom {
    /// `system_percpu_wq`: a kworker, process context.
    Workqueue = 1,
    /// `system_bh_wq`: softirq context.
    Bh = 2,
    /// The interrupt's handler thread (edu only): process context.
    Thread = 4,
}

impl Bottom {
    /// Every bottom half.
    pub(crate) const ALL: [Bottom; 3] = [Bottom::Workqueue, Bottom::Bh, Bottom::Thread];

    /// Name in the `bh=` command and the statistics.
    pub(crate) fn name(self) -> &'static str {
        self.stage().name()
    }

    /// The stage name its records carry.
    pub(crate) fn stage(self) -> Stage {
        match self {
            Bottom::Workqueue => Stage::Workqueue,
            Bottom::Bh => Stage::Bh,
            Bottom::Thread => Stage::Thread,
        }
    }

    fn index(self) -> usize {
        self.stage().index() - 1
    }
}

/// Where top halves come from, as the bottom halves see them: the hrtimer,
/// the irq_work, and each bound edu device (by its slot in
/// [`IrqCtx::edu`]). A stage keeps the lanes apart: one record per lane
/// that had top halves waiting, and an edu device's handler thread takes
/// only its own device's lane.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// The hrtimer source.
    Hrtimer,
    /// The irq_work source.
    IrqWork,
    /// The edu device in this slot of [`IrqCtx::edu`] (below [`MAX_EDU`]).
    Edu(usize),
}

impl Lane {
    /// How many lanes there are.
    const COUNT: usize = 2 + MAX_EDU;

    /// The source whose top halves come this way.
    pub(crate) fn source(self) -> Source {
        match self {
            Lane::Hrtimer => Source::Hrtimer,
            Lane::IrqWork => Source::IrqWork,
            Lane::Edu(_) => Source::Edu,
        }
    }

    fn index(self) -> usize {
        match self {
            Lane::Hrtimer => 0,
            Lane::IrqWork => 1,
            Lane::Edu(slot) => 2 + slot,
        }
    }

    fn from_index(index: usize) -> Self {
        match index {
            0 => Lane::Hrtimer,
            1 => Lane::IrqWork,
            slot => Lane::Edu(slot - 2),
        }
    }
}

/// Top halves a deferred stage has yet to handle, for one [`Lane`].
#[derive(Clone, Copy, Default)]
pub(crate) struct Pending {
    /// The newest top half waiting.
    pub(crate) top_seq: u64,
    /// When it ran (`ktime_get()`, ns).
    pub(crate) top_ns: i64,
    /// How many top halves are waiting (coalesced into one run).
    pub(crate) batch: u32,
    /// The edu device they came from (edu lanes only).
    pub(crate) dev: Option<PciAddr>,
}

/// Count, minimum, sum and maximum of a stage's delays.
#[derive(Clone, Copy, Default)]
pub(crate) struct DelayStats {
    /// Records.
    pub(crate) count: u64,
    /// Smallest delay, ns.
    pub(crate) min_ns: i64,
    /// Largest delay, ns.
    pub(crate) max_ns: i64,
    /// Sum of delays, ns.
    pub(crate) sum_ns: i64,
}

impl DelayStats {
    fn add(&mut self, delay_ns: i64) {
        if self.count == 0 || delay_ns < self.min_ns {
            self.min_ns = delay_ns;
        }
        self.max_ns = self.max_ns.max(delay_ns);
        self.sum_ns = self.sum_ns.saturating_add(delay_ns);
        self.count += 1;
    }
}

/// Counters, all monotonic.
#[derive(Default)]
pub(crate) struct Stats {
    /// Top halves recorded, per source.
    pub(crate) top: [u64; Source::ALL.len()],
    /// Delays per stage.
    pub(crate) delay: [DelayStats; Stage::ALL.len()],
    /// Edu interrupts that were not ours (shared INTx line).
    pub(crate) irq_none: u64,
    /// Files open.
    pub(crate) readers: u64,
    /// Records readers lost because the ring overwrote them.
    pub(crate) lost: u64,
}

/// Everything the top halves share with other contexts.
pub(crate) struct State {
    /// The records readers see.
    pub(crate) ring: Ring,
    /// Top halves each bottom half has not handled yet, per lane.
    pending: [[Pending; Lane::COUNT]; Bottom::ALL.len()],
    /// Counters.
    pub(crate) stats: Stats,
}

/// The irqctx device.
///
/// Held in an [`Arc`]: pending bottom halves and a running hrtimer own a
/// reference, so it outlives them; [`IrqCtx::quiesce`] stops them at unload.
#[pin_data]
pub(crate) struct IrqCtx {
    /// Ring, pending work and counters; taken from hardirq context.
    #[pin]
    pub(crate) state: SpinLockIrq<State>,
    /// Readers sleep here until a record arrives; pollers register here.
    #[pin]
    pub(crate) readers: PollCondVar,
    /// The ring's next sequence number, stored after each record (under
    /// `state`), so that a reader sees whether it has anything to read
    /// without taking the lock: the wait's condition and `poll()`.
    published: AtomicU64,
    /// Times a reader went to sleep for lack of records.
    pub(crate) sleeps: AtomicU64,
    /// Reader wake-ups after which there was still nothing to read.
    pub(crate) rechecks: AtomicU64,
    /// The hrtimer interrupt source (see `sources::hrtimer`).
    #[pin]
    pub(crate) timer: HrTimer<IrqCtx>,
    /// The started hrtimer; the lock serialises start, stop and period
    /// changes, so the callback never sees its timer restarted under it.
    #[pin]
    pub(crate) timer_ctl: Mutex<Option<ArcHrTimerHandle<IrqCtx>>>,
    /// Whether the hrtimer source is started (for the statistics).
    pub(crate) timer_on: AtomicBool,
    /// The hrtimer period in ns.
    pub(crate) period_ns: AtomicI64,
    /// The irq_work source (see `sources::irq_work`).
    #[pin]
    pub(crate) irq_work: IrqWork<IrqCtx>,
    /// Serialises `irq_work=` bursts, so that each queueing is one top half.
    #[pin]
    pub(crate) irq_work_lock: CommandLock,
    /// When the irq_work was queued (ns), for its delay.
    pub(crate) irq_work_queued_ns: AtomicI64,
    /// The bottom halves top halves defer to, a mask of [`Bottom`]s.
    bottoms: AtomicU32,
    /// The workqueue bottom half (see `bottom_half::workqueue`).
    #[pin]
    pub(crate) wq_work: Work<IrqCtx, WQ_WORK>,
    /// The BH workqueue bottom half (see `bottom_half::bh`).
    #[pin]
    pub(crate) bh_work: Work<IrqCtx, BH_WORK>,
    /// Taken by the stages that may sleep, to prove they may.
    #[pin]
    sleep_mutex: Mutex<u64>,
    /// Delay and cost distributions, recorded without the lock.
    pub(crate) latency: Latency,
    /// Limits the log line for rejected writes.
    pub(crate) bad_write_log: RateLimit,
    /// When the irq_work last ran (ns).
    pub(crate) irq_work_ran_ns: AtomicI64,
    /// What runs in the stages' contexts on request (the misuse cases).
    pub(crate) hook: Arc<dyn Hook>,
}

/// Code the stages run on request, in their own contexts: the core calls it
/// and knows nothing else of it (irqctx's is the misuse cases', `misuse`).
pub(crate) trait Hook: Send + Sync {
    /// Called by the irq_work top half, in hardirq context.
    fn in_hardirq(&self, irq: &mut HardIrq);
    /// Called by the BH stage, in softirq context.
    fn in_softirq(&self, bh: &mut SoftIrq);
}

impl IrqCtx {
    /// A stopped device whose hrtimer period is `period_us`, whose stages
    /// call `hook`.
    pub(crate) fn new(
        period_us: u64,
        hook: Arc<dyn Hook>,
        task: &Task,
    ) -> Result<impl PinInit<Self, Error>> {
        let ring = Ring::new(task)?;
        let latency = Latency::new(task)?;
        Ok(try_pin_init!(Self {
            state <- new_spinlock_irq!(State {
                ring,
                pending: Default::default(),
                stats: Stats::default(),
            }, "irqctx_state"),
            readers <- new_poll_condvar!("irqctx_readers"),
            published: AtomicU64::new(1),
            sleeps: AtomicU64::new(0),
            rechecks: AtomicU64::new(0),
            timer <- HrTimer::new(),
            timer_ctl <- new_mutex!(None, "irqctx_timer_ctl"),
            timer_on: AtomicBool::new(false),
            period_ns: AtomicI64::new(period_us as i64 * 1000),
            irq_work <- IrqWork::new(),
            irq_work_lock <- new_command_lock!("irqctx_irq_work_lock"),
            irq_work_queued_ns: AtomicI64::new(0),
            bottoms: AtomicU32::new(Bottom::Workqueue as u32),
            wq_work <- new_work!("irqctx_wq_work"),
            bh_work <- new_work!("irqctx_bh_work"),
            sleep_mutex <- new_mutex!(0, "irqctx_sleep_mutex"),
            latency,
            bad_write_log: RateLimit::new(5000),
            irq_work_ran_ns: AtomicI64::new(0),
            hook,
        }? Error))
    }

    /// Selects the bottom halves future top halves defer to.
    pub(crate) fn set_bottoms(&self, mask: u32) {
        self.bottoms.store(mask, Ordering::Relaxed);
    }

    /// The selected bottom halves, as the mask [`Self::set_bottoms`] takes.
    pub(crate) fn bottoms_mask(&self) -> u32 {
        self.bottoms.load(Ordering::Relaxed)
    }

    /// The selected bottom halves.
    pub(crate) fn bottoms(&self) -> impl Iterator<Item = Bottom> {
        let mask = self.bottoms_mask();
        Bottom::ALL
            .into_iter()
            .filter(move |b| mask & *b as u32 != 0)
    }

    /// Appends `ev` to the ring, publishes the ring's new end to readers
    /// and traces it; returns its sequence number.
    fn publish(&self, st: &mut State, ev: Event) -> u64 {
        let seq = st.ring.push(ev);
        self.published.store(seq + 1, Ordering::Release);
        crate::trace::stage(&Event { seq, ..ev });
        seq
    }

    /// Whether a reader at `pos` has a record (or a lost= line) to read:
    /// without the lock, from what [`Self::publish`] stored.
    pub(crate) fn has_data(&self, pos: u64) -> bool {
        pos < self.published.load(Ordering::Acquire)
    }

    /// Records a top half that came by `lane` and hands it to the selected
    /// bottom halves, from a top half. Returns whether the handler thread
    /// should run (edu only).
    pub(crate) fn record_top(
        this: ArcBorrow<'_, Self>,
        irq: &mut HardIrq,
        lane: Lane,
        mut ev: Event,
    ) -> bool {
        let mut queue = [false; Bottom::ALL.len()];
        ev.source = lane.source();
        {
            let mut st = this.state.lock(irq);
            let seq = this.publish(&mut st, ev);
            st.stats.top[ev.source.index()] += 1;
            st.stats.delay[Stage::Top.index()].add(ev.delay_ns);
            this.latency
                .delay(ev.source, Stage::Top)
                .record(ev.delay_ns);
            for b in this.bottoms() {
                if b == Bottom::Thread && ev.source != Source::Edu {
                    continue;
                }
                let p = &mut st.pending[b.index()][lane.index()];
                p.top_seq = seq;
                p.top_ns = ev.t_ns;
                p.batch = p.batch.saturating_add(1);
                p.dev = ev.dev;
                queue[b.index()] = true;
            }
        }
        this.readers.notify_all();
        if queue[Bottom::Workqueue.index()] {
            Work::<Self, WQ_WORK>::enqueue(this, workqueue::system_percpu());
        }
        if queue[Bottom::Bh.index()] {
            Work::<Self, BH_WORK>::enqueue(this, workqueue::system_bh());
        }
        queue[Bottom::Thread.index()]
    }

    /// Runs bottom half `b`'s stage: takes what is pending (on every lane,
    /// or only on lane `only`), lets `work` do the stage's work in the
    /// stage's context `C` (returning the ns it slept and the context
    /// switches it made) and records one stage per lane that had top halves
    /// waiting.
    pub(crate) fn run_stage<C: ctx::Context>(
        &self,
        cx: &mut C,
        b: Bottom,
        only: Option<Lane>,
        work: impl FnOnce(&mut C) -> (i64, u64),
    ) {
        // Top halves arriving from here on queue the stage again.
        let pending = {
            let mut st = self.state.lock(cx);
            let row = &mut st.pending[b.index()];
            match only {
                Some(lane) => {
                    let mut one = [Pending::default(); Lane::COUNT];
                    one[lane.index()] = core::mem::take(&mut row[lane.index()]);
                    one
                }
                None => core::mem::take(row),
            }
        };
        if pending.iter().all(|p| p.batch == 0) {
            // Queued again while running, and that run drained it already.
            return;
        }
        let ctx = Context::capture();
        let start = clock::now_ns();
        let (slept_ns, nvcsw) = work(cx);
        {
            let mut st = self.state.lock(cx);
            for (i, p) in pending.iter().enumerate() {
                if p.batch == 0 {
                    continue;
                }
                let src = Lane::from_index(i).source();
                let ev = Event {
                    source: src,
                    stage: b.stage(),
                    top_seq: p.top_seq,
                    batch: p.batch,
                    t_ns: start,
                    delay_ns: start - p.top_ns,
                    slept_ns,
                    nvcsw,
                    dev: p.dev,
                    ctx,
                    ..Event::default()
                };
                self.publish(&mut st, ev);
                st.stats.delay[b.stage().index()].add(ev.delay_ns);
                self.latency.delay(src, b.stage()).record(ev.delay_ns);
            }
        }
        self.readers.notify_all();
    }

    /// What the stages allowed to sleep do to prove it: take a mutex,
    /// allocate with `GFP_KERNEL` and sleep 1 ms ([`Task::sleep_ms`], which
    /// is never short of it on `ktime_get()`). Returns the ns it took and the
    /// voluntary context switches it made. Each of these is a bug in atomic
    /// context, which is why each needs `task`.
    pub(crate) fn sleep_briefly(&self, task: &Task) -> (i64, u64) {
        let nvcsw = crate::compat::cpu::current_nvcsw;
        let (start, switches) = (clock::now_ns(), nvcsw());
        let mut runs = self.sleep_mutex.lock(task);
        *runs += 1;
        let scratch = KVec::<u8>::with_capacity(4096, task.gfp_kernel());
        task.sleep_ms(1);
        drop(scratch);
        drop(runs);
        (clock::now_ns() - start, nvcsw() - switches)
    }

    /// Stops the hrtimer source and the bottom halves and waits for them;
    /// called at unload, once no file is open and no edu device is bound,
    /// so that nothing can start them again.
    pub(crate) fn quiesce(&self, task: &Task) {
        self.timer_stop(task);
        // Nothing can queue work any more: cancel what was queued.
        self.wq_work.cancel_sync(task);
        self.bh_work.cancel_sync(task);
    }
}
