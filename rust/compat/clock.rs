// SPDX-License-Identifier: GPL-2.0

//! Clocks as raw numbers: `CLOCK_MONOTONIC` nanoseconds (`ktime_t`),
//! `sched_clock()` and `jiffies`.
//!
//! irqctx keeps times in atomics and prints them (`t_ns`, `delay_ns`), so it
//! needs their nanoseconds, which 7.3's [`Instant`] keeps crate-private
//! (`Instant::as_nanos()`); 7.3 has no `sched_clock()` and no reader of
//! `jiffies`. Waits for those.
//!
//! [`Instant`]: kernel::time::Instant
//!
//! C header: [`include/linux/timekeeping.h`](srctree/include/linux/timekeeping.h)

use crate::bindings;
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

/// `sched_clock()` in ns: the TSC on x86, scaled; callable in any context.
#[inline]
pub(crate) fn sched_clock_ns() -> i64 {
    // SAFETY: `sched_clock()` may be called from any context.
    unsafe { bindings::sched_clock() as i64 }
}

/// `jiffies`, read racily as C code does.
#[inline]
pub(crate) fn jiffies() -> usize {
    // SAFETY: `jiffies` is always readable; a racy read is what C does too.
    unsafe { core::ptr::addr_of!(bindings::jiffies).read_volatile() }
}

/// Busy-waits `us` microseconds (`__udelay()`), in any context. 7.3's
/// `kernel::time::delay::udelay()` clamps to `MAX_UDELAY_MS` (5 ms on
/// x86), shorter than the sections the bench and the misuse cases make.
pub(crate) fn busy_wait_us(us: u32) {
    // A millisecond at a time: x86's `__const_udelay()` scales with a
    // 32-bit multiply, which wraps from about 250 ms on.
    let mut left = us;
    while left > 0 {
        let now = left.min(1000);
        // SAFETY: A busy-wait is legal in any context.
        unsafe { bindings::__udelay(now as usize) };
        left -= now;
    }
}
