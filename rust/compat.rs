// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions that the 6.12 `kernel` crate does not have yet.
//!
//! Each file has the shape of its later upstream counterpart, so that on a
//! newer kernel the module moves to `kernel::` by changing imports:
//!
//! | here                     | upstream                                 |
//! |--------------------------|------------------------------------------|
//! | [`miscdevice`]           | `kernel::miscdevice` (6.13)              |
//! | [`poll`]                 | `kernel::sync::poll` (6.13)              |
//! | [`hrtimer`]              | `kernel::time::hrtimer` (6.15)           |
//! | [`spinlock_irq`]         | `kernel::sync::SpinLockIrq` (6.16)       |
//! | [`workqueue`]            | `kernel::workqueue` with cancellation    |
//! | [`irq`]                  | `kernel::irq::request` (6.17)            |
//! | [`irq_work`]             | none yet                                 |
//! | [`pci`]                  | `kernel::pci` (6.14), simplified         |
//! | [`debugfs`]              | `kernel::debugfs` (6.17), simplified     |
//! | [`delay`]                | `kernel::time::delay` (6.16)             |

pub(crate) mod debugfs;
pub(crate) mod delay;
pub(crate) mod hrtimer;
pub(crate) mod irq;
pub(crate) mod irq_work;
pub(crate) mod miscdevice;
pub(crate) mod pci;
pub(crate) mod poll;
pub(crate) mod spinlock_irq;
pub(crate) mod workqueue;

use kernel::{sync::LockClassKey, types::Opaque};

// Only the address is used: the layout of `struct module` does not matter.
#[allow(improper_ctypes)]
extern "C" {
    /// This module's `struct module`, emitted by modpost into `irqctx.mod.c`.
    static __this_module: Opaque<crate::bindings::module>;
}

/// `THIS_MODULE`, as a constant for the `owner` of constant
/// `file_operations`: a file whose operations name an owner pins that module
/// while it is open, so `rmmod` fails with "in use" instead of freeing code
/// that the file's `release()` would still run.
pub(crate) const THIS_MODULE: *mut crate::bindings::module =
    core::ptr::addr_of!(__this_module).cast_mut().cast();

/// The C `struct lock_class_key` of `key` (`LockClassKey::as_ptr()` is
/// crate-private in 6.12).
pub(crate) fn lock_class_key_ptr(
    key: &'static LockClassKey,
) -> *mut crate::bindings::lock_class_key {
    // `LockClassKey` is a `#[repr(transparent)]` wrapper around
    // `Opaque<lock_class_key>`, which allows mutation through `&`.
    core::ptr::from_ref(key).cast_mut().cast()
}

/// C's `container_of()`: the `T` whose field at byte `offset` is at `field`.
///
/// The one place irqctx computes it; the result is a raw pointer, valid only
/// if `field` really is that field of a live `T` (each caller says why).
pub(crate) fn container_of<T, F>(field: *const F, offset: usize) -> *const T {
    field.cast::<u8>().wrapping_sub(offset).cast::<T>()
}

/// The inverse of [`container_of`]: the field at byte `offset` of `*this`.
pub(crate) fn field_of<T, F>(this: *const T, offset: usize) -> *mut F {
    this.cast::<u8>()
        .wrapping_add(offset)
        .cast::<F>()
        .cast_mut()
}
