// SPDX-License-Identifier: GPL-2.0

//! Requesting an interrupt line with a hardirq handler and a handler thread.
//!
//! Shaped like upstream's `kernel::irq::ThreadedRegistration`: the handler
//! data lives pinned inside the registration, its address is the `dev_id`
//! cookie, and dropping the registration calls `free_irq()`, which waits for
//! running handlers (hardirq and thread) to return.
//!
//! C header: [`include/linux/interrupt.h`](srctree/include/linux/interrupt.h)

use crate::bindings;
use crate::compat::pci::IrqVectors;
use core::marker::PhantomPinned;
use kernel::{error::to_result, prelude::*};

/// What a hardirq handler did.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ThreadedIrqReturn {
    /// Not our interrupt (the line is shared with someone else).
    None,
    /// Handled completely.
    Handled,
    /// Handled; wake the handler thread for the rest.
    WakeThread,
}

/// What a handler thread did.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum IrqReturn {
    /// Nothing to do. (Part of the C API; irqctx's thread always has work.)
    #[allow(dead_code)]
    None,
    /// Handled.
    Handled,
}

/// The two halves of a threaded interrupt handler.
///
/// `'static`: a registration that is leaked (`mem::forget()` is safe) keeps
/// its interrupt requested for ever, so the handler may not borrow anything
/// that could go away (`tests/ui/irq_handler_borrows.rs`).
pub(crate) trait ThreadedHandler: Send + Sync + 'static {
    /// Runs in hardirq context: must not sleep.
    fn handle(&self) -> ThreadedIrqReturn;

    /// Runs in the line's `irq/N-name` kernel thread: may sleep.
    fn handle_threaded(&self) -> IrqReturn;
}

/// Request flags (`IRQF_*`): only the ones irqctx's devices may use.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flags(kernel::ffi::c_ulong);

impl Flags {
    /// None: a line of the device's own (MSI).
    pub(crate) const NONE: Flags = Flags(0);
    /// The line may be shared with other devices (legacy INTx).
    pub(crate) const SHARED: Flags = Flags(bindings::IRQF_SHARED as kernel::ffi::c_ulong);
}

/// A requested interrupt line of a PCI device.
///
/// It owns the device's interrupt vectors its line number comes from (there
/// is no raw number to get wrong), frees the line in `drop`, waiting for
/// running handlers, and only then the vectors and the handler.
///
/// # Invariants
///
/// `vectors.irq()` is requested with `&handler` as cookie until `drop`.
#[pin_data(PinnedDrop)]
pub(crate) struct ThreadedRegistration<T: ThreadedHandler> {
    vectors: IrqVectors,
    handler: T,
    #[pin]
    _pin: PhantomPinned,
}

impl<T: ThreadedHandler> ThreadedRegistration<T> {
    /// Requests the line of `vectors` with `flags`, shown as `name` in
    /// `/proc/interrupts`.
    pub(crate) fn register(
        vectors: IrqVectors,
        flags: Flags,
        name: &'static CStr,
        handler: T,
    ) -> impl PinInit<Self, Error> {
        // SAFETY: On success all fields are initialised and the cookie points
        // to the pinned `handler`; on failure both are dropped here.
        unsafe {
            pin_init::pin_init_from_closure(move |slot: *mut Self| {
                let irq = vectors.irq();
                core::ptr::addr_of_mut!((*slot).vectors).write(vectors);
                let cookie = core::ptr::addr_of_mut!((*slot).handler);
                cookie.write(handler);
                // INVARIANT: Requested with the pinned handler as cookie.
                let ret = to_result(bindings::request_threaded_irq(
                    irq,
                    Some(Self::handle_trampoline),
                    Some(Self::thread_trampoline),
                    flags.0,
                    name.as_char_ptr(),
                    cookie.cast(),
                ));
                if ret.is_err() {
                    core::ptr::drop_in_place(cookie);
                    core::ptr::drop_in_place(core::ptr::addr_of_mut!((*slot).vectors));
                }
                ret
            })
        }
    }

    /// The Linux interrupt number.
    pub(crate) fn irq(&self) -> u32 {
        self.vectors.irq()
    }

    /// The handler data.
    pub(crate) fn handler(&self) -> &T {
        &self.handler
    }

    /// # Safety
    ///
    /// `ptr` must be the cookie of a live registration.
    unsafe extern "C" fn handle_trampoline(
        _irq: i32,
        ptr: *mut kernel::ffi::c_void,
    ) -> bindings::irqreturn_t {
        // SAFETY: The cookie is the pinned handler, alive until `free_irq()`
        // has waited for this call.
        let handler = unsafe { &*ptr.cast::<T>() };
        match handler.handle() {
            ThreadedIrqReturn::None => bindings::irqreturn::IRQ_NONE,
            ThreadedIrqReturn::Handled => bindings::irqreturn::IRQ_HANDLED,
            ThreadedIrqReturn::WakeThread => bindings::irqreturn::IRQ_WAKE_THREAD,
        }
    }

    /// # Safety
    ///
    /// `ptr` must be the cookie of a live registration.
    unsafe extern "C" fn thread_trampoline(
        _irq: i32,
        ptr: *mut kernel::ffi::c_void,
    ) -> bindings::irqreturn_t {
        // SAFETY: The cookie is the pinned handler, alive until `free_irq()`,
        // which waits for the handler thread too.
        let handler = unsafe { &*ptr.cast::<T>() };
        match handler.handle_threaded() {
            IrqReturn::None => bindings::irqreturn::IRQ_NONE,
            IrqReturn::Handled => bindings::irqreturn::IRQ_HANDLED,
        }
    }
}

#[pinned_drop]
impl<T: ThreadedHandler> PinnedDrop for ThreadedRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        let cookie = core::ptr::from_ref(&self.handler).cast_mut().cast();
        // SAFETY: Requested with this cookie (type invariant). `free_irq()`
        // waits for running handlers, after which `handler` may be dropped,
        // and the vectors freed (the fields drop after this).
        unsafe { bindings::free_irq(self.vectors.irq(), cookie) };
    }
}
