// SPDX-License-Identifier: GPL-2.0

//! `irq_work`: run a callback in hardirq context, queued from anywhere.
//!
//! [`IrqWork::queue`] on x86 raises a self-IPI, so the callback runs in
//! hardirq context on the queuing CPU soon after, interrupting the task that
//! queued it (which is then `current` in the callback). Dropping the item
//! waits for a running callback (`irq_work_sync()`).
//!
//! C header: [`include/linux/irq_work.h`](srctree/include/linux/irq_work.h)

use crate::bindings;
use core::marker::PhantomData;
use kernel::{init::PinInit, prelude::*, types::Opaque};

/// Implemented by the container to run its [`IrqWork`].
pub(crate) trait IrqWorkCallback {
    /// Runs in hardirq context: must not sleep.
    fn run(this: &Self);
}

/// A container that embeds an [`IrqWork`] of itself.
///
/// # Safety
///
/// `OFFSET` must be the offset in bytes of an `IrqWork<Self>` field of `Self`.
pub(crate) unsafe trait HasIrqWork: Sized {
    /// Offset of the [`IrqWork`] field.
    const OFFSET: usize;
}

/// Implements [`HasIrqWork`] for a struct field.
macro_rules! impl_has_irq_work {
    ($type:ty, $field:ident) => {
        // SAFETY: The offset is that of the `IrqWork<Self>` field `$field`,
        // which the function below checks.
        unsafe impl $crate::compat::irq_work::HasIrqWork for $type {
            const OFFSET: usize = {
                fn _check(t: &$type) -> &$crate::compat::irq_work::IrqWork<$type> {
                    &t.$field
                }
                ::core::mem::offset_of!($type, $field)
            };
        }
    };
}
pub(crate) use impl_has_irq_work;

/// A `struct irq_work` that calls back into `T`.
///
/// # Invariants
///
/// `work` was set up by `init_irq_work()` with [`Self::trampoline`] and is
/// embedded in a `T` at `T::OFFSET`.
#[repr(transparent)]
#[pin_data(PinnedDrop)]
pub(crate) struct IrqWork<T> {
    #[pin]
    work: Opaque<bindings::irq_work>,
    _t: PhantomData<T>,
}

// SAFETY: The C irq_work API may be used from any thread.
unsafe impl<T: Sync> Send for IrqWork<T> {}
// SAFETY: All methods take `&self` and the C API serialises them itself.
unsafe impl<T: Sync> Sync for IrqWork<T> {}

impl<T: HasIrqWork + IrqWorkCallback + Sync> IrqWork<T> {
    /// Initialises an idle item.
    pub(crate) fn new() -> impl PinInit<Self> {
        // INVARIANT: Initialised with the trampoline; placed by `HasIrqWork`.
        pin_init!(Self {
            work <- Opaque::ffi_init(|slot| {
                // SAFETY: `slot` is valid for writes and pinned.
                unsafe { bindings::irqctx_init_irq_work(slot, Some(Self::trampoline)) }
            }),
            _t: PhantomData,
        })
    }

    /// Queues the callback on this CPU; `false` if it was already pending.
    pub(crate) fn queue(&self) -> bool {
        // SAFETY: The item is initialised (type invariant).
        unsafe { bindings::irq_work_queue(self.work.get()) }
    }

    /// Waits until the callback is neither pending nor running. Process
    /// context only.
    pub(crate) fn sync(&self) {
        // SAFETY: The item is initialised (type invariant).
        unsafe { bindings::irq_work_sync(self.work.get()) }
    }

    /// Called by the irq_work code in hardirq context.
    ///
    /// # Safety
    ///
    /// `work` must be the `irq_work` of a live `IrqWork<T>`.
    unsafe extern "C" fn trampoline(work: *mut bindings::irq_work) {
        // SAFETY: By the type invariant `work` is embedded in a `T`, which
        // outlives the callback because dropping the item syncs with it.
        let this = unsafe { &*work.cast::<u8>().sub(T::OFFSET).cast::<T>() };
        T::run(this)
    }
}

#[pinned_drop]
impl<T> PinnedDrop for IrqWork<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: The item is initialised (type invariant).
        unsafe { bindings::irq_work_sync(self.work.get()) };
    }
}
