// SPDX-License-Identifier: GPL-2.0

//! Event records and their text form, one `key=value` line each.
//!
//! The line format is documented in `Documentation/irqctx.rst`; the selftests
//! parse it, so fields are only ever added, never renamed.

use crate::compat::pci::PciAddr;
use crate::context::Context;

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
    /// Which edu device: the one that interrupted (top half), or whose
    /// interrupts the stage handled. `None` for the other sources.
    pub(crate) dev: Option<PciAddr>,
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
/// with every number at its widest (`u64::MAX`, `i64::MIN`, ...), an
/// eight-digit PCI domain and a 15-byte `comm` makes 392 bytes.
pub(crate) const MAX_LINE: usize = 400;

/// A fixed buffer holding one formatted line.
///
/// Filled by its own few methods, not `core::fmt`: every `read()` formats
/// the records it returns, and `core::fmt`'s generic path (a `dyn Write`
/// call per piece, the padding logic for every number) was most of the cost
/// of a `read()` (measured under TCG: about 20 us of a 45 us read).
///
/// # Invariants
///
/// `len <= MAX_LINE`.
pub(crate) struct Line {
    buf: [u8; MAX_LINE],
    len: usize,
}

impl Line {
    /// An empty line.
    pub(crate) fn new() -> Self {
        // INVARIANT: Empty.
        Self {
            buf: [0; MAX_LINE],
            len: 0,
        }
    }

    /// The bytes of the line, ending in `\n`.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Appends `bytes`. What does not fit is dropped; nothing does, since
    /// [`MAX_LINE`] is the longest line.
    fn push(&mut self, bytes: &[u8]) {
        let room = &mut self.buf[self.len..];
        let n = bytes.len().min(room.len());
        room[..n].copy_from_slice(&bytes[..n]);
        // INVARIANT: At most the room that was left.
        self.len += n;
    }

    /// Appends `key` and `value`, as `{key}{value}`.
    fn str(&mut self, key: &str, value: &str) {
        self.push(key.as_bytes());
        self.push(value.as_bytes());
    }

    /// Appends `key` and `value` in decimal, as `{key}{value}`.
    fn u64(&mut self, key: &str, mut value: u64) {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        self.push(key.as_bytes());
        self.push(&digits[start..]);
    }

    /// Appends `key` and `value` in decimal, as `{key}{value}`.
    fn i64(&mut self, key: &str, value: i64) {
        if value < 0 {
            self.push(key.as_bytes());
            self.u64("-", value.unsigned_abs());
        } else {
            self.u64(key, value.unsigned_abs());
        }
    }

    /// Appends `value` in hex, at least `width` digits: `{value:0width$x}`.
    fn hex_digits(&mut self, value: u32, width: usize) {
        let mut digits = [b'0'; 8];
        for (i, d) in digits.iter_mut().enumerate() {
            *d = b"0123456789abcdef"[((value >> (28 - 4 * i)) & 0xf) as usize];
        }
        let significant = 8 - (value.leading_zeros() as usize / 4);
        self.push(&digits[8 - significant.max(width).min(8)..]);
    }

    /// Appends `key` and `value` as `0x` and eight hex digits, as
    /// `{key}0x{value:08x}`.
    fn hex(&mut self, key: &str, value: u32) {
        self.push(key.as_bytes());
        self.push(b"0x");
        self.hex_digits(value, 8);
    }

    /// Appends `key` and a PCI address as `pci_name()` prints it:
    /// `{key}{domain:04x}:{bus:02x}:{device:02x}.{function}`.
    fn pci(&mut self, key: &str, addr: PciAddr) {
        self.push(key.as_bytes());
        self.hex_digits(addr.domain, 4);
        self.push(b":");
        self.hex_digits(addr.bus.into(), 2);
        self.push(b":");
        self.hex_digits((addr.devfn >> 3).into(), 2);
        self.u64(".", (addr.devfn & 7).into());
    }
}

impl Record {
    /// Formats the record into `w` as one line ending in `\n`, replacing
    /// what `w` held (a reader formats every record of a `read()` into one
    /// `Line`: no 400-byte buffer cleared and moved per record).
    pub(crate) fn format_into(&self, w: &mut Line) {
        // INVARIANT: Empty.
        w.len = 0;
        let ev = match self {
            Record::Lost { count } => {
                w.u64("lost=", *count);
                w.push(b"\n");
                return;
            }
            Record::Event(ev) => ev,
        };
        let c = &ev.ctx;
        w.u64("seq=", ev.seq);
        w.str(" src=", ev.source.name());
        w.str(" stage=", ev.stage.name());
        // A deferred stage's fields, or a top half's device report.
        match (ev.stage, ev.edu) {
            (Stage::Top, EduIrq::None) => {}
            (Stage::Top, EduIrq::Raise { status }) => w.hex(" status=", status),
            (Stage::Top, EduIrq::Factorial { status, n, result }) => {
                w.hex(" status=", status);
                w.u64(" n=", n.into());
                w.u64(" result=", result.into());
            }
            _ => {
                w.u64(" top=", ev.top_seq);
                w.u64(" batch=", ev.batch.into());
            }
        }
        w.str(" ctx=", c.name());
        w.u64(" cpu=", c.running.cpu.into());
        w.hex(" preempt=", c.running.preempt_count);
        w.u64(" irqs_off=", c.running.irqs_off.into());
        w.u64(" hardirq=", c.running.hardirq.into());
        w.u64(" softirq=", c.running.softirq.into());
        w.u64(" task=", c.running.task.into());
        w.i64(" pid=", c.running.pid.into());
        w.push(b" comm=");
        // Keep the line splittable on spaces whatever the task is called.
        for ch in c.comm().chars() {
            if ch.is_whitespace() || ch == '=' {
                w.push(b"_");
            } else {
                w.push(ch.encode_utf8(&mut [0; 4]).as_bytes());
            }
        }
        w.i64(" t_ns=", ev.t_ns);
        w.i64(" delay_ns=", ev.delay_ns);
        w.i64(" slept_ns=", ev.slept_ns);
        w.u64(" nvcsw=", ev.nvcsw);
        w.str(" stack=", c.stack.name());
        w.u64(" stack_used=", c.stack_used.into());
        // Added last: fields are never reordered.
        if let Some(dev) = ev.dev {
            w.pci(" dev=", dev);
        }
        w.push(b"\n");
    }
}
