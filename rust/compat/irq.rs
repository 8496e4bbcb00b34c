// SPDX-License-Identifier: GPL-2.0

//! A PCI device's interrupt line with a threaded handler, safely.
//!
//! Upstream's `kernel::irq::ThreadedRegistration` does the work (the handler
//! pinned inside it is the `dev_id` cookie; dropping it calls `free_irq()`,
//! which waits for running handlers), but 7.3's `new()` is `unsafe`: a
//! registration that is leaked would keep a handler that borrows running
//! after the borrow ended. [`ThreadedIrq`] makes it safe with a `'static`
//! handler, and owns the device's interrupt vectors the line comes from, so
//! there is no raw number to get wrong and the vectors are freed after the
//! line.
//!
//! Waits for: a safe `ThreadedRegistration::new()` (7.3's is `unsafe`; none
//! posted); the names are 7.3's (`ThreadedHandler`, `IrqReturn`,
//! `ThreadedIrqReturn`, `Flags`).
//!
//! C header: [`include/linux/interrupt.h`](srctree/include/linux/interrupt.h)

use crate::compat::kcov::Remote;
use crate::ctx::{HardIrq, Task};
use kernel::{
    irq::{Flags, IrqRequest, IrqReturn, ThreadedHandler, ThreadedIrqReturn, ThreadedRegistration},
    pci::IrqVectorRegistration,
    prelude::*,
};

/// A threaded interrupt handler, given the token of the context each half
/// runs in (upstream's `ThreadedHandler` gives none).
pub(crate) trait IrqHandler: Sync {
    /// The top half: in hardirq context (see [`HardIrq`] for PREEMPT_RT).
    fn handle(&self, irq: &mut HardIrq) -> ThreadedIrqReturn;
    /// The bottom half, in the line's `irq/N-name` thread.
    fn handle_threaded(&self, task: &mut Task) -> IrqReturn;
}

/// Upstream's handler for an [`IrqHandler`]: makes each half's token.
struct WithContext<T>(T);

impl<T: IrqHandler> ThreadedHandler for WithContext<T> {
    fn handle(&self) -> ThreadedIrqReturn {
        // SAFETY: The primary handler runs in hardirq context with interrupts
        // off; forced threading keeps them off without PREEMPT_RT.
        self.0.handle(&mut unsafe { HardIrq::assume() })
    }

    fn handle_threaded(&self) -> IrqReturn {
        // SAFETY: The IRQ thread is a kernel thread that may sleep.
        let mut task = unsafe { Task::assume() };
        let _cov = Remote::task(&task);
        self.0.handle_threaded(&mut task)
    }
}

/// The interrupt line of vector 0 of a PCI device, requested with a
/// threaded handler until drop.
///
/// Fields drop in order: the registration (`free_irq()`, which waits for
/// the handlers), then the vectors (`pci_free_irq_vectors()`).
#[pin_data]
pub(crate) struct ThreadedIrq<'a, T: IrqHandler + 'static> {
    #[pin]
    registration: ThreadedRegistration<'a, WithContext<T>>,
    vectors: IrqVectorRegistration<'a>,
}

impl<'a, T: IrqHandler + 'static> ThreadedIrq<'a, T> {
    /// Requests the line of vector 0 of `vectors` with `flags`, shown as
    /// `name` in `/proc/interrupts`.
    ///
    /// `'static`: leaking a registration is safe (`mem::forget()` of its
    /// box), and keeps the interrupt requested for ever, so the handler may
    /// not borrow anything that could go away
    /// (`tests/ui/irq_handler_borrows.rs`). On `PREEMPT_RT`, `EINVAL` for
    /// `ONESHOT`, `NO_THREAD` or `PERCPU`, which would keep the top half
    /// in hardirq context there (see [`HardIrq`]). Task context: `request_irq()`
    /// sleeps, and the initialiser keeps `task`'s borrow, so it runs while
    /// the caller holds the token outside any atomic section
    /// (`tests/ui/irq_request_under_lock.rs`).
    pub(crate) fn new<'t>(
        vectors: IrqVectorRegistration<'a>,
        flags: Flags,
        name: &'static CStr,
        handler: T,
        _task: &'t Task,
    ) -> impl PinInit<Self, Error> + use<'a, 't, T> {
        let allowed = check_flags(flags);
        try_pin_init!(Self {
            vectors,
            registration <- {
                allowed?;
                // `vectors` is the field, initialised above.
                let vectors: *const IrqVectorRegistration<'a> = &*vectors;
                // SAFETY: The field stays in place (`Self` is pinned) until
                // after `registration` is dropped (field order), so the
                // reference lives as long as its use.
                let request: IrqRequest<'a> = unsafe { &*vectors }.index(0)?.into();
                // SAFETY: 7.3's `new()` asks that the registration is never
                // leaked (`mem::forget()`) nor its drop otherwise prevented.
                // Here it is a field of `Self`, dropped with it before the
                // vectors (field order); `Self` can be leaked by safe code,
                // which 7.3's contract does not allow: what that leaves is
                // the handler's data, `'static` and so still valid, and the
                // line requested after unbind (and after `rmmod`, module text
                // the next interrupt would call). irqctx never leaks one;
                // the gap is upstream's too (every registration it has can
                // be forgotten) and is stated in Documentation/irqctx.rst.
                unsafe { ThreadedRegistration::new(request, flags, name, Ok::<_, Error>(WithContext(handler))) }
            },
        })
    }

    /// The handler data.
    pub(crate) fn handler(&self) -> &T {
        &self.registration.handler().0
    }
}

/// `EINVAL` for request flags that keep the primary handler out of its
/// thread on `PREEMPT_RT` (`ONESHOT`, `NO_THREAD`, `PERCPU`): in real
/// hardirq context there, where `HardIrq`'s locks (an `rt_mutex` there)
/// would sleep. Any flags elsewhere.
fn check_flags(flags: Flags) -> Result {
    let unthreaded = Flags::ONESHOT | Flags::NO_THREAD | Flags::PERCPU;
    if cfg!(CONFIG_PREEMPT_RT) && (flags & unthreaded) != Flags::TRIGGER_NONE {
        return Err(EINVAL);
    }
    Ok(())
}

#[cfg(CONFIG_KUNIT)]
#[kunit_tests(irqctx_irq)]
mod tests {
    use super::*;

    /// On `PREEMPT_RT`, [`ThreadedIrq::new`] refuses each flag that keeps
    /// the top half in hardirq context, alone or beside others; the flags
    /// irqctx requests with pass on every kernel.
    #[test]
    fn rt_refuses_unthreaded_flags() {
        for flag in [Flags::ONESHOT, Flags::NO_THREAD, Flags::PERCPU] {
            for with in [Flags::TRIGGER_NONE, Flags::SHARED] {
                let refused = check_flags(flag | with) == Err(EINVAL);
                assert_eq!(refused, cfg!(CONFIG_PREEMPT_RT));
            }
        }
        assert_eq!(check_flags(Flags::SHARED), Ok(()));
        assert_eq!(check_flags(Flags::TRIGGER_NONE), Ok(()));
    }
}
