// SPDX-License-Identifier: GPL-2.0

//! Latency distributions: each stage's delay per source, and each top
//! half's own cost, in `/sys/kernel/debug/irqctx/latency` (one summary line
//! each) and `latency_buckets` (one line per non-empty bucket), e.g.
//!
//! ```text
//! metric=delay source=hrtimer stage=top count=3000 p50_ns=67583 p90_ns=88063 p99_ns=129023 p999_ns=411647 max_ns=530118
//! metric=cost source=hrtimer stage=top count=3000 p50_ns=9215 ...
//! ```
//!
//! The delay of a top half runs from the event (timer expiry, irq_work
//! queued, edu raise or factorial start) to the handler's first line; that
//! of a deferred stage from its top half to the stage's start: the same
//! `delay_ns` the records carry. The cost of a top half runs from its first
//! line to its return, on the CPU's own clock ([`local_ns`]). The `reset_latency` command
//! empties them all.

use crate::ctx::Task;
use crate::event::{Source, Stage};
use crate::histogram::Histogram;
use kernel::prelude::*;

/// The raw scheduler clock in ns (`sched_clock()`: the TSC on x86, scaled).
/// Cheap, and monotonic on one CPU but not corrected across CPUs (nor
/// filtered against the tick, as `local_clock()` is when the TSC is deemed
/// unstable, as it is under TCG): for intervals that begin and end on the
/// same CPU, such as a top half, which runs with interrupts off.
pub(crate) fn local_ns() -> i64 {
    crate::compat::clock::sched_clock_ns()
}

/// What a histogram measures.
#[derive(Clone, Copy)]
pub(crate) enum Metric {
    /// From the event (or the top half) to the stage's start.
    Delay,
    /// From a top half's first line to its return.
    Cost,
}

impl Metric {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Metric::Delay => "delay",
            Metric::Cost => "cost",
        }
    }
}

/// The histograms of every source.
pub(crate) struct Latency {
    /// Delays: `Stage::ALL.len()` histograms per source, in `Source::ALL`
    /// order.
    delay: KVec<Histogram>,
    /// Top-half costs, one per source.
    cost: KVec<Histogram>,
}

impl Latency {
    /// Empty histograms.
    pub(crate) fn new(task: &Task) -> Result<Self> {
        let mut delay =
            KVec::with_capacity(Source::ALL.len() * Stage::ALL.len(), task.gfp_kernel())?;
        for _ in 0..delay.capacity() {
            delay.push(Histogram::new(task)?, task.gfp_kernel())?;
        }
        let mut cost = KVec::with_capacity(Source::ALL.len(), task.gfp_kernel())?;
        for _ in Source::ALL {
            cost.push(Histogram::new(task)?, task.gfp_kernel())?;
        }
        Ok(Self { delay, cost })
    }

    /// The delays of `stage` for `source`.
    pub(crate) fn delay(&self, source: Source, stage: Stage) -> &Histogram {
        &self.delay[source.index() * Stage::ALL.len() + stage.index()]
    }

    /// The cost of `source`'s top half.
    pub(crate) fn cost(&self, source: Source) -> &Histogram {
        &self.cost[source.index()]
    }

    /// Every histogram with what it measures, in file order.
    pub(crate) fn rows(&self) -> impl Iterator<Item = (Metric, Source, Stage, &Histogram)> {
        let delays = Source::ALL.into_iter().flat_map(move |src| {
            Stage::ALL
                .into_iter()
                .map(move |stage| (Metric::Delay, src, stage, self.delay(src, stage)))
        });
        let costs = Source::ALL
            .into_iter()
            .map(move |src| (Metric::Cost, src, Stage::Top, self.cost(src)));
        Iterator::chain(delays, costs)
    }

    /// Empties every histogram.
    pub(crate) fn reset(&self) {
        for h in Iterator::chain(self.delay.iter(), self.cost.iter()) {
            h.reset();
        }
    }
}
