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
//! Commands on one device take turns ([`CommandLock`]): two writers' raises
//! would otherwise merge into one interrupt. Unbinding (rmmod, or `echo ... >
//! /sys/bus/pci/drivers/irqctx/unbind`) first unpublishes the device, tells
//! commands to stop (`ENODEV`) and waits for the one in progress, then frees
//! the interrupt (waiting for running handlers), then releases the vectors,
//! the region and the device, in that order.

use crate::bindings;
use crate::command_lock::{new_command_lock, CommandLock};
use crate::compat::clock;
use crate::compat::{
    irq::{IrqHandler, ThreadedIrq},
    pci::{
        device_id, probe_context, CoreDeviceExt, DeviceEnableGuard, DeviceExt, PciAddr,
        TaskAdapter, TaskDriver,
    },
    poll::{fatal_signal_pending, new_poll_condvar, PollCondVar},
};
use crate::context::Context;
use crate::ctx::{new_mutex, HardIrq, Mutex, Task};
use crate::device::{Bottom, IrqCtx, Lane, MAX_EDU};
use crate::event::{EduIrq, Event, Source, Stage};
use crate::latency::local_ns;
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use kernel::{
    device::Core,
    driver,
    error::code::{EINTR, EINVAL, ENODEV, ENOSPC, ERESTARTSYS},
    io::Io,
    irq::{Flags, IrqRequest, IrqReturn, ThreadedIrqReturn},
    pci::{self, Bar, DevresBar, IrqType, IrqTypes},
    prelude::*,
    sync::{aref::ARef, Arc},
    time::msecs_to_jiffies,
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

/// `STATUS` bit: a factorial is being computed.
const STATUS_COMPUTING: u32 = 0x01;
/// `STATUS` bit: raise an interrupt when the factorial is done.
const STATUS_IRQ_ON_DONE: u32 = 0x80;
/// Interrupt status bit of a finished factorial.
const FACT_IRQ: u32 = 0x0000_0001;
/// The value this driver writes to the raise register.
pub(crate) const RAISE_IRQ: u32 = 0x0001_0000;
/// Bytes of BAR 0 the registers take: a shorter BAR is refused at probe,
/// and each access is checked against it at compile time.
const MMIO_LEN: usize = 0x100;
/// BAR 0, the registers.
type Regs<'a> = Bar<'a, MMIO_LEN>;
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
    /// The registers, revoked when the device is unbound.
    bar: DevresBar<MMIO_LEN>,
    ctx: Arc<IrqCtx>,
    dev: ARef<pci::Device>,
    /// Where the device sits, for its records' `dev=`.
    addr: PciAddr,
    /// Its slot in [`IrqCtx::edu`]: its top halves' lane. (Not named
    /// `slot`: 7.3's `pin_init!` names its own pointer so, unhygienically.)
    slot_index: usize,
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
    /// Factorials started; one whose caller gave up (a signal) may still be
    /// computing, and the device ignores a new one until it is done.
    fact_started: AtomicU64,
    /// Factorial interrupts handled.
    facts: AtomicU64,
    /// Set when unbinding starts: commands stop at once with `ENODEV`.
    unbinding: AtomicBool,
    /// Commands wait here for their interrupt.
    #[pin]
    done: PollCondVar,
    /// Commands on this device take turns.
    #[pin]
    cmd: CommandLock,
}

impl Edu {
    /// One line for the statistics file.
    pub(crate) fn describe(&self, out: &mut impl core::fmt::Write) -> core::fmt::Result {
        writeln!(
            out,
            "edu=bound device={} irq={} mode={}",
            self.dev.as_ref().name().to_str().unwrap_or("?"),
            self.irq,
            self.mode.name()
        )
    }

