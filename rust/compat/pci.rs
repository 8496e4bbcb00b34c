// SPDX-License-Identifier: GPL-2.0

//! PCI drivers: registration, probe/remove, and RAII for what probe acquires.
//!
//! A [`Driver`] is registered by a pinned [`Registration`], which also owns
//! data shared by all bound devices (handed to `probe`). `probe` returns the
//! per-device data, kept in `drvdata` until `remove` drops it. The guards
//! [`EnabledDevice`], [`Region`], [`IoMem`] and [`IrqVectors`] undo in their
//! `Drop` what they acquired, so a driver releases everything in reverse
//! order by declaring its fields in that order.
//!
//! A [`Device`] is a counted reference (`pci_dev_get()`/`pci_dev_put()`,
//! like upstream's `ARef<pci::Device>`): whatever safe code keeps, the
//! `struct pci_dev` outlives it. Probe is the only place that gets one, and
//! the guards made from it keep their own. The ID table is built by
//! [`IdTable::new`], which adds the terminating all-zero entry itself.
//!
//! C header: [`include/linux/pci.h`](srctree/include/linux/pci.h)

use crate::bindings;
use core::{marker::PhantomData, mem::offset_of};
use kernel::{
    error::{code::EINVAL, to_result},
    prelude::*,
    types::{ForeignOwnable, Opaque},
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

/// `EINVAL` unless `bar` is the index of a standard BAR (0 to 5).
fn bar_index(bar: i32) -> Result {
    if (0..bindings::PCI_STD_NUM_BARS as i32).contains(&bar) {
        Ok(())
    } else {
        Err(EINVAL)
    }
}

/// A reference to a PCI device, handed to [`Driver::probe`].
///
/// # Invariants
///
/// `pdev` is a valid `struct pci_dev` on which this value owns one reference
/// (`pci_dev_get()`), dropped by `pci_dev_put()` in `drop`.
pub(crate) struct Device {
    pdev: *mut bindings::pci_dev,
}

// SAFETY: The C PCI API may be used from any thread; the reference count is
// atomic.
unsafe impl Send for Device {}
// SAFETY: `&Device` only allows C calls that serialise internally
// (`pci_name()` reads an immutable string).
unsafe impl Sync for Device {}

impl Clone for Device {
    fn clone(&self) -> Self {
        // SAFETY: The device is valid (type invariant); the new value owns the
        // new reference.
        unsafe { bindings::pci_dev_get(self.pdev) };
        // INVARIANT: One more reference, owned by the new value.
        Self { pdev: self.pdev }
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // SAFETY: We own one reference (type invariant).
        unsafe { bindings::pci_dev_put(self.pdev) };
    }
}

impl Device {
    /// Where the device sits: its domain, bus and devfn (what `pci_name()`
    /// prints as `0000:00:02.0`).
    pub(crate) fn location(&self) -> PciAddr {
        // SAFETY: The device is valid (type invariant), and so is its bus.
        let packed = unsafe { bindings::irqctx_pci_location(self.pdev) };
        PciAddr {
            domain: (packed >> 16) as u32,
            bus: (packed >> 8) as u8,
            devfn: packed as u8,
        }
    }

    /// `pci_name()`, e.g. `0000:00:02.0`.
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: The device is valid (type invariant); its name is a
        // NUL-terminated string that lives as long as the device.
        unsafe { CStr::from_char_ptr(bindings::irqctx_pci_name(self.pdev)) }
    }

    /// Enables the device (`pci_enable_device()`), disabled on drop.
    pub(crate) fn enable(&self) -> Result<EnabledDevice> {
        // SAFETY: The device is valid (type invariant).
        to_result(unsafe { bindings::pci_enable_device(self.pdev) })?;
        Ok(EnabledDevice(self.clone()))
    }

    /// Claims BAR `bar` (`pci_request_region()`), released on drop;
    /// `EINVAL` for an index that is not a BAR's.
    pub(crate) fn request_region(&self, bar: i32, name: &'static CStr) -> Result<Region> {
        bar_index(bar)?;
        // SAFETY: The device is valid, `bar` a BAR index; `name` lives
        // forever.
        to_result(unsafe { bindings::pci_request_region(self.pdev, bar, name.as_char_ptr()) })?;
        Ok(Region {
            dev: self.clone(),
            bar,
        })
    }

    /// Maps the first `len` bytes of BAR `bar`, unmapped on drop. `EINVAL`
    /// for an index that is not a BAR's, or a BAR shorter than `len`:
    /// `pci_iomap()` maps at most the BAR, whatever length it is asked for.
    pub(crate) fn iomap(&self, bar: i32, len: usize) -> Result<IoMem> {
        bar_index(bar)?;
        // SAFETY: The device is valid (type invariant), `bar` a BAR index.
        let bar_len = unsafe { bindings::irqctx_pci_resource_len(self.pdev, bar) };
        if len == 0 || (bar_len as usize) < len {
            return Err(EINVAL);
        }
        // SAFETY: The device is valid (type invariant), `bar` a BAR index.
        let addr = unsafe { bindings::pci_iomap(self.pdev, bar, len as kernel::ffi::c_ulong) };
        if addr.is_null() {
            return Err(ENOMEM);
        }
        // INVARIANT: `addr` maps `min(len, bar_len)` = `len` bytes.
        Ok(IoMem {
            dev: self.clone(),
            addr,
            len,
        })
    }

    /// Allocates exactly one interrupt vector of a kind in `flags`
    /// (`PCI_IRQ_MSI`, `PCI_IRQ_INTX`), freed on drop.
    pub(crate) fn alloc_irq_vector(&self, flags: u32) -> Result<IrqVectors> {
        // SAFETY: The device is valid (type invariant).
        let n = unsafe { bindings::pci_alloc_irq_vectors(self.pdev, 1, 1, flags) };
        to_result(n)?;
        // SAFETY: The device is valid, and `pci_alloc_irq_vectors()` just
        // allocated vector 0.
        let irq = unsafe { bindings::pci_irq_vector(self.pdev, 0) };
        to_result(irq)?;
        Ok(IrqVectors {
            dev: self.clone(),
            irq: irq as u32,
        })
    }
}

