// SPDX-License-Identifier: GPL-2.0

//! High-resolution timers whose callback runs in hardirq context.
//!
//! A [`HrTimer`] is embedded in a container `T` held in an [`Arc`]. As with
//! upstream's `ArcHrTimerHandle`, starting it ([`HrTimer::start`]) returns an
//! [`HrTimerHandle`] that owns a reference to the container: the container
//! cannot go away while the timer may run, and dropping the handle cancels the
//! timer and waits for a running callback. When it expires, the kernel calls
//! [`HrTimerCallback::run`] with a borrow of the container, in hardirq context
//! (`HRTIMER_MODE_REL`). On PREEMPT_RT such a timer expires in the timer
//! softirq instead, a thread there, where the callback may take `spinlock_t` (a sleeping lock
//! there) and wake wait queues; a `_HARD` timer would stay in hardirq, where
//! neither is allowed on RT.
//!
//! C header: [`include/linux/hrtimer.h`](srctree/include/linux/hrtimer.h)

use crate::bindings;
use core::marker::PhantomData;
use kernel::{
    init::PinInit,
    prelude::*,
    sync::{Arc, ArcBorrow},
    types::Opaque,
};

/// What the callback wants the timer to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HrTimerRestart {
    /// Do not restart. (Part of the C API; irqctx's timer is periodic.)
    #[allow(dead_code)]
    NoRestart,
    /// Restart at the (forwarded) expiry time.
    Restart,
}

/// Implemented by the container to handle expiry of its timer.
pub(crate) trait HrTimerCallback {
    /// Called in hardirq context when the timer expires: must not sleep.
    fn run(this: ArcBorrow<'_, Self>) -> HrTimerRestart;
}

/// A container that embeds an [`HrTimer`] of itself.
///
/// # Safety
///
/// `OFFSET` must be the offset in bytes of an `HrTimer<Self>` field of `Self`.
pub(crate) unsafe trait HasHrTimer: Sized {
    /// Offset of the [`HrTimer`] field.
    const OFFSET: usize;
}

/// Implements [`HasHrTimer`] for a struct field.
macro_rules! impl_has_hr_timer {
    ($type:ty, $field:ident) => {
        // SAFETY: The offset is that of the `HrTimer<Self>` field `$field`,
        // which the type annotation below checks.
        unsafe impl $crate::compat::hrtimer::HasHrTimer for $type {
            const OFFSET: usize = {
                fn _check(t: &$type) -> &$crate::compat::hrtimer::HrTimer<$type> {
                    &t.$field
                }
                ::core::mem::offset_of!($type, $field)
            };
        }
    };
}
pub(crate) use impl_has_hr_timer;

/// A `struct hrtimer` on `CLOCK_MONOTONIC` that calls back into `T`.
///
/// # Invariants
///
/// `timer` was set up by `hrtimer_init()` with [`Self::trampoline`] as its
/// function, and is embedded in a `T` at `T::OFFSET`. It is only ever armed
/// by [`HrTimer::start`], and while it is armed or its callback runs, an
/// [`HrTimerHandle`] owns a reference to the `Arc` that holds that `T`.
#[repr(transparent)]
#[pin_data]
pub(crate) struct HrTimer<T> {
    #[pin]
    timer: Opaque<bindings::hrtimer>,
    _t: PhantomData<T>,
}

// SAFETY: The C timer API may be used from any thread.
unsafe impl<T: Sync> Send for HrTimer<T> {}
// SAFETY: All methods take `&self` and the C API serialises them itself.
unsafe impl<T: Sync> Sync for HrTimer<T> {}

const MODE: bindings::hrtimer_mode = bindings::hrtimer_mode_HRTIMER_MODE_REL;

impl<T: HasHrTimer + HrTimerCallback + Send + Sync> HrTimer<T> {
    /// Initialises a stopped timer.
    pub(crate) fn new() -> impl PinInit<Self> {
        // INVARIANT: `hrtimer_init()` sets the timer up and `function` points to
        // the trampoline; the caller places `Self` in a `T` by `HasHrTimer`.
        pin_init!(Self {
            timer <- Opaque::ffi_init(|slot: *mut bindings::hrtimer| {
                // SAFETY: `slot` is valid for writes and pinned.
                unsafe {
                    bindings::hrtimer_init(slot, bindings::CLOCK_MONOTONIC as i32, MODE);
                    (*slot).function = Some(Self::trampoline);
                }
            }),
            _t: PhantomData,
        })
    }

