// SPDX-License-Identifier: GPL-2.0

//! The positive control for a top half: it records under the irq-safe
//! device lock and defers the rest, which is all a top half may do.
//!
//! expect: ok

use crate::ctx::HardIrq;
use crate::device::{IrqCtx, Lane};
use crate::event::Event;
use kernel::sync::ArcBorrow;

fn top_half(dev: ArcBorrow<'_, IrqCtx>, irq: &mut HardIrq) {
    dev.state.lock(irq).stats.irq_none += 1;
    let _wake_thread = IrqCtx::record_top(dev, irq, Lane::IrqWork, Event::default());
}
