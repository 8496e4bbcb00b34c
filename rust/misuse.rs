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
use crate::compat::clock;
use crate::compat::{
    irq_work::IrqWork,
    poll::{new_poll_condvar, PollCondVar},
};
use crate::ctx::{
    might_sleep, new_mutex, new_spinlock, HardIrq, Mutex, SeqLock, SoftIrq, SpinLock, Task,
};
use crate::device::{Hook, IrqCtx};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::{error::code::EPERM, prelude::*, sync::ArcBorrow, uaccess::UserPtr};

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
    /// `write()` (process context).
    Task,
    /// The `read()` path (process context).
    Read,
}

impl Where {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Where::ReadWrite => "read+write",
            Where::Hardirq => "hardirq",
            Where::Softirq => "softirq",
            Where::IrqsOff => "task,irqs-off",
            Where::TaskAndHardirq => "task+hardirq",
            Where::Task => "task",
            Where::Read => "read",
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
pub(crate) static CASES: [Case; 16] = [
    Case {
        name: "spin_lock_sleep",
        context: Where::ReadWrite,
        wrong: "read() takes the device spinlock and sleeps holding it; a write() on the same CPU then spins on the same lock, so the sleeper can never run again to release it",
        correct: "read() copies a record out under the lock and sleeps or copies to user space only after unlocking",
        expect: "BUG: scheduling while atomic: [^ ]+/[0-9]+/0x[0-9a-f]+ && BUG: spinlock cpu recursion on CPU#[0-9]+",
        survives: false,
    },
    Case {
        name: "sleep_in_irq",
        context: Where::Hardirq,
        wrong: "msleep() in the hardirq top half",
        correct: "the top half records and defers; the workqueue or thread stage sleeps",
        expect: "BUG: scheduling while atomic: [^ ]+/[0-9]+/0x0100",
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
        wrong: "a 10 ms sleep in the BH workqueue stage (softirq)",
        correct: "the BH stage never sleeps; the workqueue stage does",
        expect: "BUG: scheduling while atomic: [^ ]+/[0-9]+/0x000001",
        survives: true,
    },
    Case {
        name: "irq_unsafe_lock",
        context: Where::TaskAndHardirq,
        wrong: "a spinlock the hardirq top half takes is taken in process context with interrupts on",
        correct: "the device lock is taken with interrupts off (SpinLockIrq: spin_lock_irq_disable()) outside hardirq context",
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
    Case {
        name: "lock_holder_irq",
        context: Where::TaskAndHardirq,
        wrong: "write() holds a mutex when an interrupt on its own CPU (the irq_work self-IPI) runs a top half that takes the same mutex: the handler would have to sleep until the task it sits on top of, on that task's stack, releases it",
        correct: "the top half takes no lock that process context holds with interrupts on; it records and defers",
        expect: "BUG: sleeping function called from invalid context at kernel/locking/mutex\\.c:[0-9]+",
        survives: false,
    },
    Case {
        name: "sleep_in_rcu",
        context: Where::Task,
        wrong: "msleep() inside an RCU read-side critical section (rcu_read_lock())",
        correct: "sleep only after rcu_read_unlock() (or use SRCU, whose readers may sleep)",
        expect: "Voluntary context switch within RCU read-side critical section!",
        survives: true,
    },
    Case {
        name: "sleep_irqs_off",
        context: Where::Task,
        wrong: "msleep() with local interrupts disabled (local_irq_save())",
        correct: "interrupts are disabled only around the device lock, never across a sleep",
        expect: "BUG: sleeping function called from invalid context at .*misuse\\.rs:[0-9]+ && irqs_disabled\\(\\): 1",
        survives: true,
    },
    Case {
        name: "sleep_in_seqlock",
        context: Where::Task,
        wrong: "msleep() between write_seqlock() and write_sequnlock()",
        correct: "the write side holds the seqlock only for the update itself",
        expect: "BUG: scheduling while atomic: [^ ]+/[0-9]+/0x0000000[1-9]",
        survives: true,
    },
    Case {
        name: "sleep_nobody_wakes",
        context: Where::Read,
        wrong: "read() sleeps uninterruptibly on a wait queue whose only waker is an interrupt that never comes",
        correct: "read() sleeps interruptibly on the queue every record wakes, and a signal ends the wait",
        expect: "INFO: task [^ ]+:[0-9]+ blocked for more than [0-9]+ seconds",
        survives: true,
    },
    Case {
        name: "no_recheck",
        context: Where::Read,
        wrong: "read() returns after the first wake-up without re-checking that a record is there, so a wake-up for nothing (write wake) ends cat with no output",
        correct: "read() re-checks after every wake-up and sleeps again if there is nothing (counted as rechecks)",
        expect: "irqctx: no_recheck: read\\(\\) woke without a record and returned 0 bytes",
        survives: true,
    },
    Case {
        name: "big_frame_in_irq",
        context: Where::Hardirq,
        wrong: "the hardirq top half recurses with a 2 KiB local buffer per call, 64 KiB in all: more than the interrupt stack it runs on (16 KiB on x86_64)",
        correct: "top halves keep their frames small (stack_used= in every record shows how much is left); buffers are preallocated, or used in the stages that run on a task stack",
        expect: "BUG: IRQ stack guard page was hit at",
        survives: false,
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
    seed_lock: SpinLock<(), Task>,
    /// `irq_unsafe_lock`: a plain spinlock for task context, used in both
    /// contexts.
    #[pin]
    irq_unsafe_lock: SpinLock<(), Task>,
    /// `sleep_in_seqlock`: the seqlock written.
    #[pin]
    seqlock: SeqLock,
    /// `mutex_in_irq`: a mutex taken in hardirq context.
    #[pin]
    mutex: Mutex<()>,
    /// `sleep_nobody_wakes`: a wait queue nothing wakes, and its flag.
    #[pin]
    nobody: PollCondVar,
    nobody_woke: AtomicBool,
}

impl MisuseState {
    /// Nothing armed.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            armed: AtomicU32::new(0),
            seed_armed: AtomicBool::new(false),
            seed_lock <- new_spinlock!((), "irqctx_seed_lock"),
            irq_unsafe_lock <- new_spinlock!((), "irqctx_irq_unsafe_lock"),
            seqlock <- SeqLock::new(),
            mutex <- new_mutex!((), "irqctx_misuse_mutex"),
            nobody <- new_poll_condvar!("irqctx_misuse_nobody"),
            nobody_woke: AtomicBool::new(false),
        })
    }
}

