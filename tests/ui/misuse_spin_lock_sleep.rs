// SPDX-License-Identifier: GPL-2.0

//! `spin_lock_sleep`, written safely: `read()` takes the device spinlock and
//! sleeps holding it. The guard borrows the task token, so the sleep, which
//! needs the token too, is a second borrow.
//!
//! expect: E0502

use crate::ctx::Task;
use crate::device::IrqCtx;

fn read(dev: &IrqCtx, task: &mut Task) {
    let st = dev.state.lock(task);
    // error on the next line
    task.sleep_ms(1000);
    drop(st);
}