/// An enabled device; `pci_disable_device()` on drop.
pub(crate) struct EnabledDevice(Device);

impl EnabledDevice {
    /// Lets the device master the bus (`pci_set_master()`): needed for DMA
    /// and for MSI, which is a memory write by the device. Undone on drop.
    pub(crate) fn set_master(&self) {
        // SAFETY: The device is enabled and bound.
        unsafe { bindings::pci_set_master(self.0.pdev) };
    }

    /// Lets the device assert its legacy INTx line, or not: the INTx
    /// Disable bit of its command register (`pci_intx()`). Not undone on
    /// drop.
    pub(crate) fn set_intx(&self, enable: bool) {
        // SAFETY: The device is enabled and bound.
        unsafe { bindings::pci_intx(self.0.pdev, enable.into()) };
    }
}

impl Drop for EnabledDevice {
    fn drop(&mut self) {
        // SAFETY: Enabled by `Device::enable`, still bound.
        unsafe {
            bindings::pci_clear_master(self.0.pdev);
            bindings::pci_disable_device(self.0.pdev);
        }
    }
}

/// A claimed BAR; `pci_release_region()` on drop.
pub(crate) struct Region {
    dev: Device,
    bar: i32,
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: Claimed by `Device::request_region`, still bound.
        unsafe { bindings::pci_release_region(self.dev.pdev, self.bar) };
    }
}

/// Allocated interrupt vectors; `pci_free_irq_vectors()` on drop, which must
/// come after the interrupt was freed.
pub(crate) struct IrqVectors {
    dev: Device,
    irq: u32,
}

impl IrqVectors {
    /// The Linux interrupt number of vector 0.
    pub(crate) fn irq(&self) -> u32 {
        self.irq
    }
}

impl Drop for IrqVectors {
    fn drop(&mut self) {
        // SAFETY: Allocated by `Device::alloc_irq_vector`, still bound.
        unsafe { bindings::pci_free_irq_vectors(self.dev.pdev) };
    }
}

/// A mapped MMIO window, accessed 32 bits at a time.
///
/// # Invariants
///
/// `addr` maps `len` bytes of a BAR of `dev` until `drop`.
pub(crate) struct IoMem {
    dev: Device,
    addr: *mut kernel::ffi::c_void,
    len: usize,
}

