// SPDX-License-Identifier: GPL-2.0

//! `request_threaded_irq()` (which sleeps) under a spinlock: the threaded
//! IRQ's initialiser is made with the task token and keeps its borrow, so
//! the token cannot be lent to the lock before the initialiser has run.
//! (It used to capture nothing: made outside, it could run inside.)
//!
//! expect: E0502

use crate::compat::irq::{IrqHandler, ThreadedIrq};
use crate::ctx::{HardIrq, Task};
use crate::device::IrqCtx;
use kernel::{
    alloc::flags::GFP_ATOMIC,
    irq::{Flags, IrqReturn, ThreadedIrqReturn},
    pci::IrqVectorRegistration,
    prelude::*,
};

struct Quiet;

impl IrqHandler for Quiet {
    fn handle(&self, _irq: &mut HardIrq) -> ThreadedIrqReturn {
        ThreadedIrqReturn::Handled
    }

    fn handle_threaded(&self, _task: &mut Task) -> IrqReturn {
        IrqReturn::Handled
    }
}

fn request_under_lock<'a>(
    vectors: IrqVectorRegistration<'a>,
    dev: &IrqCtx,
    task: &mut Task,
) -> Result<Pin<KBox<ThreadedIrq<'a, Quiet>>>> {
    let init = ThreadedIrq::new(vectors, Flags::SHARED, c"ui", Quiet, task);
    // error on the next line
    let st = dev.state.lock(task);
    let irq = KBox::pin_init(init, GFP_ATOMIC);
    drop(st);
    irq
}
