// SPDX-License-Identifier: GPL-2.0

//! The positive control: the same kinds of handler and container owning
//! their data compile.
//!
//! expect: ok

use crate::compat::irq::{IrqHandler, ThreadedIrq};
use crate::compat::workqueue::{HasWork, Work};
use crate::ctx::{HardIrq, Task};
use kernel::{
    irq::{Flags, IrqReturn, ThreadedIrqReturn},
    pci::IrqVectorRegistration,
    prelude::*,
};

struct Owning(u32);

impl IrqHandler for Owning {
    fn handle(&self, _irq: &mut HardIrq) -> ThreadedIrqReturn {
        let _ = self.0;
        ThreadedIrqReturn::Handled
    }

    fn handle_threaded(&self, _task: &mut Task) -> IrqReturn {
        IrqReturn::Handled
    }
}

struct Holder {
    work: Work<Holder>,
    value: u32,
}

// SAFETY: The offset is that of the `Work<Self>` field.
unsafe impl HasWork for Holder {
    const OFFSET: usize = core::mem::offset_of!(Holder, work);
}

fn request<'a>(
    vectors: IrqVectorRegistration<'a>,
    task: &Task,
) -> Result<Pin<KBox<ThreadedIrq<'a, Owning>>>> {
    KBox::pin_init(
        ThreadedIrq::new(vectors, Flags::TRIGGER_NONE, c"ui", Owning(0), task),
        task.gfp_kernel(),
    )
}
