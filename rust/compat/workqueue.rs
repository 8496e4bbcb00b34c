// SPDX-License-Identifier: GPL-2.0

//! Work items embedded in a long-lived container, with cancellation.
//!
//! As with upstream's `kernel::workqueue`, a [`Work`] lives inside a container
//! `T` held in an [`Arc`], and queueing it hands the queue a reference: the
//! container cannot go away while the work is pending, and the callback gets
//! that reference ([`WorkCallback::run`] takes the `Arc<T>`). 7.3's version
//! cannot be cancelled; here [`Work::cancel_sync`] removes pending work
//! (dropping the queue's reference) and waits for a running callback, which
//! is what a driver needs on unload (`cancel_work_sync()`).
//!
//! Waits for: cancellation in `kernel::workqueue` (Danilo Krummrich's posted
//! workqueue series: `ScopedWork`, which calls `cancel_work_sync()` on
//! drop); [`system_percpu`] is that series' name too.
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h)

use crate::bindings;
use crate::compat::kcov::Remote;
use crate::ctx::{SoftIrq, Task};
use core::marker::PhantomData;
use kernel::{
    prelude::*,
    sync::{Arc, ArcBorrow, LockClassKey},
    types::Opaque,
};

/// A system workqueue whose work items run in context `C`: [`Task`] for a
/// worker thread's, [`SoftIrq`] for a BH workqueue's.
///
/// # Invariants
///
/// `queue` is a workqueue that lives for ever and runs its items in `C`.
pub(crate) struct WorkQueue<C: WorkContext> {
    queue: *mut bindings::workqueue_struct,
    _ctx: PhantomData<fn() -> C>,
}

/// The per-CPU system workqueue (`system_percpu_wq`): worker threads. 7.3's
/// `kernel::workqueue::system()` returns `system_wq`, which 7.3 deprecates
/// ("enqueued on deprecated workqueue", once per boot).
pub(crate) fn system_percpu() -> WorkQueue<Task> {
    // INVARIANT: Created at boot, never destroyed; kworkers run its items.
    // SAFETY: Reads a pointer set once at boot.
    let queue = unsafe { bindings::system_percpu_wq };
    WorkQueue {
        queue,
        _ctx: PhantomData,
    }
}

/// The system BH workqueue (`system_bh_wq`, `WQ_BH`): its work items run in
/// softirq context. 7.3's `kernel::workqueue::system_bh()`, typed: the type
/// ([`SoftIrq`]) picks the items' context token.
pub(crate) fn system_bh() -> WorkQueue<SoftIrq> {
    // INVARIANT: Created at boot, never destroyed; `WQ_BH` items run in the
    // softirq. `Queue` is `#[repr(transparent)]` over the C structure.
    let queue = core::ptr::from_ref(kernel::workqueue::system_bh())
        .cast_mut()
        .cast();
    WorkQueue {
        queue,
        _ctx: PhantomData,
    }
}

mod private {
    pub(crate) trait Sealed {}
    impl Sealed for crate::ctx::Task {}
    impl Sealed for crate::ctx::SoftIrq {}
}

/// The contexts work items run in: [`Task`] or [`SoftIrq`].
pub(crate) trait WorkContext: private::Sealed {
    /// The token of this context.
    ///
    /// # Safety
    ///
    /// Only a work item's trampoline, run by a queue of this context.
    unsafe fn enter() -> Self;

    /// KCOV's remote coverage of the item, while the value lives.
    fn coverage(&self) -> Remote;
}

impl WorkContext for Task {
    unsafe fn enter() -> Self {
        // SAFETY: A worker thread runs the item (the caller's contract).
        unsafe { Task::assume() }
    }

    fn coverage(&self) -> Remote {
        Remote::task(self)
    }
}

impl WorkContext for SoftIrq {
    unsafe fn enter() -> Self {
        // SAFETY: A BH workqueue runs the item (the caller's contract).
        unsafe { SoftIrq::assume() }
    }

    fn coverage(&self) -> Remote {
        Remote::softirq(self)
    }
}

/// Creates a [`Work`] initialiser with a static lock class and a name.
macro_rules! new_work {
    ($($name:literal)?) => {
        $crate::compat::workqueue::Work::new(
            ::kernel::optional_name!($($name)?),
            ::kernel::static_lock_class!(),
        )
    };
}
pub(crate) use new_work;

/// Implemented by the container to run its work item number `ID`.
pub(crate) trait WorkCallback<const ID: u64 = 0> {
    /// The context the item runs in, which picks the queues it may go on.
    type Context: WorkContext;

    /// Called by a worker thread ([`Task`]) or a BH workqueue's softirq
    /// ([`SoftIrq`]: must not sleep), with the reference the queue held.
    fn run(this: Arc<Self>, ctx: &mut Self::Context);
}

/// A container that embeds a [`Work`] of itself with id `ID`.
///
/// `'static`: a queued work item holds a reference to its container that
/// only the worker gives back, whenever it runs, so the container may not
/// borrow anything (`tests/ui/work_borrows.rs`).
///
/// # Safety
///
/// `OFFSET` must be the offset in bytes of a `Work<Self, ID>` field of `Self`.
pub(crate) unsafe trait HasWork<const ID: u64 = 0>: Sized + 'static {
    /// Offset of the [`Work`] field.
    const OFFSET: usize;
}

