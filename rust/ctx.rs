// SPDX-License-Identifier: GPL-2.0

//! Execution contexts as types: what may sleep, and what must not.
//!
//! The rule the seeds ask about ("an interrupt handler cannot sleep") is a
//! rule about where code runs, which C leaves to run-time checks
//! (`might_sleep()`, lockdep, "scheduling while atomic"). Here it is a type:
//! each entry point of irqctx is handed a zero-sized token for the context it
//! really runs in, and every operation that may sleep asks for the task one.
//!
//! | token       | handed to                                              | may sleep |
//! |-------------|--------------------------------------------------------|-----------|
//! | [`Task`]    | file operations, debugfs files, work items on a task workqueue, the IRQ thread, PCI probe/unbind, module init/exit | yes |
//! | [`SoftIrq`] | work items on the BH workqueue                         | no        |
//! | [`HardIrq`] | top halves: the edu handler, the hrtimer, the irq_work | no        |
//!
//! What needs [`Task`]: [`Task::sleep_ms`], [`might_sleep!`],
//! [`Task::gfp_kernel`] (allocations that may sleep), [`Task::user_slice`]
//! (user copies, which may fault), [`Mutex::lock`], and through them every
//! wait irqctx has (`PollCondVar`, `CommandLock`, `cancel_sync`,
//! `run_sync`).
//!
//! Entering an atomic section from task context borrows the token for the
//! section's lifetime: a [`SpinLockIrq`] or [`SpinLock`] guard,
//! [`Task::irqs_off`], [`Task::rcu_read_lock`] and a [`SeqLock`] write
//! section each hold `&mut Task`, so a sleep inside is a
//! second borrow the borrow checker refuses (E0502). Atomic tokens have no
//! sleeping operation at all (E0599), and a [`SpinLock`] is taken in one
//! context only, so one a top half takes is a [`SpinLockIrq`] (E0308).
//!
//! Tokens are `!Send` and `!Sync` (a task's proof means nothing on another
//! CPU's interrupt) and cannot be made by safe code: the entry points make
//! them, each with a `// SAFETY:` comment naming why it runs where it says.
//! The misuse cases step around them with [`Task::assume`], visibly.
//!
//! What the tokens cannot see: C code and other modules; code reached through
//! upstream's own sleeping APIs called directly (`scripts/ui-test.sh`'s host
//! check keeps irqctx's code on this module's); sleeping that is not a context
//! error (a wake-up nobody sends, a long section with interrupts off); and a
//! guard passed to `core::mem::forget()`, which ends the borrow but not the
//! section (upstream's lock guards share that gap). Documentation/irqctx.rst
//! ("Contexts as types") has the misuse cases, case by case.

use crate::bindings;
use core::{marker::PhantomData, ops::DerefMut};
use kernel::{
    alloc::{flags::GFP_KERNEL, Flags},
    prelude::*,
    sync::{self as ksync, rcu, SpinLockGuard, SpinLockIrqGuard},
    types::{NotThreadSafe, Opaque},
    uaccess::{self, UserPtr},
};

/// Proof that the holder runs in task context, may sleep, and is inside no
/// atomic section.
///
/// Handed as `&mut Task` to the entry points that run in a task; see the
/// module documentation.
pub(crate) struct Task(NotThreadSafe);

/// Proof that the holder runs in softirq context: it must not sleep.
pub(crate) struct SoftIrq(NotThreadSafe);

/// Proof that the holder runs as a top half: in hardirq context with local
/// interrupts off on a kernel without `PREEMPT_RT`; on `PREEMPT_RT` some top
/// halves run in a thread (forced threading, the timer softirq, the irq_work
/// thread) with interrupts on, but must not sleep either.
pub(crate) struct HardIrq(NotThreadSafe);

impl Task {
    /// Makes a task token.
    ///
    /// # Safety
    ///
    /// The caller runs in task context, may sleep, and holds no atomic
    /// section (spinlock, RCU read side, interrupts or preemption off) while
    /// the token is in use.
    pub(crate) unsafe fn assume() -> Self {
        Task(NotThreadSafe)
    }

