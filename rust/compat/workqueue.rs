// SPDX-License-Identifier: GPL-2.0

//! Work items embedded in a long-lived container, with cancellation.
//!
//! 6.12's `kernel::workqueue::Work` hands an `Arc` or `Box` to the queue and
//! cannot be cancelled. Here a [`Work`] lives inside a pinned container `T`
//! and [`WorkCallback::run`] gets `&T`; [`Work::cancel_sync`] (also run on
//! drop) removes pending work and waits for a running callback, which is what
//! a driver needs on unload (`cancel_work_sync()`).
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h)

use crate::bindings;
use core::marker::PhantomData;
use kernel::{init::PinInit, prelude::*, sync::LockClassKey, types::Opaque, workqueue::Queue};

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
    /// Called in process context by a worker thread (or in softirq context
    /// for a BH workqueue, where it must not sleep).
    fn run(this: &Self);
}

/// A container that embeds a [`Work`] of itself with id `ID`.
///
/// # Safety
///
/// `OFFSET` must be the offset in bytes of a `Work<Self, ID>` field of `Self`.
pub(crate) unsafe trait HasWork<const ID: u64 = 0>: Sized {
    /// Offset of the [`Work`] field.
    const OFFSET: usize;
}

/// Implements [`HasWork`] for a struct field.
macro_rules! impl_has_work {
    ($type:ty, $id:literal, $field:ident) => {
        // SAFETY: The offset is that of the `Work<Self, $id>` field `$field`,
        // which the type annotation below checks.
        unsafe impl $crate::compat::workqueue::HasWork<$id> for $type {
            const OFFSET: usize = {
                fn _check(t: &$type) -> &$crate::compat::workqueue::Work<$type, $id> {
                    &t.$field
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
/// at `<T as HasWork<ID>>::OFFSET`.
#[repr(transparent)]
#[pin_data(PinnedDrop)]
pub(crate) struct Work<T, const ID: u64 = 0> {
    #[pin]
    work: Opaque<bindings::work_struct>,
    _t: PhantomData<T>,
}

// SAFETY: The C workqueue API may be used from any thread.
unsafe impl<T: Sync, const ID: u64> Send for Work<T, ID> {}
// SAFETY: All methods take `&self` and the C API serialises them itself.
unsafe impl<T: Sync, const ID: u64> Sync for Work<T, ID> {}

impl<T: HasWork<ID> + WorkCallback<ID> + Sync, const ID: u64> Work<T, ID> {
    /// Initialises an idle work item.
    pub(crate) fn new(name: &'static CStr, key: &'static LockClassKey) -> impl PinInit<Self> {
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
                        crate::compat::lock_class_key_ptr(key),
                    )
                }
            }),
            _t: PhantomData,
        })
    }

    /// Queues the work on `queue`; returns `false` if it was already pending
    /// (the pending run will see whatever this caller wanted to hand over).
    pub(crate) fn queue(&self, queue: &Queue) -> bool {
        let queue = core::ptr::from_ref(queue)
            .cast_mut()
            .cast::<bindings::workqueue_struct>();
        // SAFETY: `Queue` wraps a live `workqueue_struct`; the work is
        // initialised (type invariant).
        unsafe {
            bindings::queue_work_on(
                bindings::wq_misc_consts_WORK_CPU_UNBOUND as i32,
                queue,
                self.work.get(),
            )
        }
    }

    /// Cancels pending work and waits for a running callback to return.
    ///
    /// Returns `true` if the work was pending. Must not be called from the
    /// work's own callback.
    pub(crate) fn cancel_sync(&self) -> bool {
        // SAFETY: The work is initialised (type invariant).
        unsafe { bindings::cancel_work_sync(self.work.get()) }
    }

    /// Called by a worker to run the work.
    ///
    /// # Safety
    ///
    /// `work` must be the `work_struct` of a live `Work<T, ID>`.
    unsafe extern "C" fn trampoline(work: *mut bindings::work_struct) {
        // SAFETY: By the type invariant `work` is embedded in a `T` at the
        // offset, and `T` outlives every run because dropping the work item
        // cancels it and waits.
        let this = unsafe {
            &*work
                .cast::<u8>()
                .sub(<T as HasWork<ID>>::OFFSET)
                .cast::<T>()
        };
        <T as WorkCallback<ID>>::run(this)
    }
}

#[pinned_drop]
impl<T, const ID: u64> PinnedDrop for Work<T, ID> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: The work is initialised (type invariant).
        unsafe { bindings::cancel_work_sync(self.work.get()) };
    }
}
