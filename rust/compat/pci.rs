// SPDX-License-Identifier: GPL-2.0

//! What irqctx's edu driver needs beside 7.3's `kernel::pci`.
//!
//! The driver itself is upstream's: `pci::Driver`, with `Bar` and `Devres`
//! for the registers and `IrqVectorRegistration` for the interrupt vectors.
//! What is missing there is here, named as upstream's posted changes name
//! it where there are any (a `domain_nr()` accessor, an `enable_device()`
//! returning a `DeviceEnableGuard`, seen in a post-7.3 tree and its EDU
//! sample, not yet merged):
//!
//! * [`DeviceExt::domain_nr`]: the domain a record names (7.3's `Device`
//!   has `dev_id()`, bus and devfn, but no domain);
//! * [`CoreDeviceExt::enable_device`]: `pci_enable_device()` undone by
//!   `pci_disable_device()` when its [`DeviceEnableGuard`] drops, and the
//!   INTx Disable bit (`pci_intx()`, nothing upstream);
//! * [`probe_context!`]: a value of the module's own that every `probe`
//!   reads. Upstream's `probe` gets the device and its ID table entry, which
//!   is `'static`; irqctx's devices record into the module's event ring,
//!   made at load time;
//! * [`TaskDriver`]: a `pci::Driver` whose `probe` and `unbind` are handed
//!   the task token ([`Task`]) once, by [`TaskAdapter`], as every other entry
//!   point of the module is: no safe call can mint a second one inside an
//!   atomic section of a bus callback.
//!
//! C header: [`include/linux/pci.h`](srctree/include/linux/pci.h)

use crate::bindings;
use crate::compat::kcov::Remote;
use crate::ctx::Task;
use core::marker::PhantomData;
use kernel::{
    device::{Bound, Core, DeviceContext},
    pci,
    prelude::*,
};

/// A PCI device's address: domain, bus, device and function.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PciAddr {
    /// The PCI domain (segment).
    pub(crate) domain: u32,
    /// The bus number.
    pub(crate) bus: u8,
    /// Device (bits 7-3) and function (bits 2-0).
    pub(crate) devfn: u8,
}

/// The C `struct pci_dev` of `pdev`, for the calls 7.3 does not wrap.
fn raw<Ctx: DeviceContext>(pdev: &pci::Device<Ctx>) -> *mut bindings::pci_dev {
    // `pci::Device` is `#[repr(transparent)]` over `Opaque<struct pci_dev>`:
    // its address is the C structure's.
    core::ptr::from_ref(pdev).cast_mut().cast()
}

/// What 7.3's `pci::Device` lacks (in every context: they deref to it),
/// named as upstream's posted changes name it.
pub(crate) trait DeviceExt {
    /// The PCI domain (segment) number, as C's `pci_domain_nr()`.
    fn domain_nr(&self) -> u32;

    /// Where the device sits: its domain, bus and devfn (what `pci_name()`
    /// prints as `0000:00:02.0`), from [`Self::domain_nr`] and 7.3's
    /// `dev_id()`.
    fn location(&self) -> PciAddr;
}

impl DeviceExt for pci::Device {
    fn domain_nr(&self) -> u32 {
        // SAFETY: `self` is a valid `struct pci_dev` (the reference's
        // invariant), and so is its bus, which it holds.
        (unsafe { bindings::irqctx_pci_domain_nr(raw(self)) }) as u32
    }

    fn location(&self) -> PciAddr {
        let id = self.dev_id();
        PciAddr {
            domain: self.domain_nr(),
            bus: (id >> 8) as u8,
            devfn: id as u8,
        }
    }
}

/// What 7.3's `pci::Device<Core>` lacks, named as upstream's posted changes
/// name it.
pub(crate) trait CoreDeviceExt {
    /// Enables the device (`pci_enable_device()`, which may sleep: waking a
    /// device from D3 waits for it), until the guard is dropped. 7.3's
    /// `enable_device_mem()` is never undone, so every bind would leave the
    /// enable count one higher.
    fn enable_device(&self, task: &Task) -> Result<DeviceEnableGuard<'_>>;
}

