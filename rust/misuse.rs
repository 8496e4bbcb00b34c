// SPDX-License-Identifier: GPL-2.0

//! Misuse cases: each way of sleeping or blocking in atomic context, on
//! demand, so the kernel's own detectors can be seen catching it.
//!
//! In the spirit of LKDTM's crash type tables: one entry per case says where
//! it runs, what it does wrong, what the correct code (the module's normal
//! path) does instead, the `dmesg` pattern the kernel prints, and whether the
//! kernel survives. `/sys/kernel/debug/irqctx/misuse` lists the table; the
//! host harness (`scripts/misuse.sh`) reads its patterns from there.
//!
//! A case is triggered by writing `misuse=NAME` to `/dev/irqctx`, and only
//! if the module was loaded with `allow_misuse=1`; otherwise the write fails
//! with `EPERM`. Cases that must run in hardirq context ride on the irq_work
//! source; the BH case on the BH workqueue stage.

use crate::bindings;
use crate::compat::{debugfs::Show, irq_work::IrqWork};
use crate::device::IrqCtx;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::{
    alloc::flags::GFP_KERNEL,
    error::code::EPERM,
    new_mutex, new_spinlock,
    prelude::*,
    sync::{ArcBorrow, Mutex, SpinLock},
    time::Ktime,
};

/// Where a case's wrong code runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Where {
    /// The `read()` and `write()` paths (process context).
    ReadWrite,
    /// The irq_work top half (hardirq).
    Hardirq,
    /// The BH workqueue stage (softirq).
    Softirq,
    /// `write()`, with interrupts disabled (process context).
    IrqsOff,
    /// `write()` and the irq_work top half.
    TaskAndHardirq,
}

impl Where {
    fn name(self) -> &'static str {
        match self {
            Where::ReadWrite => "read+write",
            Where::Hardirq => "hardirq",
            Where::Softirq => "softirq",
            Where::IrqsOff => "task,irqs-off",
            Where::TaskAndHardirq => "task+hardirq",
        }
    }
}

/// One misuse case.
pub(crate) struct Case {
    /// The name written after `misuse=`.
    pub(crate) name: &'static str,
    /// Where the wrong code runs.
    pub(crate) context: Where,
    /// What it does wrong.
    pub(crate) wrong: &'static str,
    /// What the module's normal path does instead.
    pub(crate) correct: &'static str,
    /// Extended regular expressions the console must show, `|`-free
    /// alternatives separated by ` && ` (all must match).
    pub(crate) expect: &'static str,
    /// Whether the kernel keeps working afterwards.
    pub(crate) survives: bool,
}

/// The cases, in the order the harness runs them.
pub(crate) static CASES: [Case; 9] = [
    Case {
        name: "spin_lock_sleep",
        context: Where::ReadWrite,
        wrong: "read() takes the device spinlock and sleeps holding it; a write() on the same CPU then takes the same lock",
        correct: "read() copies a record out under the lock and sleeps or copies to user space only after unlocking",
        expect: "BUG: scheduling while atomic: [^ ]+/[0-9]+/0x[0-9a-f]+ && BUG: spinlock cpu recursion on CPU#[0-9]+",
        survives: true,
    },
    Case {
        name: "sleep_in_irq",
        context: Where::Hardirq,
        wrong: "msleep() in the hardirq top half",
        correct: "the top half records and defers; the workqueue or thread stage sleeps",
        expect: "BUG: scheduling while atomic: [^ ]+/[0-9]+/0x0001",
        survives: false,
    },
    Case {
        name: "might_sleep_in_irq",
        context: Where::Hardirq,
        wrong: "might_sleep() (any call that may sleep) in the hardirq top half",
        correct: "calls that may sleep only in the workqueue or thread stage",
        expect: "BUG: sleeping function called from invalid context at .*misuse\\.rs:[0-9]+ && in_atomic\\(\\): 1",
        survives: true,
    },
    Case {
        name: "mutex_in_irq",
        context: Where::Hardirq,
        wrong: "mutex_lock() in the hardirq top half",
        correct: "the top half takes only the irq-safe spinlock; mutexes in the stages that may sleep",
        expect: "BUG: sleeping function called from invalid context at kernel/locking/mutex\\.c:[0-9]+ && in_atomic\\(\\): 1",
        survives: true,
    },
    Case {
        name: "gfp_kernel_in_irq",
        context: Where::Hardirq,
        wrong: "kmalloc(GFP_KERNEL) in the hardirq top half",
        correct: "GFP_KERNEL only where sleeping is allowed (GFP_ATOMIC, or preallocation, in atomic context)",
        expect: "BUG: sleeping function called from invalid context at include/linux/sched/mm\\.h:[0-9]+ && in_atomic\\(\\): 1",
        survives: true,
    },
    Case {
        name: "user_copy_in_irq",
        context: Where::Hardirq,
        wrong: "copy_to_user() in the hardirq top half (current is whatever task was interrupted)",
        correct: "read() copies to its caller's buffer in process context",
        expect: "BUG: sleeping function called from invalid context at include/linux/uaccess\\.h:[0-9]+ && in_atomic\\(\\): 1",
        survives: true,
    },
    Case {
        name: "sleep_in_bh",
        context: Where::Softirq,
        wrong: "msleep() in the BH workqueue stage (softirq)",
        correct: "the BH stage never sleeps; the workqueue stage does",
        expect: "BUG: scheduling while atomic: [^ ]+/[0-9]+/0x000001",
        survives: true,
    },
    Case {
        name: "irq_unsafe_lock",
        context: Where::TaskAndHardirq,
        wrong: "a spinlock the hardirq top half takes is taken in process context with interrupts on",
        correct: "the device lock is taken with spin_lock_irqsave() (SpinLockIrq) outside hardirq context",
        expect: "inconsistent \\{HARDIRQ-ON-W\\} -> \\{IN-HARDIRQ-W\\} usage",
        survives: true,
    },
    Case {
        name: "irqs_off_long",
        context: Where::IrqsOff,
        wrong: "interrupts disabled for 20 ms in process context: no splat, but every interrupt on that CPU waits",
        correct: "interrupts off (and the device lock held) only for a few instructions",
        expect: "irqctx: irqs_off_long: interrupts off for [0-9]+ us, an irq_work queued meanwhile ran [0-9]+ us late",
        survives: true,
    },
];