    /// Sleeps for at least `ms` milliseconds: `fsleep()`, on an hrtimer
    /// (`usleep_range()`) up to 20 ms, so never short of it on `ktime_get()`,
    /// where `msleep()`'s jiffies can be (a tick that lags and catches up in a
    /// jump). With `CONFIG_DEBUG_ATOMIC_SLEEP` it checks `might_sleep()`
    /// first, which `fsleep()` itself does not.
    pub(crate) fn sleep_ms(&self, ms: i64) {
        might_sleep!(self);
        kernel::time::delay::fsleep(kernel::time::Delta::from_millis(ms));
    }

    /// `GFP_KERNEL`: the allocation flags that may sleep to reclaim memory.
    pub(crate) fn gfp_kernel(&self) -> Flags {
        GFP_KERNEL
    }

    /// The user memory at `ptr`, `len` bytes: copies to and from it may fault
    /// and sleep, and mean the calling task's address space. Each copy asks
    /// for the token again ([`UserSliceWriter::write_slice`]), so none can be
    /// made inside an atomic section that borrows it
    /// (`tests/ui/user_copy_under_lock.rs`).
    pub(crate) fn user_slice(&self, ptr: UserPtr, len: usize) -> UserSlice {
        UserSlice(uaccess::UserSlice::new(ptr, len))
    }

    /// Disables local interrupts (the hardware flag, on `PREEMPT_RT` too)
    /// until the guard drops.
    ///
    /// C's `local_irq_save()`, not 7.3's refcounted
    /// `local_interrupt_disable()`: that one also raises `preempt_count()`'s
    /// `HARDIRQ_DISABLE` bits, which would make a sleep here "scheduling
    /// while atomic" too, and `sleep_irqs_off` shows what interrupts off
    /// alone does. The two never interleave: the guard and a
    /// [`SpinLockIrq`]'s both borrow the token
    /// (`tests/ui/irqs_off_under_spinlock_irq.rs`,
    /// `tests/ui/spinlock_irq_under_irqs_off.rs`).
    pub(crate) fn irqs_off(&mut self) -> IrqsOff<'_> {
        // SAFETY: Restored by the guard's drop, which only this call makes.
        let flags = unsafe { bindings::irqctx_local_irq_save() };
        IrqsOff {
            flags,
            _task: PhantomData,
        }
    }

    /// Enters an RCU read-side critical section until the guard drops.
    pub(crate) fn rcu_read_lock(&mut self) -> RcuReader<'_> {
        RcuReader {
            _guard: rcu::read_lock(),
            _task: PhantomData,
        }
    }
}

impl SoftIrq {
    /// Makes a softirq token.
    ///
    /// # Safety
    ///
    /// The caller runs in softirq context (a BH work item).
    pub(crate) unsafe fn assume() -> Self {
        SoftIrq(NotThreadSafe)
    }
}

impl HardIrq {
    /// Makes a top half's token.
    ///
    /// # Safety
    ///
    /// The caller runs as a top half: without `PREEMPT_RT` in hardirq context
    /// with local interrupts off, for as long as the token is in use.
    pub(crate) unsafe fn assume() -> Self {
        HardIrq(NotThreadSafe)
    }
}

/// Runs `f` with a top half's token in an hrtimer callback.
///
/// The callback context is the proof: a timer whose mode is not `_SOFT`
/// expires in hardirq context without `PREEMPT_RT` (on it, in the timer
/// softirq's thread unless `_HARD`; [`HardIrq`] allows for that). A soft
/// mode is refused at build time, and on `PREEMPT_RT` a `_HARD` one too:
/// it expires in real hardirq context there, where [`HardIrq`]'s
/// `spinlock_t` (an `rt_mutex` on `PREEMPT_RT`) would sleep.
pub(crate) fn in_hrtimer<T, R>(
    _timer: &kernel::time::hrtimer::HrTimerCallbackContext<'_, T>,
    f: impl FnOnce(&mut HardIrq) -> R,
) -> R
where
    T: kernel::time::hrtimer::HasHrTimer<T>,
{
    const {
        assert!(
            <T::TimerMode as kernel::time::hrtimer::HrTimerMode>::C_MODE
                & bindings::hrtimer_mode_HRTIMER_MODE_SOFT
                == 0,
            "a _SOFT hrtimer expires in softirq context"
        );
        assert!(
            !cfg!(CONFIG_PREEMPT_RT)
                || <T::TimerMode as kernel::time::hrtimer::HrTimerMode>::C_MODE
                    & bindings::hrtimer_mode_HRTIMER_MODE_HARD
                    == 0,
            "on PREEMPT_RT a _HARD hrtimer expires in hardirq context, where HardIrq's locks sleep"
        )
    };
    // SAFETY: An hrtimer callback of a timer not in a `_SOFT` mode (checked
    // above) runs as a top half.
    f(&mut unsafe { HardIrq::assume() })
}

