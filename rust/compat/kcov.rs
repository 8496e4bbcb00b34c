// SPDX-License-Identifier: GPL-2.0

//! KCOV's remote coverage of the module's task and softirq entry points.
//!
//! KCOV collects coverage per task: a process that enables it sees what its
//! own system calls run, not what its children's run, nor what a worker or
//! a softirq runs on their behalf. Its remote mode covers those
//! (`Documentation/dev-tools/kcov.rst`): a collector registers a common
//! handle, which its children inherit, and code bracketed by
//! `kcov_remote_start()` and `kcov_remote_stop()` with that handle is
//! collected into the collector's buffer. Every callback that enters the
//! module in task or softirq context (file operations, debugfs, bus
//! callbacks, module init and exit, work items, BH work, the IRQ thread)
//! holds a [`Remote`] from the moment it has its context token. The handle
//! is the caller's own, or, in a worker, a softirq or an IRQ thread, which
//! have none, the last one a caller had.
//!
//! Hardirq context is not collected: `kcov_remote_start()` ignores it, and
//! KCOV traces no hardirq code at all. Without `CONFIG_KCOV` a [`Remote`]
//! is nothing.
//!
//! Waits for a `kernel::kcov` (none upstream, none posted).

use crate::bindings;
use crate::ctx::{SoftIrq, Task};
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::types::NotThreadSafe;

/// The last common handle a task entering the module had (0: none yet).
static LAST_HANDLE: AtomicU64 = AtomicU64::new(0);

/// Coverage of the current callback goes to the collector whose common
/// handle the caller has (or last had), until dropped.
///
/// # Invariants
///
/// `started`: this value's `kcov_remote_start()` began a collection, in the
/// context the value lives in (it cannot go to another task: not `Send`).
pub(crate) struct Remote {
    started: bool,
    _not_send: NotThreadSafe,
}

impl Remote {
    /// In task context, which may sleep: `kcov_remote_start()` may allocate
    /// a buffer there.
    pub(crate) fn task(_task: &Task) -> Self {
        Self::start()
    }

    /// In softirq context: KCOV uses its per-CPU softirq buffer.
    pub(crate) fn softirq(_bh: &SoftIrq) -> Self {
        Self::start()
    }

    fn start() -> Self {
        if !cfg!(CONFIG_KCOV) {
            return Remote {
                started: false,
                _not_send: NotThreadSafe,
            };
        }
        // SAFETY: Reads `current`'s handle; any context.
        let own = unsafe { bindings::irqctx_kcov_handle() };
        let handle = if own != 0 {
            LAST_HANDLE.store(own, Ordering::Relaxed);
            own
        } else {
            LAST_HANDLE.load(Ordering::Relaxed)
        };
        // SAFETY: Task context that may sleep, or softirq context (the
        // tokens the constructors take); the collection is stopped by this
        // value's drop, in the same callback.
        // INVARIANT: `started` is what the helper says it did.
        let started = handle != 0 && unsafe { bindings::irqctx_kcov_remote_start(handle) };
        Remote {
            started,
            _not_send: NotThreadSafe,
        }
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        if self.started {
            // SAFETY: This value started a collection in this context (type
            // invariant), which nothing else has stopped.
            unsafe { bindings::irqctx_kcov_remote_stop() };
        }
    }
}