// SAFETY: MMIO accessors may be used from any context and thread.
unsafe impl Send for IoMem {}
// SAFETY: `&IoMem` only allows single 32-bit MMIO accesses, which any
// context may make concurrently.
unsafe impl Sync for IoMem {}

impl IoMem {
    fn check(&self, offset: usize) -> Result<*mut kernel::ffi::c_void> {
        if offset % 4 != 0 || offset.checked_add(4).is_none_or(|end| end > self.len) {
            return Err(EINVAL);
        }
        // SAFETY: In bounds of the mapping (checked above).
        Ok(unsafe { self.addr.cast::<u8>().add(offset).cast() })
    }

    /// `ioread32()` at `offset`; `EINVAL` outside the window.
    pub(crate) fn read32(&self, offset: usize) -> Result<u32> {
        let addr = self.check(offset)?;
        // SAFETY: `addr` is an aligned address inside the mapping.
        Ok(unsafe { bindings::ioread32(addr) })
    }

    /// `iowrite32()` at `offset`; `EINVAL` outside the window.
    pub(crate) fn write32(&self, value: u32, offset: usize) -> Result {
        let addr = self.check(offset)?;
        // SAFETY: `addr` is an aligned address inside the mapping.
        unsafe { bindings::iowrite32(value, addr) };
        Ok(())
    }
}

impl Drop for IoMem {
    fn drop(&mut self) {
        // SAFETY: Mapped by `Device::iomap` (type invariant), still bound.
        unsafe { bindings::pci_iounmap(self.dev.pdev, self.addr) };
    }
}

/// One entry of an [`IdTable`]: a vendor and device ID, any subsystem.
#[derive(Clone, Copy)]
pub(crate) struct DeviceId {
    vendor: u32,
    device: u32,
}

impl DeviceId {
    /// Matches `vendor:device`, any subvendor and subdevice
    /// (`PCI_DEVICE(vendor, device)` in C).
    pub(crate) const fn new(vendor: u32, device: u32) -> Self {
        Self { vendor, device }
    }
}

/// The all-zero entry that ends an ID table.
const ID_TERMINATOR: bindings::pci_device_id = bindings::pci_device_id {
    vendor: 0,
    device: 0,
    subvendor: 0,
    subdevice: 0,
    class: 0,
    class_mask: 0,
    driver_data: 0,
    override_only: 0,
};

/// The devices a driver binds to: `N` entries and the all-zero terminator
/// the PCI core looks for, laid out as one C array.
#[repr(C)]
pub(crate) struct IdTable<const N: usize> {
    ids: [bindings::pci_device_id; N],
    terminator: bindings::pci_device_id,
}

impl<const N: usize> IdTable<N> {
    /// A table of `ids`, terminated.
    pub(crate) const fn new(ids: [DeviceId; N]) -> Self {
        let mut raw = [ID_TERMINATOR; N];
        let mut i = 0;
        while i < N {
            raw[i].vendor = ids[i].vendor;
            raw[i].device = ids[i].device;
            raw[i].subvendor = !0;
            raw[i].subdevice = !0;
            i += 1;
        }
        Self {
            ids: raw,
            terminator: ID_TERMINATOR,
        }
    }

    /// The table as [`Driver::ID_TABLE`] takes it.
    pub(crate) const fn as_ref(&'static self) -> IdTableRef {
        // INVARIANT: `ids` is followed by `terminator` (`repr(C)`, same type,
        // no padding between array elements), in a static.
        IdTableRef(core::ptr::addr_of!(self.ids).cast())
    }
}

/// A terminated, static `pci_device_id` array.
///
/// # Invariants
///
/// Points to a static array ending in an all-zero entry.
#[derive(Clone, Copy)]
pub(crate) struct IdTableRef(*const bindings::pci_device_id);

// SAFETY: A pointer to immutable static data.
unsafe impl Sync for IdTableRef {}

/// A PCI driver.
pub(crate) trait Driver {
    /// Data shared by all devices, owned by the [`Registration`]. `'static`:
    /// a leaked registration keeps the driver, and so its probes, for ever
    /// (`tests/ui/pci_data_borrows.rs`).
    type RegistrationData: Send + Sync + 'static;
    /// Per-device data, kept from `probe` until `remove`.
    type Data: Send + Sync + 'static;

