// SPDX-License-Identifier: GPL-2.0

//! High-resolution timers whose callback runs in hardirq context.
//!
//! A [`HrTimer`] is embedded in a pinned container `T`. When it expires, the
//! kernel calls [`HrTimerCallback::run`] with `&T`, in hardirq context
//! (`HRTIMER_MODE_REL_HARD`: also on PREEMPT_RT). Dropping the timer cancels it
//! and waits for a running callback, so no callback outlives the container as
//! long as the container drops (or [`HrTimer::cancel`]s) the timer before
//! anything the callback uses.
//!
//! C header: [`include/linux/hrtimer.h`](srctree/include/linux/hrtimer.h)

use crate::bindings;
use core::marker::PhantomData;
use kernel::{init::PinInit, prelude::*, types::Opaque};

/// What the callback wants the timer to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HrTimerRestart {
    /// Do not restart.
    NoRestart,
    /// Restart at the (forwarded) expiry time.
    Restart,
}

/// Implemented by the container to handle expiry of its timer.
pub(crate) trait HrTimerCallback {
    /// Called in hardirq context when the timer expires: must not sleep.
    fn run(this: &Self) -> HrTimerRestart;
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
/// function, and is embedded in a `T` at `T::OFFSET`.
#[repr(transparent)]
#[pin_data(PinnedDrop)]
pub(crate) struct HrTimer<T> {
    #[pin]
    timer: Opaque<bindings::hrtimer>,
    _t: PhantomData<T>,
}

// SAFETY: The C timer API may be used from any thread.
unsafe impl<T: Sync> Send for HrTimer<T> {}
// SAFETY: All methods take `&self` and the C API serialises them itself.
unsafe impl<T: Sync> Sync for HrTimer<T> {}

const MODE: bindings::hrtimer_mode = bindings::hrtimer_mode_HRTIMER_MODE_REL_HARD;

impl<T: HasHrTimer + HrTimerCallback + Sync> HrTimer<T> {
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

    /// (Re)starts the timer to expire `delay_ns` from now.
    pub(crate) fn start(&self, delay_ns: i64) {
        // SAFETY: The timer is initialised (type invariant).
        unsafe { bindings::hrtimer_start_range_ns(self.raw(), delay_ns, 0, MODE) };
    }

    /// Moves the expiry forward by whole `interval_ns` until it is in the
    /// future; returns the number of intervals skipped (overruns + 1).
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

    /// Cancels the timer and waits for a running callback to return.
    ///
    /// Returns `true` if the timer was active. Must not be called from the
    /// timer's own callback.
    pub(crate) fn cancel(&self) -> bool {
        // SAFETY: The timer is initialised (type invariant).
        unsafe { bindings::hrtimer_cancel(self.raw()) != 0 }
    }

    /// Called by the C timer code on expiry.
    ///
    /// # Safety
    ///
    /// `timer` must be the `hrtimer` of a live `HrTimer<T>`.
    unsafe extern "C" fn trampoline(timer: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
        // SAFETY: By the type invariant, `timer` is embedded in a `T` at
        // `T::OFFSET`, and `T` outlives every callback since dropping the
        // timer cancels it and waits for the callback.
        let this = unsafe { &*timer.cast::<u8>().sub(T::OFFSET).cast::<T>() };
        match T::run(this) {
            HrTimerRestart::NoRestart => bindings::hrtimer_restart_HRTIMER_NORESTART,
            HrTimerRestart::Restart => bindings::hrtimer_restart_HRTIMER_RESTART,
        }
    }
}

#[pinned_drop]
impl<T> PinnedDrop for HrTimer<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: The timer is initialised (type invariant); cancelling it
        // waits for the callback, after which nothing references `T`.
        unsafe { bindings::hrtimer_cancel(self.timer.get()) };
    }
}
