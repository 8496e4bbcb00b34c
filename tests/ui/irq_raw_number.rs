// SPDX-License-Identifier: GPL-2.0

//! An interrupt requested by a raw number: any number would do, one of
//! another device's lines, or one that was never allocated. The
//! registration takes the device's allocated vectors instead, and frees
//! them after the line.
//!
//! expect: E0308

use crate::compat::irq::{
    Flags, IrqReturn, ThreadedHandler, ThreadedIrqReturn, ThreadedRegistration,
};
use kernel::{c_str, prelude::*};

struct Handler;

impl ThreadedHandler for Handler {
    fn handle(&self) -> ThreadedIrqReturn {
        ThreadedIrqReturn::Handled
    }

    fn handle_threaded(&self) -> IrqReturn {
        IrqReturn::Handled
    }
}

fn request() -> Result<Pin<KBox<ThreadedRegistration<Handler>>>> {
    KBox::pin_init(
        // error on the next line
        ThreadedRegistration::register(24, Flags::NONE, c_str!("ui"), Handler),
        GFP_KERNEL,
    )
}