    /// The devices this driver binds to.
    const ID_TABLE: IdTableRef;

    /// Binds to `dev`.
    fn probe(shared: &Self::RegistrationData, dev: Device) -> Result<Pin<KBox<Self::Data>>>;

    /// Unbinds; dropping `data` releases the device.
    fn remove(data: Pin<KBox<Self::Data>>) {
        drop(data);
    }
}

/// A registered PCI driver (`pci_unregister_driver()` on drop, which
/// removes every bound device first).
///
/// # Invariants
///
/// `driver` is registered, pinned, until `drop`.
#[pin_data(PinnedDrop)]
pub(crate) struct Registration<T: Driver> {
    #[pin]
    driver: Opaque<bindings::pci_driver>,
    data: T::RegistrationData,
    _t: PhantomData<T>,
}

// SAFETY: Only used to unregister, from any thread.
unsafe impl<T: Driver> Send for Registration<T> {}
// SAFETY: `&self` only gives `&RegistrationData`, which is `Sync`.
unsafe impl<T: Driver> Sync for Registration<T> {}

impl<T: Driver> Registration<T> {
    /// Registers the driver as `name`; `probe` may run before this returns.
    pub(crate) fn register(
        name: &'static CStr,
        data: T::RegistrationData,
    ) -> impl PinInit<Self, Error> {
        // SAFETY: On success every field is initialised and the driver is
        // registered from its final place; on failure `data` is dropped.
        unsafe {
            pin_init::pin_init_from_closure(move |slot: *mut Self| {
                core::ptr::addr_of_mut!((*slot).data).write(data);
                core::ptr::addr_of_mut!((*slot)._t).write(PhantomData);
                let drv = Opaque::cast_into(core::ptr::addr_of!((*slot).driver));
                drv.write(bindings::pci_driver {
                    name: name.as_char_ptr(),
                    id_table: T::ID_TABLE.0,
                    probe: Some(Self::probe_callback),
                    remove: Some(Self::remove_callback),
                    ..Default::default()
                });
                // INVARIANT: Registered from its pinned place.
                let ret = to_result(bindings::__pci_register_driver(
                    drv,
                    bindings::irqctx_this_module(),
                    name.as_char_ptr(),
                ));
                if ret.is_err() {
                    core::ptr::drop_in_place(core::ptr::addr_of_mut!((*slot).data));
                }
                ret
            })
        }
    }

    /// # Safety
    ///
    /// Called by the PCI core with a device matching `ID_TABLE`.
    unsafe extern "C" fn probe_callback(
        pdev: *mut bindings::pci_dev,
        _id: *const bindings::pci_device_id,
    ) -> i32 {
        // SAFETY: While probing, `pdev->driver` is our registered driver,
        // the `driver` field of a live `Registration`.
        let reg = unsafe {
            &*crate::compat::container_of::<Self, _>(
                bindings::irqctx_pci_driver_of(pdev),
                offset_of!(Self, driver),
            )
        };
        // SAFETY: `pdev` is valid during probe.
        unsafe { bindings::pci_dev_get(pdev) };
        // INVARIANT: The new value owns the reference just taken.
        match T::probe(&reg.data, Device { pdev }) {
            Ok(data) => {
                // SAFETY: `pdev` is valid; drvdata is ours until `remove`.
                unsafe { bindings::irqctx_pci_set_drvdata(pdev, data.into_foreign()) };
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by the PCI core for a device `probe` succeeded on.
    unsafe extern "C" fn remove_callback(pdev: *mut bindings::pci_dev) {
        // SAFETY: drvdata was set from `into_foreign()` in `probe`; this is
        // its last use.
        let data =
            unsafe { Pin::<KBox<T::Data>>::from_foreign(bindings::irqctx_pci_get_drvdata(pdev)) };
        T::remove(data);
    }
}

#[pinned_drop]
impl<T: Driver> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: Registered (type invariant); this removes bound devices.
        unsafe { bindings::pci_unregister_driver(self.driver.get()) };
    }
}