    /// Runs `f` on the registers; `ENODEV` once the device is unbound (the
    /// mapping is revoked).
    fn regs<R>(&self, f: impl FnOnce(&Regs<'_>) -> R) -> Result<R> {
        self.bar.try_access().map(|bar| f(&bar)).ok_or(ENODEV)
    }

    /// Waits for `cond`, for one interrupt's timeout at most: `ETIMEDOUT`
    /// then, `ENODEV` once the device is being unbound. Any signal ends the
    /// wait (`ERESTARTSYS`): only for waits before the command has made the
    /// device do anything.
    fn wait_done(&self, task: &mut Task, mut cond: impl FnMut() -> bool) -> Result {
        let met = self.done.wait_interruptible_timeout(
            task,
            |_| self.is_unbinding() || cond(),
            msecs_to_jiffies(IRQ_TIMEOUT_MS),
        )?;
        self.outcome(met)
    }

    /// Like [`Self::wait_done`], but only a fatal signal ends the wait: for
    /// an interrupt the command has already set off, whose wait job control
    /// or a caught signal must not cut short (a retried write would set it
    /// off again).
    fn wait_handled(&self, task: &mut Task, mut cond: impl FnMut() -> bool) -> Result {
        let met = self.done.wait_killable_timeout(
            task,
            |_| self.is_unbinding() || cond(),
            msecs_to_jiffies(IRQ_TIMEOUT_MS),
        )?;
        self.outcome(met)
    }

    fn is_unbinding(&self) -> bool {
        self.unbinding.load(Ordering::Acquire)
    }

    /// What a wait that ended without a signal means.
    fn outcome(&self, met: bool) -> Result {
        if self.is_unbinding() {
            Err(ENODEV)
        } else if met {
            Ok(())
        } else {
            Err(Error::from_errno(-(bindings::ETIMEDOUT as i32)))
        }
    }

    /// Runs command `f` once the commands before it on this device are
    /// done; `ENODEV` if the device is being unbound.
    pub(crate) fn command(
        &self,
        task: &mut Task,
        f: impl FnOnce(&Self, &mut Task) -> Result,
    ) -> Result {
        let _turn = self.cmd.lock(task)?;
        if self.is_unbinding() {
            return Err(ENODEV);
        }
        f(self, task)
    }

    /// Makes commands in progress give up and waits for the one running,
    /// before unbinding releases the device.
    fn stop_commands(&self, task: &mut Task) {
        self.unbinding.store(true, Ordering::Release);
        self.done.notify_all();
        self.cmd.close(task);
    }

    /// Quiets the device before its handler goes, once commands have
    /// stopped: a factorial still computing (its writer gave up, or the
    /// unbind cut its wait short) must not raise its interrupt, and no
    /// interrupt may stay pending. On a shared INTx line a pending one would
    /// keep the line asserted with no handler to lower it: the other
    /// devices' handlers would see an interrupt storm until the kernel
    /// disables the line ("nobody cared").
    fn quiet(&self, task: &Task) {
        // No completion interrupt for a computation still running, and
        // wait (bounded) until none is...
        let _ = self.regs(|r| r.write32(0, reg::STATUS));
        for _ in 0..IRQ_TIMEOUT_MS {
            match self.regs(|r| r.read32(reg::STATUS)) {
                Ok(status) if status & STATUS_COMPUTING != 0 => task.sleep_ms(1),
                _ => break,
            }
        }
        // ... then acknowledge whatever is pending.
        let _ = self.regs(|r| r.write32(r.read32(reg::INTR_STATUS), reg::INTR_ACK));
    }

    /// Raises `n` interrupts, each after the previous one was handled, so
    /// that `/proc/interrupts` grows by exactly `n`. Before the first raise
    /// any signal ends the command with `ERESTARTSYS` (nothing happened: the
    /// write may restart). After it the burst is carried out whole: only a
    /// fatal signal ends it, with `EINTR` (its task never sees the error).
    /// A stop and continue (Ctrl-Z, `fg`) or a caught signal must not fail
    /// the write halfway, since every common retry loop (busybox's `echo`,
    /// Python's `os.write()`, `SA_RESTART`) would raise the burst again.
    pub(crate) fn raise(&self, task: &mut Task, n: u32) -> Result {
        for done in 0..n {
            if self.is_unbinding() {
                return Err(ENODEV);
            }
            // The wait below notices a signal only when it has to sleep,
            // which a fast interrupt spares it: look before each raise.
            if done == 0 && kernel::current!().signal_pending() {
                return Err(ERESTARTSYS);
            }
            if fatal_signal_pending() {
                return Err(EINTR);
            }
            let before = self.raises.load(Ordering::Acquire);
            self.raised_ns.store(clock::now_ns(), Ordering::Release);
            self.regs(|r| r.write32(RAISE_IRQ, reg::INTR_RAISE))?;
            let handled = || self.raises.load(Ordering::Acquire) != before;
            match self.wait_handled(task, handled) {
                Err(e) if e == ERESTARTSYS => {
                    // A fatal signal: this interrupt is raised, let it be
                    // handled (bounded), so that it cannot merge with the
                    // next command's.
                    self.done.wait_uninterruptible_timeout(
                        task,
                        |_| self.is_unbinding() || handled(),
                        msecs_to_jiffies(IRQ_TIMEOUT_MS),
                    );
                    return Err(EINTR);
                }
                r => r?,
            }
        }
        Ok(())
    }

    /// Has the device compute `n!`, sleeping until its completion
    /// interrupt; returns the result (also delivered to readers). If an
    /// earlier factorial was abandoned (its writer was killed), waits for
    /// it first: the device ignores a new one while computing, and its
    /// interrupt must not be taken for this one's. Any signal ends the
    /// command with `ERESTARTSYS` before the device was started; after, only
    /// a fatal one, with `EINTR` (a restarted write would compute and
    /// interrupt once more).
    pub(crate) fn factorial(&self, task: &mut Task, n: u32) -> Result<u32> {
        let started = self.fact_started.load(Ordering::Relaxed);
        self.wait_done(task, || self.facts.load(Ordering::Acquire) >= started)?;
        self.fact_n.store(n, Ordering::Relaxed);
        self.fact_started_ns
            .store(clock::now_ns(), Ordering::Release);
        self.fact_started.store(started + 1, Ordering::Relaxed);
        self.regs(|r| {
            r.write32(STATUS_IRQ_ON_DONE, reg::STATUS);
            r.write32(n, reg::FACTORIAL);
        })?;
        match self.wait_handled(task, || self.facts.load(Ordering::Acquire) > started) {
            // Killed: the device computes and interrupts whatever happens
            // now. The next factorial waits for this one's interrupt (see
            // above).
            Err(e) if e == ERESTARTSYS => return Err(EINTR),
            r => r?,
        }
        Ok(self.fact_result.load(Ordering::Relaxed))
    }
}

/// The interrupt handler of one edu device.
struct EduHandler(Arc<Edu>);

impl IrqHandler for EduHandler {
    fn handle(&self, irq: &mut HardIrq) -> ThreadedIrqReturn {
        let entry = local_ns();
        let ctx = Context::capture();
        let now = clock::now_ns();
        let this = &*self.0;
        // The registers are there as long as the handler is: the line is
        // freed before unbinding revokes them.
        let Some(regs) = this.bar.try_access() else {
            return ThreadedIrqReturn::None;
        };
        let status = regs.read32(reg::INTR_STATUS);
        if status == 0 {
            // Not ours: another device on a shared INTx line.
            this.ctx.state.lock(irq).stats.irq_none += 1;
            return ThreadedIrqReturn::None;
        }
        // Lower the line first: exactly the bits we saw.
        regs.write32(status, reg::INTR_ACK);

        let (edu, delay_ns) = if status & FACT_IRQ != 0 {
            let result = regs.read32(reg::FACTORIAL);
            this.fact_result.store(result, Ordering::Relaxed);
            let ev = EduIrq::Factorial {
                status,
                n: this.fact_n.load(Ordering::Relaxed),
                result,
            };
            (ev, now - this.fact_started_ns.load(Ordering::Acquire))
        } else {
            (
                EduIrq::Raise { status },
                now - this.raised_ns.load(Ordering::Acquire),
            )
        };
        drop(regs);
        let wake_thread = IrqCtx::record_top(
            this.ctx.as_arc_borrow(),
            irq,
            Lane::Edu(this.slot_index),
            Event {
                stage: Stage::Top,
                t_ns: now,
                delay_ns,
                dev: Some(this.addr),
                ctx,
                edu,
                ..Event::default()
            },
        );
        if status & FACT_IRQ != 0 {
            this.facts.fetch_add(1, Ordering::Release);
        }
        if status & RAISE_IRQ != 0 {
            this.raises.fetch_add(1, Ordering::Release);
        }
        this.done.notify_all();
        this.ctx
            .latency
            .cost(Source::Edu)
            .record(local_ns() - entry);
        if wake_thread {
            ThreadedIrqReturn::WakeThread
        } else {
            ThreadedIrqReturn::Handled
        }
    }