/// How long `irqs_off_long` keeps interrupts off, in us.
const IRQS_OFF_US: u64 = 20_000;

/// `big_frame_in_irq`: the size of each frame's buffer...
const BIG_FRAME: usize = 2048;
/// ... and how many frames deep: 64 KiB, more than any kernel stack
/// (x86_64: 16 KiB, 32 KiB with KASAN).
const BIG_FRAME_DEPTH: u32 = 32;

/// Fills a [`BIG_FRAME`]-byte local buffer, then calls itself `depth` more
/// times, as a recursive walk over a nested structure would. Each buffer is
/// written before the next call, so the writes move down the stack without
/// skipping a page, and the guard page below the stack (`CONFIG_VMAP_STACK`)
/// stops them. A single frame larger than the guard page could skip it: the
/// kernel has no stack probes, which is why C code gets `-Wframe-larger-than`
/// (`CONFIG_FRAME_WARN`) at build time.
#[inline(never)]
fn big_frames(depth: u32) -> u8 {
    let mut frame = [depth as u8; BIG_FRAME];
    core::hint::black_box(&mut frame);
    if depth > 0 {
        // Not a tail call: this frame stays while the next one is built.
        frame[0] ^= big_frames(depth - 1);
    }
    core::hint::black_box(frame[0])
}

/// Looks a case up by name.
pub(crate) fn find(name: &str) -> Option<usize> {
    CASES.iter().position(|c| c.name == name)
}

/// The `allow_misuse` module parameter.
pub(crate) fn allowed() -> bool {
    crate::compat::params::allow_misuse()
}

