// SPDX-License-Identifier: GPL-2.0

//! `irq_work`: run a callback in hardirq context, queued from anywhere.
//!
//! [`IrqWork::run_sync`] queues the item, which on x86 raises a self-IPI, so
//! the callback runs in hardirq context on the queuing CPU soon after,
//! interrupting the task that queued it (which is then `current` in the
//! callback); it then waits for the callback (`irq_work_sync()`). The item is
//! only ever queued inside that scope, which borrows the container: the
//! callback can never outlive it, whatever else the container's owner does.
//!
//! Waits for: a `kernel::irq_work` (none in 7.3, none posted).
//!
//! C header: [`include/linux/irq_work.h`](srctree/include/linux/irq_work.h)

use crate::bindings;
use crate::ctx::{HardIrq, Task};
use core::marker::PhantomData;
use kernel::{prelude::*, sync::ArcBorrow, types::Opaque};

/// Implemented by the container to run its [`IrqWork`].
pub(crate) trait IrqWorkCallback {
    /// Runs as a top half ([`HardIrq`]): must not sleep.
    fn run(this: ArcBorrow<'_, Self>, irq: &mut HardIrq);
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
        // which the projection below checks.
        unsafe impl $crate::compat::irq_work::HasIrqWork for $type {
            const OFFSET: usize = {
                // A raw-pointer projection: no deref coercion applies, so
                // a field that only points to an `IrqWork` is refused
                // (tests/ui/irq_work_field_boxed.rs).
                fn _check(ptr: *const $type) -> *const $crate::compat::irq_work::IrqWork<$type> {
                    // SAFETY: Never called: only the types are checked.
                    unsafe { ::core::ptr::addr_of!((*ptr).$field) }
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
/// embedded in a `T` at `T::OFFSET`, inside an `Arc`. It is only queued by
/// [`IrqWork::run_sync`], which holds a borrow of that `Arc` until the
/// callback has returned.
#[repr(transparent)]
#[pin_data]
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

    /// Queues `this`'s item on this CPU, runs `during` (the callback may run
    /// meanwhile, or be held off if `during` disables interrupts), then waits
    /// until the callback is neither pending nor running. Returns whether this
    /// call queued the item: `false` if it was already pending, queued by
    /// another `run_sync` whose callback this one waited for.
    ///
    /// Task context (`irq_work_sync()` may sleep), lent to `during`.
    pub(crate) fn run_sync(
        this: ArcBorrow<'_, T>,
        task: &mut Task,
        during: impl FnOnce(&mut Task),
    ) -> bool {
        let work = crate::compat::field_of::<T, bindings::irq_work>(&*this, T::OFFSET);
        // SAFETY: The item is initialised (type invariant); `this` borrows its
        // container until the sync below.
        let queued = unsafe { bindings::irq_work_queue(work) };
        during(task);
        crate::ctx::might_sleep!(task);
        // SAFETY: The item is initialised (type invariant). Once this returns the
        // callback neither runs nor is pending, so `this` may go.
        unsafe { bindings::irq_work_sync(work) };
        queued
    }

    /// Called by the irq_work code in hardirq context.
    ///
    /// # Safety
    ///
    /// `work` must be the `irq_work` of an `IrqWork<T>` queued by
    /// [`Self::run_sync`].
    unsafe extern "C" fn trampoline(work: *mut bindings::irq_work) {
        let this = crate::compat::container_of::<T, _>(work, T::OFFSET);
        // SAFETY: By the type invariant `work` is embedded in a `T` inside an
        // `Arc`, borrowed by the `run_sync` that queued it until after this
        // callback returns, so the count cannot reach zero meanwhile.
        let this = unsafe { ArcBorrow::from_raw(this) };
        // SAFETY: irq_work callbacks run as top halves: in hardirq context,
        // or on PREEMPT_RT (an item without `IRQ_WORK_HARD_IRQ`, as this one)
        // in the CPU's irq_work thread, which `HardIrq` allows for.
        T::run(this, &mut unsafe { HardIrq::assume() })
    }
}
