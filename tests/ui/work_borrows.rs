// SPDX-License-Identifier: GPL-2.0

//! A work item in a container that borrows a local. A queued work item
//! holds its container until the worker runs it, whenever that is: the
//! container must be `'static`, whatever its `HasWork` implementation says.
//!
//! expect: E0478

use crate::compat::workqueue::{HasWork, Work};

struct Holder<'a> {
    work: Work<Holder<'a>>,
    value: &'a u32,
}

// SAFETY: The offset is that of the `Work<Self>` field.
// error on the next line
unsafe impl<'a> HasWork for Holder<'a> {
    const OFFSET: usize = core::mem::offset_of!(Holder<'a>, work);
}
