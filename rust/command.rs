// SPDX-License-Identifier: GPL-2.0

//! The commands `write()` accepts, one per line.
//!
//! A write is parsed completely before anything is applied: if any line is
//! invalid the whole write fails with `EINVAL` and nothing changes. Then
//! [`Control::execute`] hands each command to the source it drives.

use crate::ctx::Task;
use crate::device::{Bottom, IrqCtx};
use crate::misuse::MisuseState;
use crate::sources::edu::{Edu, EduDevices};
use kernel::{error::code::ENODEV, prelude::*, sync::Arc};

/// Longest write accepted, in bytes; longer writes get `EINVAL`.
pub(crate) const MAX_WRITE: usize = 256;

/// Most commands in one write.
const MAX_COMMANDS: usize = 8;

/// Shortest hrtimer period: shorter ones would keep a TCG guest busy with
/// nothing but timer interrupts.
pub(crate) const MIN_PERIOD_US: u64 = 100;
/// Longest hrtimer period (10 s).
pub(crate) const MAX_PERIOD_US: u64 = 10_000_000;

/// Most interrupts one `irq_work=` or `raise=` command triggers.
pub(crate) const MAX_BURST: u32 = 1000;

/// Longest interrupts-off section `irqs_off=` makes, in us.
pub(crate) const MAX_IRQS_OFF_US: u32 = 10_000;

/// One command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// `start`: start the hrtimer source.
    Start,
    /// `stop`: stop the hrtimer source and wait for its callback.
    Stop,
    /// `wake`: wake every sleeping reader without a record (a spurious
    /// wake-up: correct readers re-check and sleep again).
    Wake,
    /// `period_us=N`: set the hrtimer period, effective at once.
    PeriodUs(u64),
    /// `irq_work=N`: queue the irq_work N times, one after the other.
    IrqWork(u32),
    /// `raise=N`: make the edu device interrupt N times, one after the other.
    Raise(u32),
    /// `factorial=N`: have the edu device compute N! and interrupt.
    Factorial(u32),
    /// `bh=LIST`: the bottom halves top halves defer to, a mask of
    /// `device::Bottom` (`bh=none` for none).
    Bottoms(u32),
    /// `misuse=NAME`: trigger a misuse case (an index into `misuse::CASES`).
    Misuse(usize),
    /// `irqs_off=US`: busy-wait US microseconds with local interrupts off
    /// (the bench's interference).
    IrqsOff(u32),
    /// `reset_latency`: empty the latency histograms.
    ResetLatency,
}

/// Why a write was rejected; `Display`ed in the (rate-limited) log line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// The write was not UTF-8 text.
    NotText,
    /// A line is no known command.
    Unknown,
    /// `period_us=` without a number in range.
    BadPeriod,
    /// A count or argument out of its range.
    BadNumber,
    /// `bh=` with an unknown bottom half.
    BadBottom,
    /// `misuse=` with an unknown case.
    BadMisuse,
    /// More than `MAX_COMMANDS` lines, or none at all.
    Count,
    /// Longer than `MAX_WRITE` bytes.
    TooLong,
}

impl kernel::fmt::Display for ParseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ParseError::NotText => f.write_str("not text"),
            ParseError::Unknown => f.write_str("unknown command"),
            ParseError::BadPeriod => write!(
                f,
                "period_us must be a number in {MIN_PERIOD_US}..={MAX_PERIOD_US}"
            ),
            ParseError::BadNumber => write!(
                f,
                "irq_work= and raise= take 1..={MAX_BURST}, factorial= 0..={}, irqs_off= 1..={MAX_IRQS_OFF_US}",
                crate::sources::edu::MAX_FACTORIAL
            ),
            ParseError::BadBottom => f.write_str("bh= takes workqueue,bh,thread or none"),
            ParseError::BadMisuse => {
                f.write_str("unknown misuse case (see /sys/kernel/debug/irqctx/misuse)")
            }
            ParseError::Count => write!(f, "expected 1 to {MAX_COMMANDS} commands"),
            ParseError::TooLong => write!(f, "longer than {MAX_WRITE} bytes"),
        }
    }
}

/// The commands of one write, in order.
pub(crate) struct Commands {
    cmds: [Command; MAX_COMMANDS],
    /// Where each command's line ends in the write: the offset after its
    /// `\n`, or the write's length for the last line.
    ends: [usize; MAX_COMMANDS],
    len: usize,
}

impl Commands {
    /// The parsed commands, each with the offset where its line ends.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Command, usize)> + '_ {
        self.cmds[..self.len]
            .iter()
            .copied()
            .zip(self.ends[..self.len].iter().copied())
    }
}