impl MisuseState {
    /// `misuse=NAME`: arms and triggers case `index` on `dev`; `EPERM`
    /// unless loaded with `allow_misuse=1`.
    ///
    /// Each case's wrong step is one the context tokens (`crate::ctx`)
    /// refuse in safe code: it steps around them with an `unsafe` escape
    /// whose SAFETY comment names the bug, and `tests/ui/misuse_*.rs` has
    /// the same mistake written safely, which rustc rejects.
    pub(crate) fn trigger(
        &self,
        dev: ArcBorrow<'_, IrqCtx>,
        task: &mut Task,
        index: usize,
    ) -> Result {
        let case = &CASES[index];
        if !allowed() {
            if dev.bad_write_log.allow() {
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
        crate::trace::misuse(case.name, false);
        match case.name {
            "spin_lock_sleep" => self.seed_armed.store(true, Ordering::Release),
            "irq_unsafe_lock" => {
                // Process context, interrupts on: lockdep learns HARDIRQ-ON-W.
                drop(self.irq_unsafe_lock.lock(task));
                self.arm_in_irq(dev, task, index)?;
            }
            "irqs_off_long" => Self::irqs_off_long(dev, task)?,
            "lock_holder_irq" => {
                // The task holds the mutex; its own CPU's interrupt wants it.
                let _held = self.mutex.lock(task);
                self.arm_in_irq(dev, task, index)?;
            }
            "sleep_in_rcu" => {
                let _reader = task.rcu_read_lock();
                // SAFETY: The bug this case demonstrates: a sleep while the
                // task token is lent to the RCU read-side section.
                unsafe { bindings::msleep(10) };
            }
            "sleep_irqs_off" => {
                let _off = task.irqs_off();
                // SAFETY: The bug this case demonstrates: a task token made
                // while the real one is lent to the interrupts-off section.
                let forged = unsafe { Task::assume() };
                // `might_sleep()` reports it, the sleep happens.
                might_sleep!(&forged);
                // SAFETY: The bug this case demonstrates: a sleep with
                // interrupts off.
                unsafe { bindings::msleep(10) };
            }
            "sleep_in_seqlock" => {
                let _writing = self.seqlock.write(task);
                // SAFETY: The bug this case demonstrates: a sleep while the
                // task token is lent to the seqlock writer.
                unsafe { bindings::msleep(10) };
            }
            "sleep_nobody_wakes" | "no_recheck" => {
                // The next read() runs the case.
                self.armed.store(index as u32 + 1, Ordering::Release);
            }
            "sleep_in_bh" => {
                // The BH stage is what this case needs, for one top half:
                // the irq_work has run (and queued it) when the trigger
                // returns, so the user's choice is back before the stage.
                let chosen = dev.bottoms_mask();
                dev.set_bottoms(crate::device::Bottom::Bh as u32);
                let triggered = self.arm_in_irq(dev, task, index);
                dev.set_bottoms(chosen);
                triggered?;
            }
            _ => self.arm_in_irq(dev, task, index)?,
        }
        Ok(())
    }

    /// Has the next irq_work top half (and, for `sleep_in_bh`, its BH stage)
    /// run case `index`, and queues that irq_work.
    fn arm_in_irq(&self, dev: ArcBorrow<'_, IrqCtx>, task: &mut Task, index: usize) -> Result {
        self.armed.store(index as u32 + 1, Ordering::Release);
        IrqCtx::irq_work_trigger(dev, task, 1)
    }

    /// Takes the armed case for `context`, if any.
    fn take_armed(&self, context: Where) -> Option<&'static str> {
        let armed = self.armed.load(Ordering::Acquire);
        let case = CASES.get((armed as usize).checked_sub(1)?)?;
        let ok = case.context == context
            || (context == Where::Hardirq && case.context == Where::TaskAndHardirq);
        let taken = ok
            && self
                .armed
                .compare_exchange(armed, 0, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok();
        if taken {
            crate::trace::misuse(case.name, true);
        }
        taken.then_some(case.name)
    }

    /// The read path's cases. With `spin_lock_sleep` armed, takes the device
    /// spinlock and sleeps holding it (the seed driver's read side). With a
    /// read case armed, runs it and returns what `read()` returns; `None` is
    /// the normal path. Readers wait on `readers`; `has_data` tells whether
    /// this one has a record.
    pub(crate) fn on_read(
        &self,
        task: &mut Task,
        readers: &PollCondVar,
        has_data: impl Fn(&mut Task) -> bool,
    ) -> Option<Result<usize>> {
        match self.take_armed(Where::Read) {
            Some("sleep_nobody_wakes") => {
                pr_warn!("sleep_nobody_wakes: read() sleeps uninterruptibly until an interrupt that never comes\n");
                // Deliberately wrong: nothing ever wakes this queue or sets
                // the flag, and no signal ends the wait.
                self.nobody
                    .wait_uninterruptible(task, |_| self.nobody_woke.load(Ordering::Acquire));
                return Some(Ok(0));
            }
            Some("no_recheck") => {
                let mut woken = false;
                // Deliberately wrong: the condition is "woken once", not
                // "there is a record for me".
                let woke = readers.wait_interruptible(task, |_| {
                    let done = woken;
                    woken = true;
                    done
                });
                if let Err(e) = woke {
                    return Some(Err(e));
                }
                if !has_data(task) {
                    pr_warn!("no_recheck: read() woke without a record and returned 0 bytes\n");
                    return Some(Ok(0));
                }
                return None;
            }
            _ => {}
        }
        if !self.seed_armed.load(Ordering::Acquire) {
            return None;
        }
        let _guard = self.seed_lock.lock(task);
        crate::trace::misuse("spin_lock_sleep", true);
        let cpu = kernel::cpu::CpuId::current().as_u32();
        pr_warn!("spin_lock_sleep: holding the device spinlock on CPU#{cpu}, sleeping 1 s\n");
        // SAFETY: Not memory-unsafe, but the bug this case demonstrates:
        // schedule() with a spinlock held (the task token is lent to the
        // guard, so no safe sleep is possible here).
        unsafe {
            bindings::schedule_timeout_uninterruptible(
                kernel::time::msecs_to_jiffies(1000) as kernel::ffi::c_long
            )
        };
        None
    }

    /// The seed driver's write side: with `spin_lock_sleep` armed, takes the
    /// same spinlock (and spins while the reader sleeps holding it).
    pub(crate) fn on_write(&self, task: &mut Task) {
        if self.seed_armed.swap(false, Ordering::AcqRel) {
            drop(self.seed_lock.lock(task));
        }
    }

    fn irqs_off_long(this: ArcBorrow<'_, IrqCtx>, task: &mut Task) -> Result {
        let _serialised = this.irq_work_lock.lock(task)?;
        let mut off_ns = 0;
        // SAFETY: Interrupts are disabled here and restored at the end of
        // the closure, before `run_sync` waits for the irq_work.
        let flags = unsafe { bindings::irqctx_local_irq_save() };
        crate::trace::misuse("irqs_off_long", true);
        let start = clock::now_ns();
        this.irq_work_queued_ns.store(start, Ordering::Relaxed);
        IrqWork::run_sync(this, task, |_| {
            clock::busy_wait_us(IRQS_OFF_US as u32);
            off_ns = clock::now_ns() - start;
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

impl Hook for MisuseState {
    /// Called by the irq_work top half: runs an armed hardirq case. The
    /// top half's token has no sleeping operation: each case makes a task
    /// token it has no right to (the bug it demonstrates).
    fn in_hardirq(&self, _irq: &mut HardIrq) {
        let Some(case) = self.take_armed(Where::Hardirq) else {
            return;
        };
        if case == "big_frame_in_irq" {
            // Deliberately wrong, and no context error: 64 KiB of frames on
            // a 16 KiB stack.
            let _ = big_frames(BIG_FRAME_DEPTH);
            return;
        }
        if case == "sleep_in_irq" {
            // SAFETY: The bug this case demonstrates: a sleep in hardirq
            // context (the top half's token has no sleeping operation).
            unsafe { bindings::msleep(10) };
            return;
        }
        // SAFETY: Not memory-unsafe, but the bug each case below
        // demonstrates: a task token in hardirq context, where nothing may
        // sleep, for what only that token allows.
        let mut task = unsafe { Task::assume() };
        match case {
            "might_sleep_in_irq" => might_sleep!(&task),
            "mutex_in_irq" | "lock_holder_irq" => drop(self.mutex.lock(&task)),
            "gfp_kernel_in_irq" => drop(KVec::<u8>::with_capacity(64, task.gfp_kernel())),
            "user_copy_in_irq" => {
                // To address 0 of whichever task was interrupted: it faults
                // and returns an error (no page fault can be handled in
                // atomic context).
                let _ = task
                    .user_slice(UserPtr::from_addr(0), 1)
                    .writer()
                    .write_slice(&task, &[0]);
            }
            "irq_unsafe_lock" => drop(self.irq_unsafe_lock.lock(&mut task)),
            _ => {}
        }
    }

    /// Called by the BH stage: runs an armed softirq case.
    fn in_softirq(&self, _bh: &mut SoftIrq) {
        if let Some("sleep_in_bh") = self.take_armed(Where::Softirq) {
            // Deliberately wrong: sleeping in softirq context, which the
            // token `_bh` cannot do (no task token here; a raw sleep). Woken
            // from hardirq context, so that on RT (where this bottom half
            // holds the CPU's BH lock) the wake-up does not wait for a
            // bottom half.
            sleep_hard_us(10_000);
        }
    }
}

/// Sleeps uninterruptibly for at least `us` microseconds, woken by an
/// hrtimer that expires in hardirq context on every kernel
/// (`HRTIMER_MODE_REL_HARD`).
///
/// On PREEMPT_RT a timer-wheel or soft hrtimer expiry (what `fsleep()`
/// and `msleep()` wait for) runs in the CPU's timer softirq thread, which
/// needs the CPU's bottom-half lock: a sleeper that holds it (a sleep in a
/// bottom half) would wait for its own wake-up forever, or not, depending on
/// whether another CPU happens to expire the timer. This wake-up needs no
/// bottom half, so such a sleep ends on every kernel.
fn sleep_hard_us(us: u64) {
    let mut expires: bindings::ktime_t = us.saturating_mul(1000).try_into().unwrap_or(i64::MAX);
    // SAFETY: Sets the current task's state; the schedule below resets it.
    unsafe { bindings::irqctx_set_current_state(bindings::TASK_UNINTERRUPTIBLE) };
    // SAFETY: `expires` is valid for the call, which only reads it.
    unsafe {
        bindings::schedule_hrtimeout(&mut expires, bindings::hrtimer_mode_HRTIMER_MODE_REL_HARD)
    };
}
