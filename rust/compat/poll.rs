// SPDX-License-Identifier: GPL-2.0

//! A wait queue that blocking reads sleep on and `poll()` registers with.
//!
//! Upstream's `kernel::sync::poll::PollCondVar` wraps a `CondVar`, whose
//! waits take a lock guard (7.3 too); irqctx's readers and commands wait
//! for conditions no one lock covers (an atomic counter, the ring under the
//! irq-safe device lock), so this [`PollCondVar`] uses the C
//! `wait_event_interruptible()` protocol instead: the condition is a
//! closure that takes whatever lock it needs, evaluated after the task is on
//! the queue, so a wake-up between the check and `schedule()` is never lost.
//! [`PollCondVar::notify_all`] may be called from any context, including
//! hardirq.
//!
//! Waits for: a condition-based wait on 7.3's `PollCondVar` (its waits need
//! a lock guard, and its queue is crate-private); `PollTable`,
//! `PollCondVar`, `new_poll_condvar!` and `register_wait` are 7.3's names.
//!
//! C header: [`include/linux/wait.h`](srctree/include/linux/wait.h)

use crate::bindings;
use crate::ctx::Task;
use kernel::{error::code::ERESTARTSYS, prelude::*, types::Opaque};

/// Whether the current task has a fatal signal pending (`SIGKILL`, or a
/// signal whose default action kills it and that it does not catch): the
/// only signal that may end a command once it has triggered something.
pub(crate) fn fatal_signal_pending() -> bool {
    // SAFETY: Reads the current task's pending signals; any context.
    unsafe { bindings::irqctx_fatal_signal_pending() }
}

/// Creates a [`PollCondVar`] initialiser with a static lock class and a name.
macro_rules! new_poll_condvar {
    ($($name:literal)?) => {
        $crate::compat::poll::PollCondVar::new(
            ::kernel::optional_name!($($name)?),
            ::kernel::static_lock_class!(),
        )
    };
}
pub(crate) use new_poll_condvar;

/// A `wait_queue_head_t` usable for blocking waits and for `poll()`.
///
/// # Invariants
///
/// `wait_queue_head` is initialised.
#[pin_data(PinnedDrop)]
pub(crate) struct PollCondVar {
    #[pin]
    wait_queue_head: Opaque<bindings::wait_queue_head>,
}

// SAFETY: Wait queues may be used from any thread; they lock internally.
unsafe impl Send for PollCondVar {}
// SAFETY: All operations take `&self`; the wait queue has its own spinlock.
unsafe impl Sync for PollCondVar {}

impl PollCondVar {
    /// Initialises an empty wait queue.
    pub(crate) fn new(
        name: &'static CStr,
        key: Pin<&'static kernel::sync::LockClassKey>,
    ) -> impl PinInit<Self> {
        // INVARIANT: `__init_waitqueue_head` initialises the queue.
        pin_init!(Self {
            wait_queue_head <- Opaque::ffi_init(|slot| {
                // SAFETY: `slot` is valid for writes and pinned; `name` and
                // `key` are static.
                unsafe { bindings::__init_waitqueue_head(slot, name.as_char_ptr(), key.as_ptr()) }
            }),
        })
    }

    /// Sleeps interruptibly until `condition()` returns `true`. The condition
    /// runs on the queue, in the waiting task (whose token it is lent, to
    /// take the locks it needs; the task state is set, so it must not sleep).
    ///
    /// Returns the number of wake-ups after which the condition was still
    /// false (spurious, or another reader won the race), or `ERESTARTSYS` if a
    /// signal arrived first. Task context (`task`).
    pub(crate) fn wait_interruptible(
        &self,
        task: &mut Task,
        condition: impl FnMut(&mut Task) -> bool,
    ) -> Result<u32> {
        self.wait(task, condition, None, bindings::TASK_INTERRUPTIBLE)
            .map(|(_, rechecks)| rechecks)
    }

    /// Sleeps until `condition()` returns `true`, signals or not. Only for
    /// waits bounded by the code that makes the condition true (e.g. a
    /// teardown waiting for users that were told to stop). Task context.
    pub(crate) fn wait_uninterruptible(
        &self,
        task: &mut Task,
        condition: impl FnMut(&mut Task) -> bool,
    ) {
        // Without TASK_INTERRUPTIBLE there is no signal to report.
        let _ = self.wait(task, condition, None, bindings::TASK_UNINTERRUPTIBLE);
    }

    /// Like [`Self::wait_uninterruptible`], giving up after `timeout`
    /// jiffies: returns whether the condition became true.
    pub(crate) fn wait_uninterruptible_timeout(
        &self,
        task: &mut Task,
        condition: impl FnMut(&mut Task) -> bool,
        timeout: kernel::time::Jiffies,
    ) -> bool {
        self.wait(
            task,
            condition,
            Some(timeout),
            bindings::TASK_UNINTERRUPTIBLE,
        )
        .is_ok_and(|(met, _)| met)
    }

    /// Like [`Self::wait_interruptible_timeout`], but only a fatal signal
    /// (`TASK_KILLABLE`) ends the wait early, with `ERESTARTSYS`: for waits
    /// that follow something a restarted system call would do again (an
    /// interrupt already raised), which job control (`SIGSTOP`, `SIGCONT`)
    /// and a caught signal must not cut short.
    pub(crate) fn wait_killable_timeout(
        &self,
        task: &mut Task,
        condition: impl FnMut(&mut Task) -> bool,
        timeout: kernel::time::Jiffies,
    ) -> Result<bool> {
        self.wait(task, condition, Some(timeout), bindings::TASK_KILLABLE)
            .map(|(met, _)| met)
    }

