// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions irqctx needs that 7.3's `kernel` crate lacks, or
//! lacks in a form irqctx can use; each row says what it waits for.
//!
//! | here           | waits for                                                     |
//! |----------------|---------------------------------------------------------------|
//! | [`miscdevice`] | `kernel::miscdevice` with `read`/`write` on user slices and `poll` (7.3: `read_iter`/`write_iter`, no `poll`) |
//! | [`poll`]       | a condition-based `kernel::sync::poll::PollCondVar` wait (7.3's waits need a lock guard) |
//! | [`workqueue`]  | `kernel::workqueue` with `cancel_work_sync()`                 |
//! | [`irq_work`]   | a `kernel::irq_work` (none upstream)                          |
//! | [`irq`]        | a safe `kernel::irq::ThreadedRegistration::new()` for `'static` handlers, owning its PCI vectors |
//! | [`pci`]        | `kernel::pci` with `pci_disable_device()`, the domain, any vendor's ID entry, and probe data |
//! | [`debugfs`]    | `kernel::debugfs` with an owner in its `file_operations` (7.3's have none: an open file does not pin the module, and closing it after `rmmod` reads freed `file_operations`) |
//! | [`clock`]      | a public `Instant::as_nanos()`, `sched_clock()`, `jiffies`    |
//! | [`cpu`]        | context predicates, `current`'s name and switches, stacks     |
//! | [`params`]     | `module!` parameters in sysfs, and string ones                |
//!
//! Gone to upstream with the move to 7.3: `spinlock_irq` (`kernel::sync::SpinLockIrq`),
//! `hrtimer` (`kernel::time::hrtimer`), `delay` (`kernel::time::delay::fsleep`), and
//! most of `pci` and `irq` (`kernel::pci::{Driver, Bar, IrqVectorRegistration}`,
//! `kernel::devres::Devres`, `kernel::irq::ThreadedRegistration`).

pub(crate) mod clock;
pub(crate) mod cpu;
pub(crate) mod debugfs;
pub(crate) mod irq;
pub(crate) mod irq_work;
pub(crate) mod miscdevice;
pub(crate) mod params;
pub(crate) mod pci;
pub(crate) mod poll;
pub(crate) mod workqueue;

use core::pin::Pin;
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

/// The C `struct lock_class_key` of `key` (kept as the one place irqctx
/// takes it; in 7.3 `static_lock_class!()` yields a pinned static key and
/// `LockClassKey::as_ptr()` is public).
pub(crate) fn lock_class_key_ptr(
    key: Pin<&'static LockClassKey>,
) -> *mut crate::bindings::lock_class_key {
    key.get_ref().as_ptr()
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
