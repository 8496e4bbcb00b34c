// SPDX-License-Identifier: GPL-2.0

//! Sleeping for a while, like upstream's `kernel::time::delay::fsleep()`.

use crate::bindings;

/// Sleeps uninterruptibly for at least `us` microseconds, on an hrtimer
/// (`usleep_range()`): on `ktime_get()` it never ends early, where
/// `msleep()`'s jiffies can (a tick that lags and catches up in a jump).
///
/// It sleeps: process context only, which `might_sleep()` checks.
pub(crate) fn fsleep_us(us: u64) {
    // A tenth of slack lets the timer be merged with others.
    let max = us.saturating_add(us / 10);
    // SAFETY: `usleep_range_state()` has no preconditions beyond the
    // context, which it checks itself.
    unsafe { bindings::usleep_range_state(us as _, max as _, bindings::TASK_UNINTERRUPTIBLE) };
}
