// SPDX-License-Identifier: GPL-2.0

//! The edu source: a real device interrupt from QEMU's `edu` PCI device.
//!
//! The driver binds to 1234:11e8 (QEMU's `docs/specs/edu.txt`), maps BAR 0,
//! checks the identification register and requests the device's interrupt,
//! as MSI or as a shared legacy INTx line (`edu_irq=` parameter). Writing the
//! raise register makes the device interrupt; so does a finished factorial
//! computation when asked to.
//!
//! The hardirq handler reads the interrupt status register. Zero means the
//! interrupt is someone else's on a shared line: it returns `IRQ_NONE`
//! without touching anything. Otherwise it acknowledges exactly the bits it
//! read before returning, so a level-triggered line is always lowered: an
//! interrupt storm cannot come from this handler. It then records the event
//! and, when the `thread` bottom half is selected, wakes the handler thread.
//!
//! Unbinding (rmmod, or `echo ... > /sys/bus/pci/drivers/irqctx/unbind`)
//! first unpublishes the device, waiting for commands that use it, then
//! frees the interrupt (waiting for running handlers), then releases the
//! vectors, the mapping, the region and the device, in that order.

use crate::bindings;
use crate::compat::{
    irq::{flags, IrqReturn, ThreadedHandler, ThreadedIrqReturn, ThreadedRegistration},
    pci::{self, Device, EnabledDevice, IoMem, IrqVectors, Region},
    poll::{new_poll_condvar, PollCondVar},
};
use crate::context::Context;
use crate::device::{Bottom, IrqCtx};
use crate::event::{EduIrq, Event, Source, Stage};
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use kernel::{
    alloc::flags::GFP_KERNEL,
    c_str,
    error::code::{EINVAL, ENODEV, ENOSPC},
    prelude::*,
    sync::Arc,
    time::{msecs_to_jiffies, Ktime},
};

/// Registers of BAR 0 (`edu.txt`).
mod reg {
    /// Identification, `0xRRrr00ed`.
    pub(super) const ID: usize = 0x00;
    /// Liveness check: reads back the bitwise inverse of what was written.
    pub(super) const LIVENESS: usize = 0x04;
    /// Factorial: write n, read n! when done.
    pub(super) const FACTORIAL: usize = 0x08;
    /// Status: bit 0 computing, bit 7 raise an interrupt when done.
    pub(super) const STATUS: usize = 0x20;
    /// Interrupt status: the values that raised the interrupt, ORed.
    pub(super) const INTR_STATUS: usize = 0x24;
    /// Interrupt raise: ORs the value into the interrupt status.
    pub(super) const INTR_RAISE: usize = 0x60;
    /// Interrupt acknowledge: clears the value's bits from the status.
    pub(super) const INTR_ACK: usize = 0x64;
}

/// `STATUS` bit: raise an interrupt when the factorial is done.
const STATUS_IRQ_ON_DONE: u32 = 0x80;
/// Interrupt status bit of a finished factorial.
const FACT_IRQ: u32 = 0x0000_0001;
/// The value this driver writes to the raise register.
pub(crate) const RAISE_IRQ: u32 = 0x0001_0000;
/// Bytes of BAR 0 mapped: the registers.
const MMIO_LEN: usize = 0x100;
/// Largest factorial argument whose result fits the 32-bit register.
pub(crate) const MAX_FACTORIAL: u32 = 12;
/// How long a command waits for its interrupt.
const IRQ_TIMEOUT_MS: u32 = 1000;

/// How the device interrupts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum IrqMode {
    /// Message-signalled: a vector of its own.
    Msi,
    /// Legacy INTx, requested as a shared line.
    Intx,
}

impl IrqMode {
    /// Parses the `edu_irq` module parameter.
    pub(crate) fn from_param(s: &[u8]) -> Result<Self> {
        match s {
            b"msi" => Ok(IrqMode::Msi),
            b"intx" => Ok(IrqMode::Intx),
            _ => Err(EINVAL),
        }
    }

    fn name(self) -> &'static str {
        match self {
            IrqMode::Msi => "msi",
            IrqMode::Intx => "intx",
        }
    }
}

/// A bound edu device: what the interrupt handler and the commands use.
#[pin_data]
pub(crate) struct Edu {
    bar: IoMem,
    ctx: Arc<IrqCtx>,
    dev: Device,
    mode: IrqMode,
    irq: u32,
    /// When the last raise was written (ns).
    raised_ns: AtomicI64,
    /// Raise interrupts handled.
    raises: AtomicU64,
    /// When the last factorial was started (ns), its argument and result.
    fact_started_ns: AtomicI64,
    fact_n: AtomicU32,
    fact_result: AtomicU32,
    /// Factorial interrupts handled.
    facts: AtomicU64,
    /// Set when unbinding starts: commands stop at once with `ENODEV`.
    unbinding: AtomicBool,
    /// Commands wait here for their interrupt.
    #[pin]
    done: PollCondVar,
}

