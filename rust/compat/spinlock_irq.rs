// SPDX-License-Identifier: GPL-2.0

//! A spinlock that also disables local interrupts while held.
//!
//! Data shared with a hardirq handler must be protected by such a lock in
//! process context: with a plain `spin_lock()`, an interrupt arriving on the
//! same CPU while the lock is held would spin on it forever (and lockdep
//! reports `inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage`).
//!
//! This is a [`Backend`] for the kernel's generic [`Lock`], so guards, lock
//! classes and names work as for [`kernel::sync::SpinLock`]. The saved
//! interrupt flags live in the guard, as `spin_lock_irqsave()` keeps them in a
//! local variable.

use crate::bindings;
use kernel::sync::lock::{Backend, Lock};

/// Creates a [`SpinLockIrq`] initialiser with a static lock class.
macro_rules! new_spinlock_irq {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        $crate::compat::spinlock_irq::SpinLockIrq::new(
            $inner,
            ::kernel::optional_name!($($name)?),
            ::kernel::static_lock_class!(),
        )
    };
}
pub(crate) use new_spinlock_irq;

/// A spinlock taken with `spin_lock_irqsave()`, usable from any context.
pub(crate) type SpinLockIrq<T> = Lock<T, SpinLockIrqBackend>;

/// The [`Backend`] of [`SpinLockIrq`].
pub(crate) struct SpinLockIrqBackend;

// SAFETY: `lock` and `unlock` pair `spin_lock_irqsave()` with
// `spin_unlock_irqrestore()` on the same initialised `spinlock_t`, which
// provides mutual exclusion; the flags saved by one are restored by the other.
unsafe impl Backend for SpinLockIrqBackend {
    type State = bindings::spinlock_t;
    type GuardState = kernel::ffi::c_ulong;

    unsafe fn init(
        ptr: *mut Self::State,
        name: *const kernel::ffi::c_char,
        key: *mut bindings::lock_class_key,
    ) {
        // SAFETY: The caller guarantees that `ptr` is valid for writes and that
        // `name` and `key` are valid for the lifetime of the lock.
        unsafe { bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: The caller guarantees that `ptr` points to an initialised lock.
        unsafe { bindings::irqctx_spin_lock_irqsave(ptr) }
    }

    unsafe fn unlock(ptr: *mut Self::State, flags: &Self::GuardState) {
        // SAFETY: The caller guarantees that `ptr` is locked by this context and
        // that `flags` are the ones its `lock` returned.
        unsafe { bindings::irqctx_spin_unlock_irqrestore(ptr, *flags) }
    }
}
