// SPDX-License-Identifier: GPL-2.0

//! A threaded IRQ handler that borrows a local. Its registration, leaked
//! with `mem::forget()` (safe), would keep the interrupt requested, and the
//! handler would run in hardirq context on the dead local: `ThreadedIrq`
//! takes only `'static` handlers.
//!
//! expect: E0597

use crate::compat::irq::{IrqHandler, ThreadedIrq};
use crate::ctx::{HardIrq, Task};
use kernel::{
    irq::{Flags, IrqReturn, ThreadedIrqReturn},
    pci::IrqVectorRegistration,
    prelude::*,
};

struct Borrowing<'a>(&'a u32);

impl IrqHandler for Borrowing<'_> {
    fn handle(&self, _irq: &mut HardIrq) -> ThreadedIrqReturn {
        let _ = *self.0;
        ThreadedIrqReturn::Handled
    }

    fn handle_threaded(&self, _task: &mut Task) -> IrqReturn {
        IrqReturn::Handled
    }
}

fn request<'a>(
    vectors: IrqVectorRegistration<'a>,
    task: &Task,
) -> Result<Pin<KBox<ThreadedIrq<'a, Borrowing<'a>>>>> {
    let local = 0;
    KBox::pin_init(
        // error on the next line
        ThreadedIrq::new(vectors, Flags::TRIGGER_NONE, c"ui", Borrowing(&local), task),
        task.gfp_kernel(),
    )
}
