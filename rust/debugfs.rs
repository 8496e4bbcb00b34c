// SPDX-License-Identifier: GPL-2.0

//! The module's debugfs files, in `/sys/kernel/debug/irqctx/` (root only):
//! views of the device's state, each a snapshot taken when the file is
//! opened (`compat::debugfs`).
//!
//! `stats`: counters and delays, one `key=value` line per item, e.g.
//!
//! ```text
//! source=hrtimer top=120
//! stage=workqueue count=118 min_ns=151000 avg_ns=402113 max_ns=2204554
//! readers=1 sleeps=60 rechecks=0 lost=0 irq_none=0
//! bottom_halves=workqueue,bh
//! hrtimer=running period_us=10000
//! edu=bound device=0000:00:02.0 irq=24 mode=msi
//! ```
//!
//! `misuse`: the misuse cases (`rust/misuse.rs`), which the host harness
//! reads its patterns from. `latency` and `latency_buckets`: the latency
//! histograms (`rust/latency.rs`), summarised and bucket by bucket.

use crate::command::Control;
use crate::compat::debugfs::Writer;
use crate::ctx::Task;
use crate::event::{Source, Stage};
use crate::{histogram, misuse};
use core::fmt::Write;
use core::sync::atomic::Ordering;
use kernel::{alloc::Flags, prelude::*};

/// `core::fmt::Write` into a `KVec<u8>`, growing it with these flags.
struct Text<'a>(&'a mut KVec<u8>, Flags);

impl<'a> Text<'a> {
    /// Writes into `out`, allocating as `task` may (`GFP_KERNEL`).
    fn new(out: &'a mut KVec<u8>, task: &Task) -> Self {
        Text(out, task.gfp_kernel())
    }
}

impl Write for Text<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0
            .extend_from_slice(s.as_bytes(), self.1)
            .map_err(|_| core::fmt::Error)
    }
}

/// The id of the `stats` file.
pub(crate) const STATS: u64 = 0;

impl Writer<STATS> for Control {
    fn write(&self, out: &mut KVec<u8>, task: &mut Task) -> Result {
        // Copy under the lock, format after: the lock disables interrupts.
        let dev = &self.dev;
        let (top, delay, irq_none, readers, lost) = {
            let st = dev.state.lock(task);
            let s = &st.stats;
            (s.top, s.delay, s.irq_none, s.readers, s.lost)
        };
        let sleeps = dev.sleeps.load(Ordering::Relaxed);
        let rechecks = dev.rechecks.load(Ordering::Relaxed);
        let mut w = Text::new(out, task);
        let mut fmt = || -> core::fmt::Result {
            for src in Source::ALL {
                writeln!(w, "source={} top={}", src.name(), top[src.index()])?;
            }
            for stage in Stage::ALL {
                let d = &delay[stage.index()];
                let avg = if d.count > 0 {
                    d.sum_ns / d.count as i64
                } else {
                    0
                };
                writeln!(
                    w,
                    "stage={} count={} min_ns={} avg_ns={avg} max_ns={}",
                    stage.name(),
                    d.count,
                    d.min_ns,
                    d.max_ns
                )?;
            }
            writeln!(
                w,
                "readers={readers} sleeps={sleeps} rechecks={rechecks} lost={lost} irq_none={irq_none}"
            )?;
            w.write_str("bottom_halves=")?;
            let mut sep = "";
            for b in dev.bottoms() {
                write!(w, "{sep}{}", b.name())?;
                sep = ",";
            }
            writeln!(w, "{}", if sep.is_empty() { "none" } else { "" })?;
            let on = dev.timer_on.load(Ordering::Relaxed);
            writeln!(
                w,
                "hrtimer={} period_us={}",
                if on { "running" } else { "stopped" },
                dev.period_ns.load(Ordering::Relaxed) / 1000
            )?;
            self.edu.describe(task, &mut w)
        };
        fmt().map_err(|_| ENOMEM)
    }
}

/// The id of the `misuse` debugfs file.
pub(crate) const MISUSE: u64 = 1;

impl Writer<MISUSE> for Control {
    fn write(&self, out: &mut KVec<u8>, task: &mut Task) -> Result {
        let mut w = Text::new(out, task);
        let mut fmt = || -> core::fmt::Result {
            writeln!(
                w,
                "Available misuse cases (write misuse=NAME to /dev/irqctx; allow_misuse={}):",
                u8::from(misuse::allowed())
            )?;
            for c in &misuse::CASES {
                writeln!(
                    w,
                    "{} context={} survives={} expect={}",
                    c.name,
                    c.context.name(),
                    if c.survives { "yes" } else { "no" },
                    c.expect
                )?;
                writeln!(w, "    wrong: {}", c.wrong)?;
                writeln!(w, "    correct: {}", c.correct)?;
            }
            Ok(())
        };
        fmt().map_err(|_| ENOMEM)
    }
}

/// The id of the `latency` file.
pub(crate) const LATENCY: u64 = 2;
/// The id of the `latency_buckets` file.
pub(crate) const LATENCY_BUCKETS: u64 = 3;

impl Writer<LATENCY> for Control {
    fn write(&self, out: &mut KVec<u8>, task: &mut Task) -> Result {
        let mut w = Text::new(out, task);
        for (metric, src, stage, h) in self.dev.latency.rows() {
            writeln!(
                w,
                "metric={} source={} stage={} {}",
                metric.name(),
                src.name(),
                stage.name(),
                h.summary()
            )
            .map_err(|_| ENOMEM)?;
        }
        Ok(())
    }
}

impl Writer<LATENCY_BUCKETS> for Control {
    fn write(&self, out: &mut KVec<u8>, task: &mut Task) -> Result {
        let mut w = Text::new(out, task);
        for (metric, src, stage, h) in self.dev.latency.rows() {
            for (i, count) in h.counts().enumerate().filter(|(_, c)| *c > 0) {
                let (lo, hi) = histogram::bounds(i);
                writeln!(
                    w,
                    "metric={} source={} stage={} lo_ns={lo} hi_ns={hi} count={count}",
                    metric.name(),
                    src.name(),
                    stage.name(),
                )
                .map_err(|_| ENOMEM)?;
            }
        }
        Ok(())
    }
}
