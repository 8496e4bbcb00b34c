// SPDX-License-Identifier: GPL-2.0

//! A sleeping lock whose waiters a signal (or a teardown) can release.
//!
//! Commands that trigger interrupts one after the other (`irq_work=N`,
//! `raise=N`, `factorial=N`) must not interleave with the same command from
//! another writer, or two triggers merge into one interrupt and an event is
//! lost. A [`kernel::sync::Mutex`] would serialise them, but its waiters sleep
//! uninterruptibly (`D` state) behind a burst that can last seconds, and
//! `kill -9` cannot remove them. Here a waiter sleeps interruptibly on a wait
//! queue, like `mutex_lock_interruptible()`, and also gives up as soon as the
//! lock's owner is going away.

use crate::compat::poll::PollCondVar;
use crate::ctx::Task;
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{error::code::ENODEV, prelude::*};

/// Creates a [`CommandLock`] initialiser.
macro_rules! new_command_lock {
    ($name:literal) => {
        $crate::command_lock::CommandLock::new($crate::compat::poll::new_poll_condvar!($name))
    };
}
pub(crate) use new_command_lock;

/// An interruptible sleeping lock (no data: it serialises actions).
#[pin_data]
pub(crate) struct CommandLock {
    /// Whether some task holds the lock.
    held: AtomicBool,
    /// Set once the lock is closed: waiters give up with `ENODEV`.
    closed: AtomicBool,
    /// Waiters for the lock.
    #[pin]
    waiters: PollCondVar,
}

/// Proof of holding a [`CommandLock`]; unlocks on drop.
pub(crate) struct CommandGuard<'a>(&'a CommandLock);

impl CommandLock {
    /// An unlocked, open lock (use [`new_command_lock!`]).
    pub(crate) fn new(waiters: impl PinInit<PollCondVar>) -> impl PinInit<Self> {
        pin_init!(Self {
            held: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            waiters <- waiters,
        })
    }

    fn try_lock(&self) -> bool {
        self.held
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Takes the lock, sleeping interruptibly while another task holds it:
    /// `ERESTARTSYS` on a signal, `ENODEV` once the lock is closed.
    pub(crate) fn lock(&self, task: &mut Task) -> Result<CommandGuard<'_>> {
        let closed = || self.closed.load(Ordering::Acquire);
        let mut got = false;
        self.waiters.wait_interruptible(task, |_| {
            got = !closed() && self.try_lock();
            got || closed()
        })?;
        if got {
            Ok(CommandGuard(self))
        } else {
            Err(ENODEV)
        }
    }

    /// Closes the lock for good: waiters give up with `ENODEV`, and this
    /// returns once the current holder, if any, has unlocked. Process
    /// context; the holder must be bounded (commands check whether their
    /// device is going away between steps).
    pub(crate) fn close(&self, task: &mut Task) {
        self.closed.store(true, Ordering::Release);
        self.waiters.notify_all();
        self.waiters.wait_uninterruptible(task, |_| self.try_lock());
    }
}

impl Drop for CommandGuard<'_> {
    fn drop(&mut self) {
        self.0.held.store(false, Ordering::Release);
        self.0.waiters.notify_all();
    }
}
