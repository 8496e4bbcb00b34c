// SPDX-License-Identifier: GPL-2.0

//! A threaded IRQ handler that borrows a local. Its registration, leaked with
//! `mem::forget()` (safe), would keep the interrupt requested, and the
//! handler would run in hardirq context on the dead local: the handler must
//! be `'static`.
//!
//! expect: E0478

use crate::compat::irq::{IrqReturn, ThreadedHandler, ThreadedIrqReturn};

struct Borrowing<'a>(&'a u32);

// error on the next line
impl<'a> ThreadedHandler for Borrowing<'a> {
    fn handle(&self) -> ThreadedIrqReturn {
        let _ = *self.0;
        ThreadedIrqReturn::Handled
    }

    fn handle_threaded(&self) -> IrqReturn {
        IrqReturn::Handled
    }
}
