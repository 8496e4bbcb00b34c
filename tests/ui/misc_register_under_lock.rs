// SPDX-License-Identifier: GPL-2.0

//! `misc_register()` (which sleeps) under a spinlock: the registration's
//! initialiser is made with the task token and keeps its borrow, so the
//! token cannot be lent to the lock before the initialiser has run. (It
//! used to capture nothing: made outside, it could run inside the section.)
//!
//! expect: E0502

use crate::command::Control;
use crate::compat::miscdevice::{MiscDeviceOptions, MiscDeviceRegistration};
use crate::ctx::Task;
use crate::device::IrqCtx;
use crate::file::IrqCtxFile;
use kernel::{alloc::flags::GFP_ATOMIC, prelude::*, sync::Arc};

fn register_under_lock(dev: &IrqCtx, ctl: Arc<Control>, task: &mut Task) -> Result {
    let init = MiscDeviceRegistration::<IrqCtxFile>::register(
        MiscDeviceOptions { name: c"ui" },
        ctl,
        task,
    );
    // error on the next line
    let st = dev.state.lock(task);
    let reg = KBox::pin_init(init, GFP_ATOMIC);
    drop(st);
    drop(reg?);
    Ok(())
}