    fn handle_threaded(&self, task: &mut Task) -> IrqReturn {
        // This device's top halves only: each device has a thread of its own.
        let this = &*self.0;
        this.ctx.run_stage(
            task,
            Bottom::Thread,
            Some(Lane::Edu(this.slot_index)),
            |task| this.ctx.sleep_briefly(task),
        );
        IrqReturn::Handled
    }
}

/// The bound edu devices, by slot: a slot is a device's lane of top halves
/// in the core; commands use the first device.
#[pin_data]
pub(crate) struct EduDevices {
    #[pin]
    bound: Mutex<[Option<Arc<Edu>>; MAX_EDU]>,
    /// Slots claimed by a probe, a bit each: a device has its slot (and
    /// lane) from before its interrupt is requested until after it is freed.
    claimed: AtomicU32,
}

impl EduDevices {
    /// No device bound.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            bound <- new_mutex!([const { None }; MAX_EDU], "irqctx_edu"),
            claimed: AtomicU32::new(0),
        })
    }

    /// The first bound device, if any.
    pub(crate) fn first(&self, task: &Task) -> Option<Arc<Edu>> {
        self.bound.lock(task).iter().flatten().next().cloned()
    }

    /// One line per bound device for the statistics file, or `edu=absent`.
    pub(crate) fn describe(
        &self,
        task: &Task,
        out: &mut impl core::fmt::Write,
    ) -> core::fmt::Result {
        let bound = self.bound.lock(task);
        for edu in bound.iter().flatten() {
            edu.describe(out)?;
        }
        if bound.iter().all(Option::is_none) {
            writeln!(out, "edu=absent")?;
        }
        Ok(())
    }

    /// Whether no device is bound.
    pub(crate) fn is_empty(&self, task: &Task) -> bool {
        self.bound.lock(task).iter().all(Option::is_none)
    }
}