impl Edu {
    /// One line for the statistics file.
    pub(crate) fn describe(&self, out: &mut impl core::fmt::Write) -> core::fmt::Result {
        writeln!(
            out,
            "edu=bound device={} irq={} mode={}",
            self.dev.name().to_str().unwrap_or("?"),
            self.irq,
            self.mode.name()
        )
    }

    fn wait_done(&self, mut cond: impl FnMut() -> bool) -> Result {
        let gone = || self.unbinding.load(Ordering::Acquire);
        let met = self
            .done
            .wait_interruptible_timeout(|| gone() || cond(), msecs_to_jiffies(IRQ_TIMEOUT_MS))?;
        if gone() {
            Err(ENODEV)
        } else if met {
            Ok(())
        } else {
            Err(Error::from_errno(-(bindings::ETIMEDOUT as i32)))
        }
    }

    /// Makes commands in progress give up, before unbinding waits for them.
    fn start_unbinding(&self) {
        self.unbinding.store(true, Ordering::Release);
        self.done.notify_all();
    }

    /// Raises `n` interrupts, each after the previous one was handled, so
    /// that `/proc/interrupts` grows by exactly `n`.
    pub(crate) fn raise(&self, n: u32) -> Result {
        for _ in 0..n {
            if self.unbinding.load(Ordering::Acquire) {
                return Err(ENODEV);
            }
            let before = self.raises.load(Ordering::Acquire);
            self.raised_ns
                .store(Ktime::ktime_get().to_ns(), Ordering::Release);
            self.bar.write32(RAISE_IRQ, reg::INTR_RAISE)?;
            self.wait_done(|| self.raises.load(Ordering::Acquire) != before)?;
        }
        Ok(())
    }

    /// Has the device compute `n!`, sleeping until its completion
    /// interrupt; returns the result (also delivered to readers).
    pub(crate) fn factorial(&self, n: u32) -> Result<u32> {
        let before = self.facts.load(Ordering::Acquire);
        self.fact_n.store(n, Ordering::Relaxed);
        self.fact_started_ns
            .store(Ktime::ktime_get().to_ns(), Ordering::Release);
        self.bar.write32(STATUS_IRQ_ON_DONE, reg::STATUS)?;
        self.bar.write32(n, reg::FACTORIAL)?;
        self.wait_done(|| self.facts.load(Ordering::Acquire) != before)?;
        Ok(self.fact_result.load(Ordering::Relaxed))
    }
}

impl ThreadedHandler for Arc<Edu> {
    fn handle(&self) -> ThreadedIrqReturn {
        let ctx = Context::capture();
        let now = Ktime::ktime_get().to_ns();
        let status = self.bar.read32(reg::INTR_STATUS).unwrap_or(0);
        if status == 0 {
            // Not ours: another device on a shared INTx line.
            self.ctx.state.lock().stats.irq_none += 1;
            return ThreadedIrqReturn::None;
        }
        // Lower the line first: exactly the bits we saw.
        let _ = self.bar.write32(status, reg::INTR_ACK);

        let (edu, delay_ns) = if status & FACT_IRQ != 0 {
            let result = self.bar.read32(reg::FACTORIAL).unwrap_or(0);
            self.fact_result.store(result, Ordering::Relaxed);
            let ev = EduIrq::Factorial {
                status,
                n: self.fact_n.load(Ordering::Relaxed),
                result,
            };
            (ev, now - self.fact_started_ns.load(Ordering::Acquire))
        } else {
            (
                EduIrq::Raise { status },
                now - self.raised_ns.load(Ordering::Acquire),
            )
        };
        let wake_thread = self.ctx.record_top(Event {
            source: Source::Edu,
            stage: Stage::Top,
            t_ns: now,
            delay_ns,
            ctx,
            edu,
            ..Event::default()
        });
        if status & FACT_IRQ != 0 {
            self.facts.fetch_add(1, Ordering::Release);
        }
        if status & RAISE_IRQ != 0 {
            self.raises.fetch_add(1, Ordering::Release);
        }
        self.done.notify_all();
        if wake_thread {
            ThreadedIrqReturn::WakeThread
        } else {
            ThreadedIrqReturn::Handled
        }
    }

    fn handle_threaded(&self) -> IrqReturn {
        self.ctx
            .run_stage(Bottom::Thread, || self.ctx.sleep_briefly());
        IrqReturn::Handled
    }
}