/// The state the misuse cases use, kept apart from the correct paths'.
#[pin_data]
pub(crate) struct MisuseState {
    /// The armed hardirq/softirq case + 1, 0 for none.
    armed: AtomicU32,
    /// `spin_lock_sleep`: armed until a write takes the seed lock.
    seed_armed: AtomicBool,
    /// `spin_lock_sleep`: the seed driver's plain spinlock.
    #[pin]
    seed_lock: SpinLock<()>,
    /// `irq_unsafe_lock`: a plain spinlock used in both contexts.
    #[pin]
    irq_unsafe_lock: SpinLock<()>,
    /// `mutex_in_irq`: a mutex taken in hardirq context.
    #[pin]
    mutex: Mutex<()>,
}

impl MisuseState {
    /// Nothing armed.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            armed: AtomicU32::new(0),
            seed_armed: AtomicBool::new(false),
            seed_lock <- new_spinlock!((), "irqctx_seed_lock"),
            irq_unsafe_lock <- new_spinlock!((), "irqctx_irq_unsafe_lock"),
            mutex <- new_mutex!((), "irqctx_misuse_mutex"),
        })
    }
}

/// How long `irqs_off_long` keeps interrupts off, in us.
const IRQS_OFF_US: u64 = 20_000;

/// Looks a case up by name.
pub(crate) fn find(name: &str) -> Option<usize> {
    CASES.iter().position(|c| c.name == name)
}

/// The `allow_misuse` module parameter (declared in `helpers.c`).
fn allowed() -> bool {
    // SAFETY: Module parameters are written before `init`, read-only after.
    unsafe { core::ptr::addr_of!(bindings::irqctx_param_allow_misuse).read() }
}

impl IrqCtx {
    /// `misuse=NAME`: arms and triggers case `index`; `EPERM` unless loaded
    /// with `allow_misuse=1`.
    pub(crate) fn misuse(this: ArcBorrow<'_, Self>, index: usize) -> Result {
        let case = &CASES[index];
        if !allowed() {
            if this.bad_write_log.allow() {
                pr_warn!("misuse={} refused: load with allow_misuse=1\n", case.name);
            }
            return Err(EPERM);
        }
        pr_warn!(
            "misuse: triggering {} ({}): {}\n",
            case.name,
            case.context.name(),
            case.wrong
        );
        match case.name {
            "spin_lock_sleep" => this.misuse.seed_armed.store(true, Ordering::Release),
            "irq_unsafe_lock" => {
                // Process context, interrupts on: lockdep learns HARDIRQ-ON-W.
                drop(this.misuse.irq_unsafe_lock.lock());
                Self::arm_in_irq(this, index)?;
            }
            "irqs_off_long" => Self::irqs_off_long(this)?,
            "sleep_in_bh" => {
                this.set_bottoms(crate::device::Bottom::Bh as u32);
                Self::arm_in_irq(this, index)?;
            }
            _ => Self::arm_in_irq(this, index)?,
        }
        Ok(())
    }

    /// Has the next irq_work top half (and, for `sleep_in_bh`, its BH stage)
    /// run case `index`, and queues that irq_work.
    fn arm_in_irq(this: ArcBorrow<'_, Self>, index: usize) -> Result {
        this.misuse.armed.store(index as u32 + 1, Ordering::Release);
        Self::irq_work_trigger(this, 1)
    }