impl CoreDeviceExt for pci::Device<Core<'_>> {
    fn enable_device(&self, _task: &Task) -> Result<DeviceEnableGuard<'_>> {
        // SAFETY: `self` is a valid, bound `struct pci_dev`, in its probe.
        kernel::error::to_result(unsafe { bindings::pci_enable_device(raw(self)) })?;
        // INVARIANT: Enabled just now.
        Ok(DeviceEnableGuard { pdev: self })
    }
}

/// A PCI driver whose bus callbacks get the task token: what
/// [`pci::Driver`] is, for [`TaskAdapter`] to register.
pub(crate) trait TaskDriver {
    /// [`pci::Driver::IdInfo`].
    type IdInfo: 'static;
    /// [`pci::Driver::Data`].
    type Data<'bound>: Send + 'bound;
    /// [`pci::Driver::ID_TABLE`].
    const ID_TABLE: pci::IdTable<Self::IdInfo>;

    /// [`pci::Driver::probe`], in task context: the initialiser may keep
    /// `task`'s borrow (to register what sleeps), and runs before the
    /// token goes.
    fn probe<'bound: 't, 't>(
        dev: &'bound pci::Device<Core<'_>>,
        id_info: Option<&'bound Self::IdInfo>,
        task: &'t Task,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 't;

    /// [`pci::Driver::unbind`], in task context.
    fn unbind<'bound>(
        dev: &'bound pci::Device<Core<'_>>,
        this: Pin<&Self::Data<'bound>>,
        task: &mut Task,
    );
}

/// Registers a [`TaskDriver`] `D` as a [`pci::Driver`]: makes the task token
/// for each bus callback and hands it to `D`'s.
pub(crate) struct TaskAdapter<D>(PhantomData<D>);

impl<D: TaskDriver> pci::Driver for TaskAdapter<D> {
    type IdInfo = D::IdInfo;
    type Data<'bound> = D::Data<'bound>;
    const ID_TABLE: pci::IdTable<Self::IdInfo> = D::ID_TABLE;

    fn probe<'bound>(
        dev: &'bound pci::Device<Core<'_>>,
        id_info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let init = move |slot: *mut Self::Data<'bound>| {
            // SAFETY: The PCI core runs the initialiser in `probe()`: task
            // context, which may sleep (the device lock is a mutex), with no
            // atomic section held; the token lives until `D`'s initialiser
            // has run, within this call.
            let task = unsafe { Task::assume() };
            let _cov = Remote::task(&task);
            // SAFETY: `slot` is valid, uninitialised and pinned (this
            // initialiser's own contract), which is what `D`'s needs.
            unsafe { pin_init::raw_try_init(slot, D::probe(dev, id_info, &task)) }
        };
        // SAFETY: `init` initialises `slot` exactly as `D`'s initialiser
        // does: fully on `Ok`, leaving nothing to drop on `Err`.
        unsafe { pin_init::pin_init_from_closure(init) }
    }

    fn unbind<'bound>(dev: &'bound pci::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        // SAFETY: `unbind()` runs in task context, which may sleep, with no
        // atomic section held; the token lives for this call.
        let mut task = unsafe { Task::assume() };
        let _cov = Remote::task(&task);
        D::unbind(dev, this, &mut task)
    }
}

/// A bound device enabled by [`CoreDeviceExt::enable_device`]; disabled
/// on drop.
///
/// # Invariants
///
/// `pdev` was enabled by `pci_enable_device()`, once for this value.
pub(crate) struct DeviceEnableGuard<'a> {
    pdev: &'a pci::Device<Bound>,
}