/// `might_sleep()` at the caller's file and line, for code holding a task
/// token (`$task: &Task`): with `CONFIG_DEBUG_ATOMIC_SLEEP`, "BUG: sleeping
/// function called from invalid context at FILE:LINE" if the caller is in
/// atomic context after all.
///
/// Upstream's `kernel::task::might_sleep()` names the file only with rustc
/// 1.89 or later (`Location::file_with_nul()`); Debian's 7.3 kernels are
/// built with 1.85, where it prints a placeholder. This names it by
/// `file!()`.
macro_rules! might_sleep {
    ($task:expr) => {{
        let _: &$crate::ctx::Task = $task;
        // SAFETY: `__might_sleep()` only checks the context and reports; the
        // file name is a NUL-terminated static string.
        unsafe {
            $crate::bindings::irqctx_might_sleep(
                ::kernel::str::CStrExt::as_char_ptr(::kernel::c_str!(file!())),
                line!() as i32,
            )
        }
    }};
}
pub(crate) use might_sleep;

/// User memory, from [`Task::user_slice`]: upstream's `UserSlice`, whose
/// copies need the task token each time.
pub(crate) struct UserSlice(uaccess::UserSlice);

impl UserSlice {
    /// Reads from the start, in order.
    pub(crate) fn reader(self) -> UserSliceReader {
        UserSliceReader(self.0.reader())
    }

    /// Writes from the start, in order.
    pub(crate) fn writer(self) -> UserSliceWriter {
        UserSliceWriter(self.0.writer())
    }
}

/// Reads user memory: upstream's `UserSliceReader`, with the token.
pub(crate) struct UserSliceReader(uaccess::UserSliceReader);

impl UserSliceReader {
    /// Bytes not read yet.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Copies the next `out.len()` bytes (`copy_from_user()`: may fault
    /// and sleep, hence `task`); `EFAULT` if they are not readable.
    pub(crate) fn read_slice(&mut self, _task: &Task, out: &mut [u8]) -> Result {
        self.0.read_slice(out)
    }
}

/// Writes user memory: upstream's `UserSliceWriter`, with the token.
pub(crate) struct UserSliceWriter(uaccess::UserSliceWriter);

impl UserSliceWriter {
    /// Bytes of room left.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no room left.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Copies `data` to the next `data.len()` bytes (`copy_to_user()`: may
    /// fault and sleep, hence `task`); `EFAULT` if they are not writable.
    pub(crate) fn write_slice(&mut self, _task: &Task, data: &[u8]) -> Result {
        self.0.write_slice(data)
    }
}

/// Interrupts off, from [`Task::irqs_off`]; restores them on drop.
pub(crate) struct IrqsOff<'a> {
    flags: usize,
    _task: PhantomData<&'a mut Task>,
}

impl Drop for IrqsOff<'_> {
    fn drop(&mut self) {
        // SAFETY: Restores what `Task::irqs_off()` saved; the token is
        // borrowed meanwhile, so no other section was entered in between.
        unsafe { bindings::irqctx_local_irq_restore(self.flags) };
    }
}

/// An RCU read-side critical section, from [`Task::rcu_read_lock`].
pub(crate) struct RcuReader<'a> {
    _guard: rcu::Guard,
    _task: PhantomData<&'a mut Task>,
}

