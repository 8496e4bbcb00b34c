// SPDX-License-Identifier: GPL-2.0

//! An interrupt requested by a raw number: any number would do, one of
//! another device's lines, or one that was never allocated. `ThreadedIrq`
//! takes the device's allocated vectors instead, and frees them after the
//! line.
//!
//! expect: E0308

use crate::compat::irq::{IrqHandler, ThreadedIrq};
use crate::ctx::{HardIrq, Task};
use kernel::{
    irq::{Flags, IrqReturn, ThreadedIrqReturn},
    prelude::*,
};

struct Handler;

impl IrqHandler for Handler {
    fn handle(&self, _irq: &mut HardIrq) -> ThreadedIrqReturn {
        ThreadedIrqReturn::Handled
    }

    fn handle_threaded(&self, _task: &mut Task) -> IrqReturn {
        IrqReturn::Handled
    }
}

fn request(task: &Task) -> Result<Pin<KBox<ThreadedIrq<'static, Handler>>>> {
    KBox::pin_init(
        // error on the next line
        ThreadedIrq::new(24, Flags::TRIGGER_NONE, c"ui", Handler, task),
        task.gfp_kernel(),
    )
}