    fn raw(&self) -> *mut bindings::hrtimer {
        self.timer.get()
    }

    /// The `hrtimer` of the `T` at `ptr` (`OFFSET` is that of an
    /// `HrTimer<T>`, a transparent wrapper of the `hrtimer`).
    fn raw_of(ptr: *const T) -> *mut bindings::hrtimer {
        crate::compat::field_of(ptr, T::OFFSET)
    }

    /// Starts `this`'s timer to expire `delay_ns` from now (restarting it if
    /// it was armed). It runs, re-arming itself as long as the callback says
    /// so, until the returned handle (or any other handle of it) is dropped.
    ///
    /// Callers serialise starts with each other: a start while the callback
    /// runs on another CPU would make the callback's [`Self::forward_now`]
    /// warn, as in C.
    pub(crate) fn start(this: ArcBorrow<'_, T>, delay_ns: i64) -> HrTimerHandle<T> {
        // INVARIANT: The handle owns a reference before the timer is armed.
        let handle = HrTimerHandle {
            inner: Arc::from(this),
        };
        // SAFETY: The timer of a live `T` (we hold a reference), initialised
        // (type invariant).
        unsafe {
            bindings::hrtimer_start_range_ns(Self::raw_of(&*handle.inner), delay_ns, 0, MODE)
        };
        handle
    }

    /// Moves the expiry forward by whole `interval_ns` until it is in the
    /// future, as of now; returns the number of intervals moved (the
    /// overruns plus one). Not from a time read at the callback's start: a
    /// callback that ran longer than a period (a KASAN kernel under TCG
    /// does) would then set an expiry already past, and the timer would
    /// fire back to back.
    ///
    /// Meant to be called from the callback before returning
    /// [`HrTimerRestart::Restart`].
    pub(crate) fn forward_now(&self, interval_ns: i64) -> u64 {
        // SAFETY: The timer is initialised; `ktime_get()` is the base of
        // `CLOCK_MONOTONIC`.
        unsafe { bindings::hrtimer_forward(self.raw(), bindings::ktime_get(), interval_ns) }
    }

    /// The time the timer is (or was last) programmed to expire, in ns of
    /// `CLOCK_MONOTONIC`.
    pub(crate) fn expires_ns(&self) -> i64 {
        // SAFETY: The timer is initialised; the expiry is a plain `ktime_t`
        // written only by the timer code on this timer's behalf, and read
        // like `hrtimer_get_expires()` does.
        unsafe { core::ptr::addr_of!((*self.raw()).node.expires).read_volatile() }
    }

    /// Called by the C timer code on expiry.
    ///
    /// # Safety
    ///
    /// `timer` must be the `hrtimer` of an `HrTimer<T>` armed by
    /// [`Self::start`].
    unsafe extern "C" fn trampoline(timer: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
        let this = crate::compat::container_of::<T, _>(timer, T::OFFSET);
        // SAFETY: By the type invariant, `timer` is embedded in a `T` inside an
        // `Arc`, and a handle owns a reference to it until it has cancelled the
        // timer and waited for this callback, so the count cannot reach zero
        // meanwhile.
        let this = unsafe { ArcBorrow::from_raw(this) };
        match T::run(this) {
            HrTimerRestart::NoRestart => bindings::hrtimer_restart_HRTIMER_NORESTART,
            HrTimerRestart::Restart => bindings::hrtimer_restart_HRTIMER_RESTART,
        }
    }
}

/// A started [`HrTimer`]: owns a reference to the timer's container and
/// cancels the timer, waiting for a running callback, when dropped.
///
/// # Invariants
///
/// `inner`'s timer is an initialised [`HrTimer`] at `T::OFFSET`.
pub(crate) struct HrTimerHandle<T: HasHrTimer + HrTimerCallback + Send + Sync> {
    inner: Arc<T>,
}

impl<T: HasHrTimer + HrTimerCallback + Send + Sync> Drop for HrTimerHandle<T> {
    fn drop(&mut self) {
        // SAFETY: The timer of a live `T` (we hold a reference), initialised
        // (type invariant). `hrtimer_cancel()` dequeues it and waits for a
        // running callback; only then is our reference dropped. Must not be
        // called from the timer's own callback, which would wait for itself.
        unsafe { bindings::hrtimer_cancel(HrTimer::<T>::raw_of(&*self.inner)) };
    }
}