mod private {
    pub(crate) trait Sealed {}
    impl Sealed for super::Task {}
    impl Sealed for super::SoftIrq {}
    impl Sealed for super::HardIrq {}
}

/// A context token: [`Task`], [`SoftIrq`] or [`HardIrq`].
pub(crate) trait Context: private::Sealed {
    /// The guard [`SpinLockIrq::lock`] gives in this context.
    type IrqGuard<'a, T: Unpin + 'a>: DerefMut<Target = T>
    where
        Self: 'a;

    /// Takes `lock` the way this context must.
    fn lock_irq<'a, T: Unpin>(
        &'a mut self,
        lock: &'a ksync::SpinLockIrq<T>,
    ) -> Self::IrqGuard<'a, T>;
}

/// Implements [`Context`] with upstream's `SpinLockIrq::lock()`
/// (`spin_lock_irq_disable()`: interrupts off, counted in `preempt_count`'s
/// hardirq-disable bits so that nested sections restore them in order, as
/// `spin_lock_irqsave()` does with its saved flags) for tokens whose context
/// runs with interrupts on, or may.
macro_rules! irqsave_context {
    ($($(#[$meta:meta])* $token:ty: $why:literal;)*) => {$(
        $(#[$meta])*
        impl Context for $token {
            type IrqGuard<'a, T: Unpin + 'a> = SpinLockIrqGuard<'a, T>;

            #[doc = $why]
            #[inline]
            fn lock_irq<'a, T: Unpin>(
                &'a mut self,
                lock: &'a ksync::SpinLockIrq<T>,
            ) -> Self::IrqGuard<'a, T> {
                lock.lock()
            }
        }
    )*};
}

irqsave_context! {
    Task: "`spin_lock_irq_disable()`: a top half on this CPU must not interrupt the holder and spin on the lock for ever.";
    SoftIrq: "`spin_lock_irq_disable()`: a softirq runs with interrupts on.";
    #[cfg(CONFIG_PREEMPT_RT)]
    HardIrq: "`spin_lock_irq_disable()`: on `PREEMPT_RT` a top half may run in a thread with interrupts on.";
}

#[cfg(not(CONFIG_PREEMPT_RT))]
impl Context for HardIrq {
    type IrqGuard<'a, T: Unpin + 'a> = SpinLockGuard<'a, T>;

    /// `spin_lock()`: interrupts are off already (the token's invariant),
    /// so the interrupt-state bookkeeping of `lock()` is skipped.
    #[inline]
    fn lock_irq<'a, T: Unpin>(
        &'a mut self,
        lock: &'a ksync::SpinLockIrq<T>,
    ) -> Self::IrqGuard<'a, T> {
        // SAFETY: Without PREEMPT_RT a top half runs with local interrupts
        // off, for as long as its token is in use.
        lock.lock_with(unsafe { kernel::interrupt::LocalInterruptDisabled::assume_disabled() })
    }
}

/// A spinlock that a top half may take: upstream's `SpinLockIrq`, locked
/// with a context token.
#[pin_data]
pub(crate) struct SpinLockIrq<T> {
    #[pin]
    inner: ksync::SpinLockIrq<T>,
}

/// Creates a [`SpinLockIrq`] initialiser.
macro_rules! new_spinlock_irq {
    ($value:expr, $name:literal) => {
        $crate::ctx::SpinLockIrq::new(::kernel::sync::new_spinlock_irq!($value, $name))
    };
}
pub(crate) use new_spinlock_irq;

impl<T: Unpin> SpinLockIrq<T> {
    /// Wraps an upstream `SpinLockIrq` initialiser (use [`new_spinlock_irq!`]).
    pub(crate) fn new(inner: impl PinInit<ksync::SpinLockIrq<T>>) -> impl PinInit<Self> {
        pin_init!(Self { inner <- inner })
    }

    /// Takes the lock in the context of `ctx`, which stays borrowed while the
    /// guard lives: holding it, a task cannot sleep.
    #[inline]
    pub(crate) fn lock<'a, C: Context>(&'a self, ctx: &'a mut C) -> C::IrqGuard<'a, T> {
        ctx.lock_irq(&self.inner)
    }
}

