// SPDX-License-Identifier: GPL-2.0

//! At most one log line per interval, like `printk_ratelimited()`.

use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::time::{msecs_to_jiffies, Msecs};

/// Lets one caller through per interval; the others are counted.
pub(crate) struct RateLimit {
    interval: Msecs,
    /// `jiffies` before which nobody else may log; 0 means "now".
    next: AtomicUsize,
}

use crate::compat::clock::jiffies;

impl RateLimit {
    /// A limit of one line per `interval` milliseconds.
    pub(crate) const fn new(interval: Msecs) -> Self {
        Self {
            interval,
            next: AtomicUsize::new(0),
        }
    }

    /// Whether the caller may log now.
    pub(crate) fn allow(&self) -> bool {
        let now = jiffies();
        let next = self.next.load(Ordering::Relaxed);
        // `time_before(now, next)` with wrap-around.
        if next != 0 && (now.wrapping_sub(next) as isize) < 0 {
            return false;
        }
        let until = now.wrapping_add(msecs_to_jiffies(self.interval)).max(1);
        self.next
            .compare_exchange(next, until, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }
}
