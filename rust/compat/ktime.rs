// SPDX-License-Identifier: GPL-2.0

//! `CLOCK_MONOTONIC` times as raw nanoseconds (`ktime_t`).
//!
//! irqctx keeps times in atomics and prints them (`t_ns`, `delay_ns`), so it
//! needs their nanoseconds, which 7.3's [`Instant`] keeps crate-private
//! (`Instant::as_nanos()`); waits for that to be public.
//!
//! [`Instant`]: kernel::time::Instant
//!
//! C header: [`include/linux/timekeeping.h`](srctree/include/linux/timekeeping.h)

use kernel::time::{
    hrtimer::{HasHrTimer, HrTimerMode},
    ClockSource, Monotonic,
};

/// The current `CLOCK_MONOTONIC` time in ns, as C's `ktime_get()`.
#[inline]
pub(crate) fn now_ns() -> i64 {
    Monotonic::ktime_get()
}

/// The time `this`'s timer is (or was last) programmed to expire, in ns, as
/// C's `hrtimer_get_expires()`: what `HrTimer::expires()` returns as an
/// `Instant`.
#[inline]
pub(crate) fn expires_ns<T>(this: &T) -> i64
where
    T: HasHrTimer<T>,
    T::TimerMode: HrTimerMode<Clock = Monotonic>,
{
    // SAFETY: `this` is a live `T`, whose `HrTimer` field (`HasHrTimer`) was
    // set up by `HrTimer::new()`, the only way to make one. The expiry is
    // read racily by design, as `HrTimer::expires()` and C's
    // `hrtimer_get_expires()` do.
    unsafe { core::ptr::read_volatile(&raw const (*T::c_timer_ptr(this)).node.expires) }
}