/// A claimed slot of [`EduDevices`], given back on drop.
struct EduSlot {
    devices: Arc<EduDevices>,
    index: usize,
}

impl EduSlot {
    /// Claims a free slot; `ENOSPC` if [`MAX_EDU`] devices are bound.
    fn claim(devices: &Arc<EduDevices>) -> Result<Self> {
        let mut claimed = devices.claimed.load(Ordering::Relaxed);
        loop {
            let index = claimed.trailing_ones() as usize;
            if index >= MAX_EDU {
                return Err(ENOSPC);
            }
            match devices.claimed.compare_exchange(
                claimed,
                claimed | (1 << index),
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Ok(Self {
                        devices: devices.clone(),
                        index,
                    })
                }
                Err(now) => claimed = now,
            }
        }
    }

    /// Makes `edu` the slot's device, for the commands and the statistics.
    fn publish(&self, task: &Task, edu: Arc<Edu>) {
        self.devices.bound.lock(task)[self.index] = Some(edu);
    }

    /// Takes the slot's device back from the commands and the statistics.
    fn unpublish(&self, task: &Task) -> Option<Arc<Edu>> {
        self.devices.bound.lock(task)[self.index].take()
    }
}

impl Drop for EduSlot {
    fn drop(&mut self) {
        self.devices
            .claimed
            .fetch_and(!(1 << self.index), Ordering::AcqRel);
    }
}

