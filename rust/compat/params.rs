// SPDX-License-Identifier: GPL-2.0

//! The module parameters, declared in C (`rust/helpers.c`).
//!
//! 7.3's `module!` declares integer and boolean parameters, but not in
//! sysfs (their permissions are 0: the tests and users read
//! `/sys/module/irqctx/parameters/allow_misuse`), and no string ones
//! (`edu_irq=msi|intx`). Waits for both: the second is posted (Matthew
//! Wood, "rust: module parameter extensions", `StringParam`), and
//! [`edu_irq`] reads as its accessor does.

use crate::bindings;
use kernel::prelude::*;

/// `period_us`: the hrtimer's initial period.
pub(crate) fn period_us() -> u64 {
    // SAFETY: Module parameters are written before `init` and read-only
    // (0444) afterwards.
    unsafe { core::ptr::addr_of!(bindings::irqctx_param_period_us).read() as u64 }
}

/// `edu_irq`: how the edu device interrupts, as given (`None` if unset),
/// as `StringParam::as_cstr()` of the posted `module!` string parameters
/// gives it.
pub(crate) fn edu_irq() -> Option<&'static CStr> {
    // SAFETY: Written before `init`, read-only (0444) afterwards; a charp
    // parameter is NULL or a valid NUL-terminated string that lives as long
    // as the module.
    unsafe {
        let ptr = core::ptr::addr_of!(bindings::irqctx_param_edu_irq).read();
        (!ptr.is_null()).then(|| CStr::from_char_ptr(ptr))
    }
}

/// `allow_misuse`: whether the misuse cases may be triggered.
pub(crate) fn allow_misuse() -> bool {
    // SAFETY: Written before `init`, read-only (0444) afterwards.
    unsafe { core::ptr::addr_of!(bindings::irqctx_param_allow_misuse).read() }
}