    /// Like [`Self::wait_interruptible`], giving up after `timeout` jiffies:
    /// returns whether the condition became true.
    pub(crate) fn wait_interruptible_timeout(
        &self,
        task: &mut Task,
        condition: impl FnMut(&mut Task) -> bool,
        timeout: kernel::time::Jiffies,
    ) -> Result<bool> {
        self.wait(task, condition, Some(timeout), bindings::TASK_INTERRUPTIBLE)
            .map(|(met, _)| met)
    }

    fn wait(
        &self,
        task: &mut Task,
        mut condition: impl FnMut(&mut Task) -> bool,
        mut timeout: Option<kernel::time::Jiffies>,
        state: u32,
    ) -> Result<(bool, u32)> {
        crate::ctx::might_sleep!(task);
        let wait = Opaque::<bindings::wait_queue_entry>::uninit();
        let mut wakeups: u32 = 0;
        // SAFETY: `wait` is a local that stays in place until `finish_wait()`.
        unsafe { bindings::init_wait_entry(wait.get(), 0) };
        let result = loop {
            // SAFETY: The queue is initialised (type invariant), `wait` too.
            let signal = unsafe {
                bindings::prepare_to_wait_event(
                    self.wait_queue_head.get(),
                    wait.get(),
                    state as i32,
                )
            };
            if condition(task) {
                // The wake-up that made the condition true was not spurious.
                break Ok((true, wakeups.saturating_sub(1)));
            }
            if signal != 0 {
                break Err(ERESTARTSYS);
            }
            match timeout {
                Some(0) => break Ok((false, wakeups)),
                Some(left) => {
                    // SAFETY: Task context (`task`), task state set by
                    // `prepare_to_wait_event()`.
                    let left = unsafe { bindings::schedule_timeout(left as kernel::ffi::c_long) };
                    timeout = Some(left as kernel::time::Jiffies);
                }
                // SAFETY: Task context (`task`), task state set by
                // `prepare_to_wait_event()`; a wake-up resets it.
                None => unsafe { bindings::schedule() },
            }
            wakeups += 1;
        };
        // SAFETY: Removes `wait` from the queue if it is still on it.
        unsafe { bindings::finish_wait(self.wait_queue_head.get(), wait.get()) };
        result
    }

    /// Wakes every sleeper and poller. Any context.
    pub(crate) fn notify_all(&self) {
        // SAFETY: The queue is initialised (type invariant).
        unsafe {
            bindings::__wake_up(
                self.wait_queue_head.get(),
                bindings::TASK_NORMAL,
                0,
                core::ptr::null_mut(),
            )
        };
    }
}

#[pinned_drop]
impl PinnedDrop for PollCondVar {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: The queue is initialised (type invariant). Pollers (epoll)
        // may still be registered: `__wake_up_pollfree()` detaches them and
        // the grace period waits until none can touch the queue any more.
        unsafe {
            bindings::__wake_up_pollfree(self.wait_queue_head.get());
            bindings::synchronize_rcu();
        }
    }
}

/// The `poll_table` of one `poll()`/`select()`/`epoll` call.
///
/// `'a` is the lifetime of the polled file's own data (`private_data`,
/// which lives until `release`): only a wait queue that lives as long may be
/// registered ([`Self::register_wait`]). `select()` and `poll()` leave their
/// entries on the queue until the call returns (`poll_freewait()`), holding
/// a reference to the file, so its data, and the queue, outlive them;
/// `PollCondVar`'s `POLLFREE` at drop detaches only epoll, aio and io_uring.
/// (7.3's `kernel::sync::poll::PollTable::register_wait` takes a queue of
/// any lifetime: the same gap, which a queue borrowed from a value looked up
/// during `poll` would open: `tests/ui/poll_queue_outlives.rs`.)
///
/// # Invariants
///
/// `table` is the (possibly null) `poll_table` passed to `f_op->poll` and
/// `file` the file being polled, both valid for the call; `'a` does not
/// outlive the file's `private_data`.
pub(crate) struct PollTable<'a> {
    file: *mut bindings::file,
    table: *mut bindings::poll_table_struct,
    /// Invariant in `'a`: a covariant table could be shortened to a
    /// caller's local lifetime and take a queue that dies first.
    _p: core::marker::PhantomData<fn(&'a ()) -> &'a ()>,
}

impl<'a> PollTable<'a> {
    /// Wraps the arguments of `f_op->poll`.
    ///
    /// # Safety
    ///
    /// `file` and `table` must be the arguments of a running `f_op->poll` call
    /// and the returned value must not outlive it; `'a` must not outlive the
    /// file's `private_data`.
    pub(crate) unsafe fn from_raw(
        file: *mut bindings::file,
        table: *mut bindings::poll_table_struct,
    ) -> Self {
        // INVARIANT: Guaranteed by the caller.
        Self {
            file,
            table,
            _p: core::marker::PhantomData,
        }
    }

    /// Registers the file with `cv`, so that [`PollCondVar::notify_all`]
    /// re-polls it. `cv` lives as long as the file's data (`'a`); dropping it
    /// detaches whoever is still registered.
    ///
    /// 7.3's `register_wait(&self, file, cv)` takes the file too; here it
    /// is the polled one, kept in the table: `select()` pins the file it is
    /// given, and only the polled file's data is known to outlive `cv`.
    pub(crate) fn register_wait(&self, cv: &'a PollCondVar) {
        // SAFETY: `file` and `table` are valid (type invariant). `cv`
        // outlives the file's data, and so every `select()`/`poll()` entry,
        // which holds the file; epoll's are detached by `cv`'s drop (see
        // `PinnedDrop`).
        unsafe { bindings::irqctx_poll_wait(self.file, cv.wait_queue_head.get(), self.table) };
    }
}
