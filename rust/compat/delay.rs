// SPDX-License-Identifier: GPL-2.0

//! Sleeping for a while, like upstream's `kernel::time::delay::fsleep()`.

use crate::bindings;

/// Sleeps uninterruptibly for at least `us` microseconds, on an hrtimer
/// (`usleep_range()`): on `ktime_get()` it never ends early, where
/// `msleep()`'s jiffies can (a tick that lags and catches up in a jump).
///
/// It sleeps: process context only. `might_sleep()` checks that first, as
/// upstream's `fsleep()` does (`usleep_range_state()` itself does not: in
/// atomic context only the scheduler's "scheduling while atomic" would
/// report it, and only once it schedules).
pub(crate) fn fsleep_us(us: u64) {
    // A tenth of slack lets the timer be merged with others.
    let max = us.saturating_add(us / 10);
    // SAFETY: `__might_sleep()` only checks the context and reports; the
    // file name is a NUL-terminated static string.
    unsafe { bindings::irqctx_might_sleep(kernel::c_str!(file!()).as_char_ptr(), line!() as i32) };
    // SAFETY: `usleep_range_state()` has no preconditions beyond the
    // context, checked above.
    unsafe { bindings::usleep_range_state(us as _, max as _, bindings::TASK_UNINTERRUPTIBLE) };
}

/// Sleeps uninterruptibly for at least `us` microseconds, woken by an
/// hrtimer that expires in hardirq context on every kernel
/// (`HRTIMER_MODE_REL_HARD`).
///
/// On PREEMPT_RT a timer-wheel or soft hrtimer expiry (what [`fsleep_us`]
/// and `msleep()` wait for) runs in the CPU's timer softirq thread, which
/// needs the CPU's bottom-half lock: a sleeper that holds it (a sleep in a
/// bottom half) would wait for its own wake-up forever, or not, depending on
/// whether another CPU happens to expire the timer. This wake-up needs no
/// bottom half, so such a sleep ends on every kernel.
pub(crate) fn sleep_hard_us(us: u64) {
    let mut expires: bindings::ktime_t = us.saturating_mul(1000).try_into().unwrap_or(i64::MAX);
    // SAFETY: Sets the current task's state; the schedule below resets it.
    unsafe { bindings::irqctx_set_current_state(bindings::TASK_UNINTERRUPTIBLE) };
    // SAFETY: `expires` is valid for the call, which only reads it.
    unsafe {
        bindings::schedule_hrtimeout(&mut expires, bindings::hrtimer_mode_HRTIMER_MODE_REL_HARD)
    };
}
