// SPDX-License-Identifier: GPL-2.0

//! A misc device whose shared data borrows a local. A leaked registration
//! keeps the node, and `open()` would hand out the dead borrow: the data
//! must be `'static`.
//!
//! expect: E0477

use crate::compat::miscdevice::MiscDevice;
use crate::ctx::Task;
use kernel::fs::File;
use kernel::prelude::*;

struct Node<'a>(&'a u32);

#[vtable]
impl<'a> MiscDevice for Node<'a> {
    type Ptr = KBox<u32>;
    // error on the next line
    type RegistrationData = &'a u32;

    fn open(data: &&'a u32, _file: &File, _task: &mut Task) -> Result<KBox<u32>> {
        Ok(KBox::new(**data, GFP_KERNEL)?)
    }
}