/// A decimal number: digits only (`str::parse` would also take `+5`).
fn decimal<T: core::str::FromStr>(n: &str) -> Option<T> {
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

fn number(n: &str, range: core::ops::RangeInclusive<u32>) -> Result<u32, ParseError> {
    decimal::<u32>(n)
        .filter(|n| range.contains(n))
        .ok_or(ParseError::BadNumber)
}

fn bottoms(list: &str) -> Result<u32, ParseError> {
    if list == "none" {
        return Ok(0);
    }
    list.split(',').try_fold(0, |mask, name| {
        Bottom::ALL
            .iter()
            .find(|b| b.name() == name)
            .map(|b| mask | *b as u32)
            .ok_or(ParseError::BadBottom)
    })
}

fn parse_line(line: &str) -> Result<Command, ParseError> {
    match line {
        "start" => Ok(Command::Start),
        "stop" => Ok(Command::Stop),
        "wake" => Ok(Command::Wake),
        "reset_latency" => Ok(Command::ResetLatency),
        _ => match line.split_once('=') {
            Some(("period_us", n)) => decimal::<u64>(n)
                .filter(|us| (MIN_PERIOD_US..=MAX_PERIOD_US).contains(us))
                .map(Command::PeriodUs)
                .ok_or(ParseError::BadPeriod),
            Some(("irq_work", n)) => number(n, 1..=MAX_BURST).map(Command::IrqWork),
            Some(("raise", n)) => number(n, 1..=MAX_BURST).map(Command::Raise),
            Some(("factorial", n)) => {
                number(n, 0..=crate::sources::edu::MAX_FACTORIAL).map(Command::Factorial)
            }
            Some(("irqs_off", n)) => number(n, 1..=MAX_IRQS_OFF_US).map(Command::IrqsOff),
            Some(("bh", list)) => bottoms(list).map(Command::Bottoms),
            Some(("misuse", name)) => crate::misuse::find(name)
                .map(Command::Misuse)
                .ok_or(ParseError::BadMisuse),
            _ => Err(ParseError::Unknown),
        },
    }
}

/// What is trimmed around a command: spaces, tabs and carriage returns (so
/// that `printf 'start\r\n'` works). Not `str::trim()`, whose Unicode
/// white space would make a command's meaning depend on bytes such as
/// U+00A0 that nobody types on purpose.
const BLANKS: [char; 3] = [' ', '\t', '\r'];

/// Parses a whole write: lines separated by `\n`, blank lines ignored,
/// [`BLANKS`] trimmed around each command.
pub(crate) fn parse(input: &[u8]) -> Result<Commands, ParseError> {
    let text = core::str::from_utf8(input).map_err(|_| ParseError::NotText)?;
    let mut out = Commands {
        cmds: [Command::Stop; MAX_COMMANDS],
        ends: [0; MAX_COMMANDS],
        len: 0,
    };
    let mut end = 0;
    for line in text.split('\n') {
        end = (end + line.len() + 1).min(text.len());
        let line = line.trim_matches(BLANKS);
        if line.is_empty() {
            continue;
        }
        let slot = out.cmds.get_mut(out.len).ok_or(ParseError::Count)?;
        *slot = parse_line(line)?;
        out.ends[out.len] = end;
        out.len += 1;
    }
    if out.len == 0 {
        return Err(ParseError::Count);
    }
    Ok(out)
}

/// What the commands drive: the core with its hrtimer and irq_work, the
/// bound edu devices and the misuse cases. The file and debugfs interfaces
/// act on this.
pub(crate) struct Control {
    /// The core.
    pub(crate) dev: Arc<IrqCtx>,
    /// The bound edu devices.
    pub(crate) edu: Arc<EduDevices>,
    /// The misuse cases' state.
    pub(crate) misuse: Arc<MisuseState>,
}

impl Control {
    /// Carries out one (valid) command. Commands that trigger interrupts
    /// sleep until they were handled.
    pub(crate) fn execute(&self, task: &mut Task, cmd: Command) -> Result {
        let dev = &self.dev;
        match cmd {
            Command::Start => IrqCtx::timer_start(dev.as_arc_borrow(), task),
            Command::Stop => dev.timer_stop(task),
            Command::Wake => dev.readers.notify_all(),
            Command::PeriodUs(us) => IrqCtx::timer_set_period(dev.as_arc_borrow(), task, us),
            Command::IrqWork(n) => return IrqCtx::irq_work_trigger(dev.as_arc_borrow(), task, n),
            Command::Bottoms(mask) => dev.set_bottoms(mask),
            Command::Raise(n) => return self.with_edu(task, |edu, task| edu.raise(task, n)),
            Command::Factorial(n) => {
                return self.with_edu(task, |edu, task| edu.factorial(task, n).map(|_| ()))
            }
            Command::Misuse(case) => return self.misuse.trigger(dev.as_arc_borrow(), task, case),
            Command::IrqsOff(us) => {
                // The bench's interference: interrupts off (the hardware
                // flag, on PREEMPT_RT too) for `us`, as a driver that holds
                // a `spin_lock_irqsave()` section too long does.
                let _off = task.irqs_off();
                crate::compat::clock::busy_wait_us(us);
            }
            Command::ResetLatency => dev.latency.reset(),
        }
        Ok(())
    }

    /// Runs `f` on the first bound edu device, serialised with the other
    /// commands on it; `ENODEV` if there is none or it is unbound
    /// meanwhile. The device list is only locked to pick the device, so
    /// statistics, probe and unbind of other devices never wait for `f`.
    fn with_edu(&self, task: &mut Task, f: impl FnOnce(&Edu, &mut Task) -> Result) -> Result {
        self.edu.first(task).ok_or(ENODEV)?.command(task, f)
    }
}