/// A spinlock taken in one context only, `C` (a lock shared with a top half
/// is a [`SpinLockIrq`]; with a softirq, a `spin_lock_bh()` one).
#[pin_data]
pub(crate) struct SpinLock<T, C: Context> {
    #[pin]
    inner: ksync::SpinLock<T>,
    _ctx: PhantomData<fn(C)>,
}

/// Creates a [`SpinLock`] initialiser.
macro_rules! new_spinlock {
    ($value:expr, $name:literal) => {
        $crate::ctx::SpinLock::new(::kernel::sync::new_spinlock!($value, $name))
    };
}
pub(crate) use new_spinlock;

impl<T, C: Context> SpinLock<T, C> {
    /// Wraps an upstream `SpinLock` initialiser (use [`new_spinlock!`]).
    pub(crate) fn new(inner: impl PinInit<ksync::SpinLock<T>>) -> impl PinInit<Self> {
        pin_init!(Self {
            inner <- inner,
            _ctx: PhantomData,
        })
    }

    /// Takes the lock; `ctx` stays borrowed while the guard lives.
    pub(crate) fn lock<'a>(&'a self, _ctx: &'a mut C) -> SpinLockGuard<'a, T> {
        self.inner.lock()
    }
}

/// A sleeping lock: upstream's `Mutex`, locked with the task token.
#[pin_data]
pub(crate) struct Mutex<T> {
    #[pin]
    inner: ksync::Mutex<T>,
}

/// Creates a [`Mutex`] initialiser.
macro_rules! new_mutex {
    ($value:expr, $name:literal) => {
        $crate::ctx::Mutex::new(::kernel::sync::new_mutex!($value, $name))
    };
}
pub(crate) use new_mutex;

impl<T> Mutex<T> {
    /// Wraps an upstream `Mutex` initialiser (use [`new_mutex!`]).
    pub(crate) fn new(inner: impl PinInit<ksync::Mutex<T>>) -> impl PinInit<Self> {
        pin_init!(Self { inner <- inner })
    }

    /// Takes the lock, sleeping while another task holds it. Holding a mutex
    /// is not an atomic section: the token is not kept.
    pub(crate) fn lock(&self, _task: &Task) -> ksync::MutexGuard<'_, T> {
        self.inner.lock()
    }
}

/// A seqlock's write side (`seqlock_t`): writers serialise on its spinlock
/// and bump its sequence; readers retry. irqctx only writes one, in a misuse
/// case.
#[pin_data]
pub(crate) struct SeqLock {
    #[pin]
    inner: Opaque<bindings::seqlock_t>,
}

// SAFETY: A `seqlock_t` may be used from any CPU; its API serialises itself.
unsafe impl Send for SeqLock {}
// SAFETY: As above: every method takes `&self`.
unsafe impl Sync for SeqLock {}

impl SeqLock {
    /// An unlocked seqlock.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `slot` is valid for writes; `seqlock_init()` initialises it.
            inner <- Opaque::ffi_init(|slot| unsafe { bindings::irqctx_seqlock_init(slot) }),
        })
    }

    /// Enters the write side (`write_seqlock()`: a spinlock) until the guard
    /// drops; the task token stays borrowed meanwhile.
    pub(crate) fn write<'a>(&'a self, _task: &'a mut Task) -> SeqWrite<'a> {
        // SAFETY: The seqlock is initialised; the guard's drop unlocks it.
        unsafe { bindings::irqctx_write_seqlock(self.inner.get()) };
        SeqWrite {
            lock: self,
            _task: PhantomData,
        }
    }
}

/// A [`SeqLock`] write section; `write_sequnlock()` on drop.
pub(crate) struct SeqWrite<'a> {
    lock: &'a SeqLock,
    _task: PhantomData<&'a mut Task>,
}

impl Drop for SeqWrite<'_> {
    fn drop(&mut self) {
        // SAFETY: `SeqLock::write()` took the write side, which this ends.
        unsafe { bindings::irqctx_write_sequnlock(self.lock.inner.get()) };
    }
}