probe_context! {
    /// What every probe needs: the core its top halves record into, the
    /// table it joins, and how to interrupt (`edu_irq=`). Set before the
    /// driver is registered, taken after.
    EduContext: (Arc<IrqCtx>, Arc<EduDevices>, IrqMode);
}

/// What a bound device holds, released in field order once
/// [`EduDriver::unbind`] has quieted the device: the line (`free_irq()`,
/// then the vectors), the device's enable, and last the slot (its lane),
/// which no handler can use any more. The registers are upstream's
/// `Devres`: revoked after this is dropped.
#[pin_data]
pub(crate) struct EduBinding<'bound> {
    #[pin]
    irq: ThreadedIrq<'bound, EduHandler>,
    enabled: DeviceEnableGuard<'bound>,
    /// Not named `slot`: see [`Edu::slot_index`].
    edu_slot: EduSlot,
}

/// The PCI driver for the edu device.
pub(crate) struct EduDriver;

kernel::pci_device_table!(
    EDU_IDS,
    <EduDriver as TaskDriver>::IdInfo,
    [(device_id(0x1234, 0x11e8), ())]
);

impl TaskDriver for EduDriver {
    type IdInfo = ();
    type Data<'bound> = EduBinding<'bound>;
    const ID_TABLE: pci::IdTable<Self::IdInfo> = &EDU_IDS;

    fn probe<'bound: 't, 't>(
        pdev: &'bound pci::Device<Core<'_>>,
        _info: Option<&'bound ()>,
        task: &'t Task,
    ) -> impl PinInit<EduBinding<'bound>, Error> + 't {
        pin_init::pin_init_scope(move || {
            {
                let name = pdev.as_ref().name();
                let (ctx, devices, mode) = EduContext::get(task).ok_or(ENODEV)?;
                // Refuse a device beyond the last slot before anything is live.
                let edu_slot = EduSlot::claim(&devices).inspect_err(|_| {
                    pr_err!("{name}: already {MAX_EDU} edu devices bound\n");
                })?;
                let bar = pdev
                    .iomap_region_sized::<MMIO_LEN>(0, c"irqctx")
                    .inspect_err(|_| pr_err!("{name}: BAR 0 is not a register window\n"))?;
                // Enabling clears INTx Disable, which unbind left set: a status
                // left from before (a raise while unbound) would assert the
                // shared line at once, and every other handler on it would
                // say IRQ_NONE until it is acknowledged ("nobody cared" after
                // 100,000). Acknowledged first, where the device still
                // decodes its registers (`pci_disable_device()` leaves that).
                let command = pdev.config_space().read16(bindings::PCI_COMMAND as usize);
                if command & bindings::PCI_COMMAND_MEMORY as u16 != 0 {
                    bar.write32(bar.read32(reg::INTR_STATUS), reg::INTR_ACK);
                }
                let enabled = pdev.enable_device(task)?;
                let id = bar.read32(reg::ID);
                if id & 0xff != 0xed {
                    pr_err!("{name}: not an edu device (id 0x{id:08x})\n");
                    return Err(ENODEV);
                }
                bar.write32(0x1234_5678, reg::LIVENESS);
                if bar.read32(reg::LIVENESS) != !0x1234_5678 {
                    pr_err!("{name}: edu liveness check failed\n");
                    return Err(ENODEV);
                }
                if mode == IrqMode::Msi {
                    // An MSI is a memory write by the device: it must master the
                    // bus (undone when `enabled` disables the device).
                    pdev.set_master();
                }
                let kind = match mode {
                    IrqMode::Msi => IrqType::Msi,
                    IrqMode::Intx => IrqType::Intx,
                };
                let vectors = pdev.alloc_irq_vectors(1, 1, IrqTypes::default().with(kind))?;
                // Nothing may be pending from a previous driver (a device that
                // did not decode its registers before enabling was not
                // acknowledged above).
                bar.write32(bar.read32(reg::INTR_STATUS), reg::INTR_ACK);

                // Outside `pin_init!`: in 7.3 a field's name is bound to the field
                // once initialised, so a later `pdev.` would mean a field `pdev`.
                let addr = pdev.location();
                let dev = ARef::from(&**pdev);
                let irq = vectors.index(0).map(|v| IrqRequest::from(v).irq())?;
                let bar = bar.into_devres()?;
                let edu = Arc::pin_init(
                    pin_init!(Edu {
                        bar,
                        ctx,
                        dev,
                        addr,
                        slot_index: edu_slot.index,
                        mode,
                        irq,
                        raised_ns: AtomicI64::new(0),
                        raises: AtomicU64::new(0),
                        fact_started_ns: AtomicI64::new(0),
                        fact_n: AtomicU32::new(0),
                        fact_result: AtomicU32::new(0),
                        fact_started: AtomicU64::new(0),
                        facts: AtomicU64::new(0),
                        unbinding: AtomicBool::new(false),
                        done <- new_poll_condvar!("irqctx_edu_done"),
                        cmd <- new_command_lock!("irqctx_edu_cmd"),
                    }),
                    task.gfp_kernel(),
                )?;
                let flags = match mode {
                    IrqMode::Msi => Flags::TRIGGER_NONE,
                    IrqMode::Intx => Flags::SHARED,
                };
                let handler = EduHandler(edu.clone());
                let line = ThreadedIrq::new(vectors, flags, c"irqctx", handler, task);
                Ok(try_pin_init!(EduBinding {
                irq <- line,
                enabled,
                edu_slot,
            }? Error)
                .pin_chain(move |binding| {
                    binding.edu_slot.publish(task, edu);
                    pr_info!("edu {name}: id 0x{id:08x}, irq {irq} ({})\n", mode.name());
                    Ok(())
                }))
            }
        })
    }

    /// The device's teardown, while it is still bound (the data is
    /// dropped after): unpublish it, stop commands (waiting for the one in
    /// progress), quiet the device and disallow its INTx line.
    fn unbind<'bound>(
        _pdev: &'bound pci::Device<Core<'_>>,
        this: Pin<&EduBinding<'bound>>,
        task: &mut Task,
    ) {
        let edu = &this.irq.handler().0;
        drop(this.edu_slot.unpublish(task));
        edu.stop_commands(task);
        edu.quiet(task);
        // And whatever the device does from now on, it cannot assert INTx.
        this.enabled.set_intx(false);
        pr_info!("edu: unbound, irq {} freed\n", edu.irq);
    }
}