/// What a bound device holds, released in field order (see `PinnedDrop`).
#[pin_data(PinnedDrop)]
pub(crate) struct EduBinding {
    ctx: Arc<IrqCtx>,
    #[pin]
    irq: ThreadedRegistration<Arc<Edu>>,
    _vectors: IrqVectors,
    _region: Region,
    _enabled: EnabledDevice,
}

#[pinned_drop]
impl PinnedDrop for EduBinding {
    fn drop(self: Pin<&mut Self>) {
        // Stop commands in progress, unpublish (waiting for them), then the
        // fields drop in order: free_irq, vectors, region, device.
        self.irq.handler().start_unbinding();
        let this = self.irq.handler();
        let mut bound = self.ctx.edu.lock();
        let slot = bound
            .iter_mut()
            .find(|e| e.as_ref().is_some_and(|e| Arc::ptr_eq(e, this)));
        let edu = slot.and_then(Option::take);
        drop(bound);
        drop(edu);
        pr_info!("edu: unbound, irq {} freed\n", self.irq.irq());
    }
}

/// The PCI driver for the edu device.
pub(crate) struct EduDriver;

static EDU_IDS: [bindings::pci_device_id; 2] = [
    bindings::pci_device_id {
        vendor: 0x1234,
        device: 0x11e8,
        subvendor: !0,
        subdevice: !0,
        class: 0,
        class_mask: 0,
        driver_data: 0,
        override_only: 0,
    },
    bindings::pci_device_id {
        vendor: 0,
        device: 0,
        subvendor: 0,
        subdevice: 0,
        class: 0,
        class_mask: 0,
        driver_data: 0,
        override_only: 0,
    },
];

impl pci::Driver for EduDriver {
    type RegistrationData = (Arc<IrqCtx>, IrqMode);
    type Data = EduBinding;
    const ID_TABLE: &'static [bindings::pci_device_id] = &EDU_IDS;

    fn probe(shared: &(Arc<IrqCtx>, IrqMode), dev: Device) -> Result<Pin<KBox<EduBinding>>> {
        let (ctx, mode) = (&shared.0, shared.1);
        let enabled = dev.enable()?;
        enabled.set_master();
        let region = dev.request_region(0, c_str!("irqctx"))?;
        let bar = dev.iomap(0, MMIO_LEN)?;
        let id = bar.read32(reg::ID)?;
        if id & 0xff != 0xed {
            pr_err!("{}: not an edu device (id 0x{id:08x})\n", dev.name());
            return Err(ENODEV);
        }
        bar.write32(0x1234_5678, reg::LIVENESS)?;
        if bar.read32(reg::LIVENESS)? != !0x1234_5678 {
            pr_err!("{}: edu liveness check failed\n", dev.name());
            return Err(ENODEV);
        }
        let vectors = dev.alloc_irq_vector(match mode {
            IrqMode::Msi => bindings::PCI_IRQ_MSI,
            IrqMode::Intx => bindings::PCI_IRQ_INTX,
        })?;
        // Nothing may be pending from a previous driver.
        let stale = bar.read32(reg::INTR_STATUS)?;
        bar.write32(stale, reg::INTR_ACK)?;

        let irq = vectors.irq();
        let edu = Arc::pin_init(
            pin_init!(Edu {
                bar,
                ctx: ctx.clone(),
                dev,
                mode,
                irq,
                raised_ns: AtomicI64::new(0),
                raises: AtomicU64::new(0),
                fact_started_ns: AtomicI64::new(0),
                fact_n: AtomicU32::new(0),
                fact_result: AtomicU32::new(0),
                facts: AtomicU64::new(0),
                unbinding: AtomicBool::new(false),
                done <- new_poll_condvar!("irqctx_edu_done"),
            }),
            GFP_KERNEL,
        )?;
        let irq_flags = match mode {
            IrqMode::Msi => 0,
            IrqMode::Intx => flags::SHARED,
        };
        let handler = edu.clone();
        let binding = KBox::pin_init(
            try_pin_init!(EduBinding {
                ctx: ctx.clone(),
                irq <- ThreadedRegistration::register(irq, irq_flags, c_str!("irqctx"), handler),
                _vectors: vectors,
                _region: region,
                _enabled: enabled,
            }),
            GFP_KERNEL,
        )?;
        pr_info!(
            "edu {}: id 0x{id:08x}, irq {irq} ({})\n",
            dev.name(),
            mode.name()
        );
        let mut bound = ctx.edu.lock();
        let slot = bound.iter_mut().find(|e| e.is_none()).ok_or(ENOSPC)?;
        *slot = Some(edu);
        drop(bound);
        Ok(binding)
    }
}
