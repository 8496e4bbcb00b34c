// SPDX-License-Identifier: GPL-2.0

//! The module parameters, declared in C (`rust/helpers.c`).
//!
//! 7.3's `module!` declares integer and boolean parameters, but not in
//! sysfs (their permissions are 0: the tests and users read
//! `/sys/module/irqctx/parameters/allow_misuse`), and no string ones
//! (`edu_irq=msi|intx`). Waits for both.

use crate::bindings;
use kernel::prelude::*;

/// `period_us`: the hrtimer's initial period.
pub(crate) fn period_us() -> u64 {
    // SAFETY: Module parameters are written before `init` and read-only
    // (0444) afterwards.
    unsafe { core::ptr::addr_of!(bindings::irqctx_param_period_us).read() as u64 }
}

/// `edu_irq`: how the edu device interrupts, as given.
pub(crate) fn edu_irq() -> &'static CStr {
    // SAFETY: Written before `init`, read-only (0444) afterwards; a charp
    // parameter is a valid NUL-terminated string that lives as long as the
    // module.
    unsafe { CStr::from_char_ptr(core::ptr::addr_of!(bindings::irqctx_param_edu_irq).read()) }
}

/// `allow_misuse`: whether the misuse cases may be triggered.
pub(crate) fn allow_misuse() -> bool {
    // SAFETY: Written before `init`, read-only (0444) afterwards.
    unsafe { core::ptr::addr_of!(bindings::irqctx_param_allow_misuse).read() }
}
