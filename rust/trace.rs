// SPDX-License-Identifier: GPL-2.0

//! irqctx's trace events (`rust/trace.h`): `irqctx:irqctx_stage` for every
//! record a stage writes, `irqctx:irqctx_misuse` for each step of a misuse
//! case.
//!
//! 7.3's `kernel::declare_trace!` serves the kernel crate's own events only
//! (it names `kernel::bindings`), so this does what it does for the
//! module's: the tracepoint's static key decides, in a patched jump (a
//! `nop` while the event is off), whether to call the C function
//! `rust/trace.c` generates for it (`CREATE_RUST_TRACE_POINTS`).

use crate::bindings;
use crate::event::Event;

/// Whether tracepoint `$tp` (a `struct tracepoint` defined by
/// `rust/trace.c`) has a probe attached: a static branch.
macro_rules! enabled {
    ($tp:ident) => {
        // SAFETY: `$tp` is a tracepoint defined in C, whose `key` is the
        // static key the tracing core flips; querying it is always allowed.
        unsafe {
            kernel::jump_label::static_branch_unlikely!(
                bindings::$tp,
                kernel::bindings::tracepoint,
                key
            )
        }
    };
}

/// The numbers `rust/trace.h` prints as `ctx=`: `hardirq`, `softirq`,
/// `task`, `other`.
fn ctx_code(ev: &Event) -> u8 {
    match ev.ctx.name() {
        "hardirq" => 0,
        "softirq" => 1,
        "task" => 2,
        _ => 3,
    }
}

/// Emits `irqctx_stage` for record `ev` (its `seq` assigned), from the
/// context the stage ran in.
#[inline(always)]
pub(crate) fn stage(ev: &Event) {
    if enabled!(__tracepoint_irqctx_stage) {
        let running = &ev.ctx.running;
        // SAFETY: The function only copies its arguments into the trace
        // buffer; it may be called from any context a tracepoint may fire
        // in, which every stage's is.
        unsafe {
            bindings::rust_do_trace_irqctx_stage(
                ev.seq,
                ev.source.index() as u8,
                ev.stage.index() as u8,
                ctx_code(ev),
                running.cpu,
                running.pid,
                ev.top_seq,
                ev.batch,
                ev.delay_ns,
            )
        }
    }
}

/// Emits `irqctx_misuse` for case `name`: `fire` where its wrong step runs,
/// else when it is triggered.
#[inline(always)]
pub(crate) fn misuse(name: &str, fire: bool) {
    if enabled!(__tracepoint_irqctx_misuse) {
        // SAFETY: `name` is valid for `name.len()` bytes, which the event
        // copies (`__string_len`); no NUL is needed.
        unsafe {
            bindings::rust_do_trace_irqctx_misuse(name.as_ptr().cast(), name.len() as u32, fire)
        }
    }
}
