// SPDX-License-Identifier: GPL-2.0

//! Event records and their text form, one `key=value` line each.
//!
//! The line format is documented in `Documentation/irqctx.rst`; the selftests
//! parse it, so fields are only ever added, never renamed.

use crate::context::Context;
use core::fmt::{self, Write};

/// What produced an event.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Source {
    /// The periodic hrtimer.
    #[default]
    Hrtimer,
    /// An `irq_work` queued by a command (a self-IPI).
    IrqWork,
    /// The QEMU edu PCI device's interrupt.
    Edu,
}

impl Source {
    /// Every source, in `index()` order.
    pub(crate) const ALL: [Source; 3] = [Source::Hrtimer, Source::IrqWork, Source::Edu];

    /// Name used in `src=`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Source::Hrtimer => "hrtimer",
            Source::IrqWork => "irq_work",
            Source::Edu => "edu",
        }
    }

    /// Position in [`Self::ALL`], for per-source tables.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Which stage of handling a record describes.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Stage {
    /// The top half: the interrupt handler or timer callback itself.
    #[default]
    Top,
    /// A work item on a normal workqueue (process context).
    Workqueue,
    /// A work item on the BH workqueue (softirq context).
    Bh,
    /// The interrupt's handler thread (process context).
    Thread,
}

impl Stage {
    /// Every stage, in `index()` order.
    pub(crate) const ALL: [Stage; 4] = [Stage::Top, Stage::Workqueue, Stage::Bh, Stage::Thread];

    /// Name used in `stage=`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Stage::Top => "top",
            Stage::Workqueue => "workqueue",
            Stage::Bh => "bh",
            Stage::Thread => "thread",
        }
    }

    /// Position in [`Self::ALL`], for per-stage tables.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// What an edu interrupt reported.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum EduIrq {
    /// Not an edu event.
    #[default]
    None,
    /// The interrupt status register's value (raise register writes).
    Raise {
        /// `INTR_STATUS`.
        status: u32,
    },
    /// A factorial computation finished.
    Factorial {
        /// `INTR_STATUS`.
        status: u32,
        /// The argument.
        n: u32,
        /// The device's result.
        result: u32,
    },
}

/// One record in the ring: a top half or a deferred stage.
#[derive(Clone, Copy, Default)]
pub(crate) struct Event {
    /// Sequence number, unique and increasing over all records.
    pub(crate) seq: u64,
    /// What produced it.
    pub(crate) source: Source,
    /// Which stage ran.
    pub(crate) stage: Stage,
    /// For deferred stages: `seq` of the newest top half this run handled.
    pub(crate) top_seq: u64,
    /// For deferred stages: how many top halves this run handled (work
    /// queued while already pending runs once).
    pub(crate) batch: u32,
    /// `ktime_get()` when the stage started, in ns.
    pub(crate) t_ns: i64,
    /// Top half: from the programmed expiry (or the raise) to the handler;
    /// deferred stage: from the top half to this stage.
    pub(crate) delay_ns: i64,
    /// Time the stage spent in calls that sleep, in ns (0 for stages that
    /// must not sleep).
    pub(crate) slept_ns: i64,
    /// Voluntary context switches of `current` during those calls: proof
    /// that the stage really slept.
    pub(crate) nvcsw: u64,
    /// Where the stage ran.
    pub(crate) ctx: Context,
    /// For edu top halves: what the device reported.
    pub(crate) edu: EduIrq,
}

/// A record as a reader sees it.
pub(crate) enum Record {
    /// An event.
    Event(Event),
    /// `count` records were overwritten before this reader got to them.
    Lost {
        /// Number of records lost.
        count: u64,
    },
}

/// Longest line [`Record::format`] produces: an edu factorial's top half
/// with every number at its widest (`u64::MAX`, `i64::MIN`, ...) and a
/// 15-byte `comm` makes 371 bytes.
pub(crate) const MAX_LINE: usize = 384;

/// A fixed buffer holding one formatted line.
pub(crate) struct Line {
    buf: [u8; MAX_LINE],
    len: usize,
}

impl Line {
    /// The bytes of the line, ending in `\n`.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl Record {
    /// Formats the record as one line ending in `\n`.
    pub(crate) fn format(&self) -> Line {
        let mut line = Line {
            buf: [0; MAX_LINE],
            len: 0,
        };
        // Cannot fail: the longest possible line fits in `MAX_LINE`.
        let _ = self.write_to(&mut line);
        line
    }

    fn write_to(&self, w: &mut Line) -> fmt::Result {
        let ev = match self {
            Record::Lost { count } => return writeln!(w, "lost={count}"),
            Record::Event(ev) => ev,
        };
        let c = &ev.ctx;
        write!(
            w,
            "seq={} src={} stage={}",
            ev.seq,
            ev.source.name(),
            ev.stage.name()
        )?;
        // A deferred stage's fields, or a top half's device report.
        match (ev.stage, ev.edu) {
            (Stage::Top, EduIrq::None) => {}
            (Stage::Top, EduIrq::Raise { status }) => write!(w, " status=0x{status:08x}")?,
            (Stage::Top, EduIrq::Factorial { status, n, result }) => {
                write!(w, " status=0x{status:08x} n={n} result={result}")?
            }
            _ => write!(w, " top={} batch={}", ev.top_seq, ev.batch)?,
        }
        write!(
            w,
            " ctx={} cpu={} preempt=0x{:08x} irqs_off={} hardirq={} softirq={} task={} pid={} comm=",
            c.name(),
            c.cpu,
            c.preempt_count,
            u8::from(c.irqs_off),
            u8::from(c.hardirq),
            u8::from(c.softirq),
            u8::from(c.task),
            c.pid,
        )?;
        // Keep the line splittable on spaces whatever the task is called.
        for ch in c.comm().chars() {
            w.write_char(if ch.is_whitespace() || ch == '=' {
                '_'
            } else {
                ch
            })?;
        }
        writeln!(
            w,
            " t_ns={} delay_ns={} slept_ns={} nvcsw={} stack={} stack_used={}",
            ev.t_ns,
            ev.delay_ns,
            ev.slept_ns,
            ev.nvcsw,
            c.stack.name(),
            c.stack_used
        )
    }
}