impl DeviceEnableGuard<'_> {
    /// Lets the device assert its legacy INTx line, or not: the INTx
    /// Disable bit of its command register (`pci_intx()`). Not undone on
    /// drop.
    pub(crate) fn set_intx(&self, enable: bool) {
        // SAFETY: The device is valid and bound for `'a`.
        unsafe { bindings::pci_intx(raw(self.pdev), enable.into()) };
    }
}

impl Drop for DeviceEnableGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: Enabled once for this value (type invariant), still
        // bound. Disabling also clears bus mastering.
        unsafe { bindings::pci_disable_device(raw(self.pdev)) };
    }
}

/// Declares `$name`, a value every `probe` of a driver reads, which the
/// module sets before it registers the driver and takes back after.
///
/// `$name::set(v, task)`, `$name::get(task)` (a clone, `None` when unset)
/// and `$name::take()` are safe: the value sits in a mutex (upstream's
/// `global_lock!`), initialised by the first `set()`; taking it sleeps, so
/// `set` and `get` ask for the task token.
macro_rules! probe_context {
    ($(#[$meta:meta])* $vis:vis $name:ident: $ty:ty;) => {
        $(#[$meta])*
        $vis struct $name;

        const _: () = {
            use core::sync::atomic::{AtomicU8, Ordering};
            use kernel::{error::code::EBUSY, prelude::*, sync::lock::GlobalGuard};

            kernel::sync::global_lock! {
                // SAFETY: `init()` is called once, by the first `set()` (see
                // `STATE`), before the lock is used.
                unsafe(uninit) static VALUE: Mutex<Option<$ty>> = None;
            }

            /// 0: the lock is not initialised; 1: being initialised; 2: ready.
            static STATE: AtomicU8 = AtomicU8::new(0);

            impl $name {
                /// The lock, or `None` before the first `set()`.
                fn lock() -> Option<GlobalGuard<VALUE>> {
                    (STATE.load(Ordering::Acquire) == 2).then(|| VALUE.lock())
                }

                /// Sets the value; `EBUSY` if another `set()` is initialising.
                /// Task context: the lock is a mutex.
                $vis fn set(value: $ty, _task: &$crate::ctx::Task) -> Result {
                    if STATE
                        .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                    {
                        // SAFETY: Only the one caller that moved `STATE` from
                        // 0 gets here, and no one locks before it is 2.
                        unsafe { VALUE.init() };
                        STATE.store(2, Ordering::Release);
                    }
                    *Self::lock().ok_or(EBUSY)? = Some(value);
                    Ok(())
                }

                /// A copy of the value, `None` if there is none. Task context.
                $vis fn get(_task: &$crate::ctx::Task) -> Option<$ty> {
                    Self::lock()?.clone()
                }

                /// Takes the value out, dropping it outside the lock. Task
                /// context, which a `Drop` cannot prove: the one caller is the
                /// module's teardown (the gap `Documentation/irqctx.rst`
                /// states for every drop).
                $vis fn take() -> Option<$ty> {
                    Self::lock()?.take()
                }
            }
        };
    };
}
pub(crate) use probe_context;

/// The ID table entry of vendor `vendor`, device `device`, any subsystem
/// (C's `PCI_DEVICE()`): 7.3's `pci::Vendor` has only the vendors named in
/// `pci_ids.h`, and QEMU's 0x1234 is not one of them.
pub(crate) const fn device_id(vendor: u16, device: u32) -> pci::DeviceId {
    let id = bindings::pci_device_id {
        vendor: vendor as u32,
        device,
        subvendor: !0,
        subdevice: !0,
        class: 0,
        class_mask: 0,
        driver_data: 0,
        override_only: 0,
    };
    // SAFETY: `pci::DeviceId` is `#[repr(transparent)]` over the C
    // `struct pci_device_id`, with no invariant beyond its fields'.
    unsafe { core::mem::transmute::<bindings::pci_device_id, pci::DeviceId>(id) }
}
