// SPDX-License-Identifier: GPL-2.0

//! A work item behind a pointer in its container. `HasWork::OFFSET` would be
//! the pointer's offset, and queueing would write the item's links over the
//! container: `impl_has_work!` takes only a field of type `Work` itself (a
//! raw-pointer projection, where no deref coercion applies).
//!
//! expect: E0308

use crate::compat::workqueue::{impl_has_work, Work};
use kernel::prelude::*;

struct Holder {
    work: Pin<KBox<Work<Holder>>>,
    value: [u64; 4],
}

// error on the next line
impl_has_work!(Holder, 0, work);