/// Implements [`HasWork`] for a struct field.
macro_rules! impl_has_work {
    ($type:ty, $id:literal, $field:ident) => {
        // SAFETY: The offset is that of the `Work<Self, $id>` field `$field`,
        // which the projection below checks.
        unsafe impl $crate::compat::workqueue::HasWork<$id> for $type {
            const OFFSET: usize = {
                // A raw-pointer projection, as upstream's `impl_has_work!`
                // makes: no deref coercion applies, so a field that only
                // points to a `Work` (`Pin<KBox<Work<..>>>`, `Arc<..>`, a
                // reference) is refused (tests/ui/work_field_boxed.rs).
                fn _check(ptr: *const $type) -> *const $crate::compat::workqueue::Work<$type, $id> {
                    // SAFETY: Never called: only the types are checked.
                    unsafe { ::core::ptr::addr_of!((*ptr).$field) }
                }
                ::core::mem::offset_of!($type, $field)
            };
        }
    };
}
pub(crate) use impl_has_work;

/// A `struct work_struct` that calls back into `T`.
///
/// # Invariants
///
/// `work` was initialised with [`Self::trampoline`] and is embedded in a `T`
/// at `<T as HasWork<ID>>::OFFSET`. While it is pending, the queue owns one
/// reference to that `T`, which is inside an [`Arc`] (made by
/// [`Arc::into_raw`]).
#[repr(transparent)]
#[pin_data]
pub(crate) struct Work<T, const ID: u64 = 0> {
    #[pin]
    work: Opaque<bindings::work_struct>,
    _t: PhantomData<T>,
}

// SAFETY: The C workqueue API may be used from any thread.
unsafe impl<T: Sync, const ID: u64> Send for Work<T, ID> {}
// SAFETY: All methods take `&self` and the C API serialises them itself.
unsafe impl<T: Sync, const ID: u64> Sync for Work<T, ID> {}

impl<T: HasWork<ID> + WorkCallback<ID> + Send + Sync, const ID: u64> Work<T, ID> {
    /// Initialises an idle work item.
    pub(crate) fn new(name: &'static CStr, key: Pin<&'static LockClassKey>) -> impl PinInit<Self> {
        // INVARIANT: The work is initialised with the trampoline; the caller
        // places `Self` in a `T` by `HasWork`.
        pin_init!(Self {
            work <- Opaque::ffi_init(|slot| {
                // SAFETY: `slot` is valid for writes and pinned; `name` and
                // `key` are static.
                unsafe {
                    bindings::init_work_with_key(
                        slot,
                        Some(Self::trampoline),
                        false,
                        name.as_char_ptr(),
                        key.as_ptr(),
                    )
                }
            }),
            _t: PhantomData,
        })
    }

    /// Queues `this`'s work item on `queue`, handing the queue a reference to
    /// `this`; returns `false` if it was already pending (the pending run will
    /// see whatever this caller wanted to hand over).
    pub(crate) fn enqueue(this: ArcBorrow<'_, T>, queue: WorkQueue<T::Context>) -> bool {
        let ptr = Arc::into_raw(Arc::<T>::from(this));
        // SAFETY: `ptr` points to a live `T` (we own a reference) and its
        // `Work` is at `OFFSET`; `queue` is a live workqueue (its invariant).
        let queued = unsafe {
            bindings::queue_work_on(
                bindings::wq_misc_consts_WORK_CPU_UNBOUND as i32,
                queue.queue,
                Self::raw_work(ptr),
            )
        };
        if !queued {
            // SAFETY: Already pending: the queue holds a reference of its own,
            // give ours back.
            drop(unsafe { Arc::from_raw(ptr) });
        }
        // INVARIANT: If newly queued, the queue owns the reference from above.
        queued
    }

    /// The `work_struct` of the `T` at `ptr` (`OFFSET` is that of a
    /// `Work<T, ID>`, a transparent wrapper of the `work_struct`).
    fn raw_work(ptr: *const T) -> *mut bindings::work_struct {
        crate::compat::field_of(ptr, <T as HasWork<ID>>::OFFSET)
    }

    /// Cancels pending work (dropping the queue's reference) and waits for a
    /// running callback to return.
    ///
    /// Returns `true` if the work was pending. Must not be called from the
    /// work's own callback. Task context: it sleeps until the callback ends.
    pub(crate) fn cancel_sync(&self, task: &Task) -> bool {
        crate::ctx::might_sleep!(task);
        // SAFETY: The work is initialised (type invariant).
        let was_pending = unsafe { bindings::cancel_work_sync(self.work.get()) };
        if was_pending {
            let this =
                crate::compat::container_of::<T, _>(self.work.get(), <T as HasWork<ID>>::OFFSET);
            // SAFETY: It was pending, so it was queued by `enqueue`, which gave
            // the queue the reference made by `Arc::into_raw` on the `T` that
            // embeds this work (type invariant); it is ours now.
            drop(unsafe { Arc::from_raw(this) });
        }
        was_pending
    }

    /// Called by a worker to run the work.
    ///
    /// # Safety
    ///
    /// `work` must be the `work_struct` of a `Work<T, ID>` that was queued by
    /// [`Self::enqueue`].
    unsafe extern "C" fn trampoline(work: *mut bindings::work_struct) {
        let this = crate::compat::container_of::<T, _>(work, <T as HasWork<ID>>::OFFSET);
        // SAFETY: The work ran because it was queued by `enqueue`, which gave
        // the queue the reference made by `Arc::into_raw` on the `T` that
        // embeds `work` (type invariant); the callback takes it over.
        let this = unsafe { Arc::from_raw(this) };
        // SAFETY: This is the trampoline; `enqueue` put the item on a queue
        // of the callback's context.
        let mut ctx = unsafe { <T::Context as WorkContext>::enter() };
        let _cov = ctx.coverage();
        <T as WorkCallback<ID>>::run(this, &mut ctx)
    }
}
