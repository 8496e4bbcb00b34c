// SPDX-License-Identifier: GPL-2.0

//! `copy_to_user()` under the device spinlock, the textbook sleep in atomic
//! context (the copy may fault and sleep): each user copy asks for the task
//! token, which the lock's guard holds. (The writer used to need the token
//! only to be made: made before the lock, it copied inside it.)
//!
//! expect: E0502

use crate::ctx::{Task, UserSliceWriter};
use crate::device::IrqCtx;
use kernel::prelude::*;

fn read(dev: &IrqCtx, mut buf: UserSliceWriter, task: &mut Task) -> Result {
    let st = dev.state.lock(task);
    // error on the next line
    buf.write_slice(task, b"seq=1\n")?;
    drop(st);
    Ok(())
}