    /// Takes the armed case for `context`, if any.
    fn take_armed(&self, context: Where) -> Option<&'static str> {
        let armed = self.misuse.armed.load(Ordering::Acquire);
        let case = CASES.get((armed as usize).checked_sub(1)?)?;
        let ok = case.context == context
            || (context == Where::Hardirq && case.context == Where::TaskAndHardirq);
        (ok && self
            .misuse
            .armed
            .compare_exchange(armed, 0, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok())
        .then_some(case.name)
    }

    /// Called by the irq_work top half: runs an armed hardirq case.
    pub(crate) fn misuse_in_hardirq(&self) {
        match self.take_armed(Where::Hardirq) {
            // SAFETY: Deliberately wrong: sleeping in hardirq context.
            Some("sleep_in_irq") => unsafe { bindings::msleep(10) },
            // SAFETY: `__might_sleep()` only checks and reports.
            Some("might_sleep_in_irq") => unsafe {
                bindings::__might_sleep(kernel::c_str!(file!()).as_char_ptr(), line!() as i32)
            },
            Some("mutex_in_irq") => drop(self.misuse.mutex.lock()),
            Some("gfp_kernel_in_irq") => drop(KVec::<u8>::with_capacity(64, GFP_KERNEL)),
            Some("user_copy_in_irq") => {
                let byte = 0u8;
                // SAFETY: Deliberately wrong: a user copy in hardirq context,
                // to address 0 of whichever task was interrupted; it faults
                // and returns the byte count uncopied (no page fault can be
                // handled in atomic context).
                unsafe {
                    bindings::copy_to_user(
                        core::ptr::null_mut(),
                        core::ptr::from_ref(&byte).cast(),
                        1,
                    )
                };
            }
            Some("irq_unsafe_lock") => drop(self.misuse.irq_unsafe_lock.lock()),
            _ => {}
        }
    }

    /// Called by the BH stage: runs an armed softirq case.
    pub(crate) fn misuse_in_softirq(&self) {
        if let Some("sleep_in_bh") = self.take_armed(Where::Softirq) {
            // SAFETY: Deliberately wrong: sleeping in softirq context.
            unsafe { bindings::msleep(10) };
        }
    }

    /// The seed driver's read side: with `spin_lock_sleep` armed, takes the
    /// device spinlock and sleeps holding it.
    pub(crate) fn misuse_read(&self) {
        if !self.misuse.seed_armed.load(Ordering::Acquire) {
            return;
        }
        let _guard = self.misuse.seed_lock.lock();
        // SAFETY: Reads the CPU number, for the log line.
        let cpu = unsafe { bindings::irqctx_raw_smp_processor_id() };
        pr_warn!("spin_lock_sleep: holding the device spinlock on CPU#{cpu}, sleeping 1 s\n");
        // SAFETY: Deliberately wrong: schedule() with a spinlock held.
        unsafe {
            bindings::schedule_timeout_uninterruptible(kernel::time::msecs_to_jiffies(1000) as _)
        };
    }

    /// The seed driver's write side: with `spin_lock_sleep` armed, takes the
    /// same spinlock (and spins while the reader sleeps holding it).
    pub(crate) fn misuse_write(&self) {
        if self.misuse.seed_armed.swap(false, Ordering::AcqRel) {
            drop(self.misuse.seed_lock.lock());
        }
    }

    fn irqs_off_long(this: ArcBorrow<'_, Self>) -> Result {
        let _serialised = this.irq_work_lock.lock()?;
        let mut off_ns = 0;
        // SAFETY: Interrupts are disabled here and restored at the end of
        // the closure, before `run_sync` waits for the irq_work.
        let flags = unsafe { bindings::irqctx_local_irq_save() };
        let start = Ktime::ktime_get().to_ns();
        this.irq_work_queued_ns.store(start, Ordering::Relaxed);
        IrqWork::run_sync(this, || {
            // SAFETY: Busy-waits; legal with interrupts off, which is the point.
            unsafe { bindings::__udelay(IRQS_OFF_US as _) };
            off_ns = Ktime::ktime_get().to_ns() - start;
            // SAFETY: Restores what `irqctx_local_irq_save()` saved.
            unsafe { bindings::irqctx_local_irq_restore(flags) };
        });
        let late_ns = this.irq_work_ran_ns.load(Ordering::Acquire) - start;
        pr_warn!(
            "irqs_off_long: interrupts off for {} us, an irq_work queued meanwhile ran {} us late\n",
            off_ns / 1000,
            late_ns / 1000
        );
        Ok(())
    }
}

/// The id of the `misuse` debugfs file.
pub(crate) const MISUSE: u64 = 1;

impl Show<MISUSE> for IrqCtx {
    fn show(&self, out: &mut KVec<u8>) -> Result {
        let mut w = crate::stats::Text(out);
        let mut fmt = || -> core::fmt::Result {
            use core::fmt::Write;
            writeln!(
                w,
                "Available misuse cases (write misuse=NAME to /dev/irqctx; allow_misuse={}):",
                u8::from(allowed())
            )?;
            for c in &CASES {
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