/// [`EduContext`] set while this lives.
struct EduContextSet;

impl EduContextSet {
    fn new(ctx: Arc<IrqCtx>, devices: Arc<EduDevices>, mode: IrqMode, task: &Task) -> Result<Self> {
        EduContext::set((ctx, devices, mode), task)?;
        Ok(Self)
    }
}

impl Drop for EduContextSet {
    fn drop(&mut self) {
        drop(EduContext::take());
    }
}

/// The edu driver, registered with the PCI bus: devices bind to it (now
/// and as they come), and dropping it unbinds them all. Its fields drop in
/// order: the driver, then the context its probes read.
#[pin_data]
pub(crate) struct EduRegistration {
    #[pin]
    driver: driver::Registration<pci::Adapter<TaskAdapter<EduDriver>>>,
    context: EduContextSet,
}

impl EduRegistration {
    /// Registers the driver; devices record into `ctx`, are listed in
    /// `devices` and interrupt by `mode`. Task context: registering probes
    /// the devices present, in the caller's task (the initialiser keeps
    /// `task`'s borrow).
    pub(crate) fn new<'t>(
        ctx: Arc<IrqCtx>,
        devices: Arc<EduDevices>,
        mode: IrqMode,
        module: &'static ThisModule,
        task: &'t Task,
    ) -> impl PinInit<Self, Error> + 't {
        try_pin_init!(Self {
            context: EduContextSet::new(ctx, devices, mode, task)?,
            driver <- driver::Registration::new(c"irqctx", module),
        })
    }
}
