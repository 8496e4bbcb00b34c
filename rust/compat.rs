// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions irqctx needs that 7.3's `kernel` crate lacks, or
//! lacks in a form irqctx can use; each row says what it waits for.
//!
//! | here           | waits for                                                     |
//! |----------------|---------------------------------------------------------------|
//! | [`miscdevice`] | `kernel::miscdevice` with `read`/`write` on user slices and `poll` (7.3: `read_iter`/`write_iter`, no `poll`); `RegistrationData` as Schrefl's posted series names it |
//! | [`poll`]       | a condition-based `kernel::sync::poll::PollCondVar` wait (7.3's waits need a lock guard) |
//! | [`workqueue`]  | `kernel::workqueue` with `cancel_work_sync()` (Krummrich's posted `ScopedWork`) |
//! | [`irq_work`]   | a `kernel::irq_work` (none upstream, none posted)             |
//! | [`irq`]        | a safe `kernel::irq::ThreadedRegistration::new()` for `'static` handlers, owning its PCI vectors |
//! | [`pci`]        | `kernel::pci` with `domain_nr()` and `enable_device()` -> `DeviceEnableGuard` (seen in a post-7.3 tree), `pci_intx()`, any vendor's ID entry, and probe data |
//! | [`debugfs`]    | `kernel::debugfs` with an owner in its `file_operations` (7.3's have none: an open file does not pin the module, and closing it after `rmmod` reads freed `file_operations`); its trait is named as 7.3's `Writer` |
//! | [`clock`]      | a public `Instant::as_nanos()`, `sched_clock()`, `jiffies`    |
//! | [`cpu`]        | context predicates, `current`'s name and switches, stacks     |
//! | [`kcov`]       | a `kernel::kcov` for remote coverage (none upstream, none posted) |
//! | [`params`]     | `module!` parameters in sysfs, and string ones (Wood's posted `StringParam`) |
//!
//! Taken from 7.3 instead of kept here: `this_module()` for the owner of
//! `file_operations`, `LockClassKey::as_ptr()`, `container_of!` (where a
//! field is named: the work items' offsets are upstream's `HasWork` way),
//! `workqueue::system_bh()`, `fs::File`/`LocalFile` and their `flags()`,
//! `cpu::CpuId::current()`.
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
pub(crate) mod kcov;
pub(crate) mod miscdevice;
pub(crate) mod params;
pub(crate) mod pci;
pub(crate) mod poll;
pub(crate) mod workqueue;

/// `THIS_MODULE`, as a constant for the `owner` of
/// constant `file_operations`: a file whose operations name an owner pins
/// that module while it is open, so `rmmod` fails with "in use" instead of
/// freeing code that the file's `release()` would still run. 7.3's
/// `this_module()`, as its `miscdevice` sets `owner`.
pub(crate) const THIS_MODULE: *mut crate::bindings::module =
    kernel::module::this_module::<crate::LocalModule>().as_ptr();

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
